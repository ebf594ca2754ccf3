package iotsim

import "slices"

// advanceJob settles a job whose running phase is over: an interrupted job
// copies nothing; a completed one copies the product to every target and
// each device that exists in the source, recording a result per device
// (Code 200 = distributed, 003 L18–22) and where the device went.
func (s *Simulator) advanceJob(j *Job, nowMs int64) (pending bool) {
	if j.Settled {
		return false
	}
	status := s.jobStatus(j, nowMs)
	if !jobFinished(status) {
		return true
	}
	endMs := j.CreatedMs + s.timing.JobInitializing.Milliseconds() + s.timing.JobRunning.Milliseconds()
	j.Settled = true
	j.Results = make([]JobResult, 0, len(j.DeviceNames))
	if status == 3 {
		for _, n := range j.DeviceNames {
			j.Results = append(j.Results, JobResult{ProductKey: j.ProductKey, DeviceName: n, Code: 500,
				Message: "The distribution task was interrupted unexpectedly."})
		}
		return false
	}
	w := s.world
	src := w.products[productKeyOf(j.SourceInstanceID, j.ProductKey)]
	if src == nil { // deleted while the job ran
		for _, n := range j.DeviceNames {
			j.Results = append(j.Results, JobResult{ProductKey: j.ProductKey, DeviceName: n, Code: 404,
				Message: "The product does not exist in the source instance."})
		}
		return false
	}
	targets := make([]*product, len(j.TargetInstanceIDs))
	for i, id := range j.TargetInstanceIDs {
		targets[i] = w.copyProduct(src, id, endMs)
	}
	for _, n := range j.DeviceNames {
		d, ok := w.byName[deviceKeyOf(src.InstanceID, src.ProductKey, n)]
		if !ok {
			j.Results = append(j.Results, JobResult{ProductKey: j.ProductKey, DeviceName: n, Code: 404,
				Message: "The device does not exist in the source instance."})
			continue
		}
		// Strategy 1 sends a device to the region nearest its IP; the
		// simulator has no geography and takes the first target.
		t := targets[0]
		w.copyDevice(d, t, endMs)
		w.recordProvision(j, d, t.InstanceID, endMs)
		j.Results = append(j.Results, JobResult{ProductKey: j.ProductKey, DeviceName: n, Code: 200, Message: "success"})
	}
	return false
}

// copyProduct returns the product in the target instance, copying it there
// with the same ProductKey and secret if it is not there yet.
func (w *world) copyProduct(src *product, instanceID string, nowMs int64) *product {
	if p, ok := w.products[productKeyOf(instanceID, src.ProductKey)]; ok {
		return p
	}
	p := &product{Product: src.Product}
	p.InstanceID, p.CreatedMs, p.Seq, p.Tags, p.DeviceCount = instanceID, nowMs, w.nextSeq(), slices.Clone(src.Tags), 0
	w.products[productKeyOf(instanceID, p.ProductKey)] = p
	return p
}

// copyDevice registers the device in the target product with the same name
// and secret (so the device can connect there) and a new IotId. A device
// already there is left as it is: distributing again is not an error.
func (w *world) copyDevice(d *Device, target *product, nowMs int64) {
	if _, ok := w.byName[deviceKeyOf(target.InstanceID, d.ProductKey, d.DeviceName)]; ok {
		return
	}
	w.addDevice(target, &Device{
		InstanceID: target.InstanceID, ProductKey: d.ProductKey, DeviceName: d.DeviceName,
		DeviceSecret: d.DeviceSecret, IotID: newIotID(), Nickname: d.Nickname, Props: d.Props,
		Connection: "UNACTIVE", CreatedMs: nowMs, ModifiedMs: nowMs, StatusMs: nowMs,
	})
}

func (w *world) recordProvision(j *Job, d *Device, targetID string, nowMs int64) {
	key := provisionKeyOf(j.OwnerUID, d.ProductKey, d.DeviceName)
	pr, ok := w.provisions[key]
	if !ok {
		pr = &Provision{OwnerUID: j.OwnerUID, ProductKey: d.ProductKey, DeviceName: d.DeviceName, CreatedMs: nowMs}
		w.provisions[key] = pr
	}
	pr.SourceInstanceID, pr.TargetInstanceID, pr.TargetUID, pr.ModifiedMs = j.SourceInstanceID, targetID, j.TargetUID, nowMs
}
