package iotsim

import (
	"slices"
	"sort"
)

// world is the state with its indexes. Every access holds Simulator.mu.
// Keys are composite strings rather than nested maps: one map entry per
// device, not one map per product.
type world struct {
	products   map[string]*product // productKeyOf(instance, ProductKey)
	devices    map[string]*Device  // by IotId
	byName     map[string]*Device  // deviceKeyOf(instance, ProductKey, DeviceName)
	groups     map[string]*Group   // by GroupId
	jobs       map[string]*Job     // by JobId
	jobOrder   []*Job              // oldest first
	batches    map[int64]*Batch
	provisions map[string]*Provision // provisionKeyOf(uid, ProductKey, DeviceName)

	// pendingJobs and pendingBatches are the async objects whose end is not
	// yet applied; advance looks at these only.
	pendingJobs    []*Job
	pendingBatches []*Batch

	nextApplyID int64
	// seq numbers products and groups in creation order.
	seq int64
}

// product is a Product with its devices, oldest first.
type product struct {
	Product
	devices []*Device
}

func newWorld() *world {
	return &world{
		products:    map[string]*product{},
		devices:     map[string]*Device{},
		byName:      map[string]*Device{},
		groups:      map[string]*Group{},
		jobs:        map[string]*Job{},
		batches:     map[int64]*Batch{},
		provisions:  map[string]*Provision{},
		nextApplyID: 1000001,
	}
}

func (w *world) nextSeq() int64 {
	w.seq++
	return w.seq
}

func productKeyOf(instance, pk string) string { return instance + "\x00" + pk }

func deviceKeyOf(instance, pk, dn string) string { return instance + "\x00" + pk + "\x00" + dn }

func provisionKeyOf(uid, pk, dn string) string { return uid + "\x00" + pk + "\x00" + dn }

func (w *world) addDevice(p *product, d *Device) {
	p.devices = append(p.devices, d)
	w.devices[d.IotID] = d
	w.byName[deviceKeyOf(d.InstanceID, d.ProductKey, d.DeviceName)] = d
}

func (w *world) removeDevice(p *product, d *Device) {
	if i := slices.Index(p.devices, d); i >= 0 {
		p.devices = slices.Delete(p.devices, i, i+1)
	}
	delete(w.devices, d.IotID)
	delete(w.byName, deviceKeyOf(d.InstanceID, d.ProductKey, d.DeviceName))
	for _, gid := range d.Groups {
		if g, ok := w.groups[gid]; ok {
			g.Members = slices.DeleteFunc(g.Members, func(id string) bool { return id == d.IotID })
		}
	}
}

// snapshot copies the state out (deeply enough that the caller cannot
// change the simulator's objects).
func (w *world) snapshot() State {
	st := State{NextApplyID: w.nextApplyID}
	for _, p := range w.products {
		cp := p.Product
		cp.Tags = slices.Clone(p.Tags)
		cp.DeviceCount = len(p.devices)
		st.Products = append(st.Products, cp)
		for _, d := range p.devices {
			dc := *d
			dc.Groups = slices.Clone(d.Groups)
			st.Devices = append(st.Devices, dc)
		}
	}
	sort.Slice(st.Products, func(i, j int) bool {
		a, b := st.Products[i], st.Products[j]
		return a.Seq < b.Seq
	})
	for _, g := range w.groups {
		gc := *g
		gc.Tags = slices.Clone(g.Tags)
		gc.Members = slices.Clone(g.Members)
		st.Groups = append(st.Groups, gc)
	}
	sort.Slice(st.Groups, func(i, j int) bool {
		return st.Groups[i].Seq < st.Groups[j].Seq
	})
	for _, j := range w.jobOrder {
		jc := *j
		jc.TargetInstanceIDs = slices.Clone(j.TargetInstanceIDs)
		jc.DeviceNames = slices.Clone(j.DeviceNames)
		jc.Results = slices.Clone(j.Results)
		st.Jobs = append(st.Jobs, jc)
	}
	for _, b := range w.batches {
		bc := *b
		bc.Names = slices.Clone(b.Names)
		bc.Nicknames = slices.Clone(b.Nicknames)
		bc.Invalid = slices.Clone(b.Invalid)
		bc.IotIDs = slices.Clone(b.IotIDs)
		st.Batches = append(st.Batches, bc)
	}
	sort.Slice(st.Batches, func(i, j int) bool { return st.Batches[i].ApplyID < st.Batches[j].ApplyID })
	for _, pr := range w.provisions {
		st.Provisions = append(st.Provisions, *pr)
	}
	sort.Slice(st.Provisions, func(i, j int) bool {
		a, b := st.Provisions[i], st.Provisions[j]
		return a.ProductKey+"\x00"+a.DeviceName < b.ProductKey+"\x00"+b.DeviceName
	})
	return st
}

// worldFrom rebuilds the indexes from a state (a loaded state file). Devices
// keep their order by creation time within their product.
func worldFrom(st State) *world {
	w := newWorld()
	if st.NextApplyID > w.nextApplyID {
		w.nextApplyID = st.NextApplyID
	}
	for i := range st.Products {
		p := &product{Product: st.Products[i]}
		p.DeviceCount = 0
		w.products[productKeyOf(p.InstanceID, p.ProductKey)] = p
		w.seq = max(w.seq, p.Seq)
	}
	devices := slices.Clone(st.Devices)
	sort.SliceStable(devices, func(i, j int) bool { return devices[i].CreatedMs < devices[j].CreatedMs })
	for i := range devices {
		d := &devices[i]
		if p, ok := w.products[productKeyOf(d.InstanceID, d.ProductKey)]; ok {
			w.addDevice(p, d)
		}
	}
	for i := range st.Groups {
		g := st.Groups[i]
		w.groups[g.GroupID] = &g
		w.seq = max(w.seq, g.Seq)
	}
	for i := range st.Jobs {
		j := st.Jobs[i]
		w.jobs[j.JobID] = &j
		w.jobOrder = append(w.jobOrder, &j)
		if !j.Settled {
			w.pendingJobs = append(w.pendingJobs, &j)
		}
	}
	for i := range st.Batches {
		b := st.Batches[i]
		w.batches[b.ApplyID] = &b
		if !batchSettled(b.Status) {
			w.pendingBatches = append(w.pendingBatches, &b)
		}
	}
	for i := range st.Provisions {
		pr := st.Provisions[i]
		w.provisions[provisionKeyOf(pr.OwnerUID, pr.ProductKey, pr.DeviceName)] = &pr
	}
	return w
}
