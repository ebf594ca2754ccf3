package main

import (
	"context"
	"fmt"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kiot-dev/kiot/internal/iotsim"
)

// check is one invariant's verdict: failures name objects and count them,
// never show a secret's value.
type check struct {
	name     string
	failures []string
}

func (c check) ok() bool { return len(c.failures) == 0 }

// platform is the simulator's state seen from the fleet's source instance
// (the public instance of cn-shanghai, the ProviderConfig's region).
type platform struct {
	st     iotsim.State
	source string
}

func newPlatform(sim *iotsim.Simulator) platform {
	p := platform{st: sim.Snapshot()}
	for _, in := range sim.Instances() {
		if in.Public && in.Region == "cn-shanghai" {
			p.source = in.ID
		}
	}
	return p
}

func (p platform) products(name string) []iotsim.Product {
	var found []iotsim.Product
	for _, x := range p.st.Products {
		if x.InstanceID == p.source && x.ProductName == name {
			found = append(found, x)
		}
	}
	return found
}

// productKeys are the keys of every product of the fleet's names, in any
// instance: a distributed product keeps its key.
func (p platform) productKeys(f *fleet) map[string]bool {
	keys := map[string]bool{}
	for _, x := range p.st.Products {
		for _, fp := range f.products {
			if x.ProductName == fp.Spec.ProductName {
				keys[x.ProductKey] = true
			}
		}
	}
	return keys
}

func (p platform) devices(productKey, name string) []iotsim.Device {
	var found []iotsim.Device
	for _, d := range p.st.Devices {
		if d.InstanceID == p.source && d.ProductKey == productKey && d.DeviceName == name {
			found = append(found, d)
		}
	}
	return found
}

func (p platform) groups(name string) []iotsim.Group {
	var found []iotsim.Group
	for _, g := range p.st.Groups {
		if g.InstanceID == p.source && g.GroupName == name {
			found = append(found, g)
		}
	}
	return found
}

// steadyChecks are the invariants of a rolled-out fleet: exactly one cloud
// object per resource, Secrets equal to the platform, memberships exact,
// every distribution job recorded.
func steadyChecks(ctx context.Context, c client.Client, f *fleet, p platform, cl *cluster) []check {
	one := check{name: "one cloud object per resource"}
	secrets := check{name: "Secrets equal the platform"}
	members := check{name: "group memberships exact"}
	jobs := check{name: "distribution jobs recorded"}

	productKey := map[string]string{}
	for _, fp := range f.products {
		found := p.products(fp.Spec.ProductName)
		if len(found) != 1 {
			one.failures = append(one.failures, fmt.Sprintf("product %s: %d on the platform", fp.Name, len(found)))
			continue
		}
		productKey[fp.Name] = found[0].ProductKey
		var s corev1.Secret
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: fp.Name + "-product"}, &s); err != nil {
			secrets.failures = append(secrets.failures, fmt.Sprintf("product %s: Secret: %v", fp.Name, err))
		} else if diff := differ(s.Data, map[string]string{"productKey": found[0].ProductKey, "productSecret": found[0].ProductSecret}); diff != nil {
			secrets.failures = append(secrets.failures, fmt.Sprintf("product %s: %v differ", fp.Name, diff))
		}
	}

	iotID := map[string]string{} // Device resource -> its one platform device
	var duplicated, missing, badSecret []string
	for _, d := range f.devices {
		key, ok := productKey[f.productOf[d.Name].Name]
		if !ok {
			continue // reported with its product
		}
		found := p.devices(key, d.Name)
		switch len(found) {
		case 0:
			missing = append(missing, d.Name)
			continue
		case 1:
		default:
			duplicated = append(duplicated, fmt.Sprintf("%s×%d", d.Name, len(found)))
			continue
		}
		dev := found[0]
		iotID[d.Name] = dev.IotID
		var s corev1.Secret
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: d.Name + "-device"}, &s); err != nil {
			badSecret = append(badSecret, d.Name+" (no Secret)")
		} else if diff := differ(s.Data, map[string]string{"productKey": dev.ProductKey, "deviceName": dev.DeviceName,
			"deviceSecret": dev.DeviceSecret, "iotId": dev.IotID}); diff != nil {
			badSecret = append(badSecret, fmt.Sprintf("%s %v", d.Name, diff))
		}
	}
	one.failures = appendNamed(one.failures, "devices missing on the platform", missing)
	one.failures = appendNamed(one.failures, "devices registered more than once", duplicated)
	if strays := strayDevices(f, p, productKey); len(strays) > 0 {
		one.failures = appendNamed(one.failures, "platform devices no Device asked for", strays)
	}
	secrets.failures = appendNamed(secrets.failures, "device Secrets wrong", badSecret)

	for _, g := range f.groups {
		found := p.groups(g.Spec.GroupName)
		if len(found) != 1 {
			one.failures = append(one.failures, fmt.Sprintf("devicegroup %s: %d on the platform", g.Name, len(found)))
			continue
		}
		want := map[string]bool{}
		for _, name := range f.members[g.Name] {
			if id := iotID[name]; id != "" {
				want[id] = true
			}
		}
		byID := map[string]string{}
		for name, id := range iotID {
			byID[id] = name
		}
		var absent, extra []string
		have := map[string]bool{}
		for _, id := range found[0].Members {
			have[id] = true
			if !want[id] {
				extra = append(extra, orID(byID[id], id))
			}
		}
		for _, name := range f.members[g.Name] {
			if id := iotID[name]; id != "" && !have[id] {
				absent = append(absent, name)
			}
		}
		members.failures = appendNamed(members.failures, "devicegroup "+g.Name+" lacks", absent)
		members.failures = appendNamed(members.failures, "devicegroup "+g.Name+" has extra", extra)
	}

	if key, ok := productKey[f.job.Spec.ProductRef.Name]; ok {
		var onPlatform []string
		for _, j := range p.st.Jobs {
			if j.ProductKey == key {
				onPlatform = append(onPlatform, j.JobID)
			}
		}
		var recorded []string
		for _, j := range cl.jobs {
			if j.Name == f.job.Name {
				for _, run := range j.Status.Jobs {
					recorded = append(recorded, run.JobID)
				}
			}
		}
		sort.Strings(onPlatform)
		sort.Strings(recorded)
		if len(onPlatform) != 1 || !slices.Equal(onPlatform, recorded) {
			jobs.failures = append(jobs.failures, fmt.Sprintf("distributejob %s: %d job(s) on the platform %v, %d in status.jobs %v (want exactly one, recorded)",
				f.job.Name, len(onPlatform), onPlatform, len(recorded), recorded))
		}
	}
	return []check{one, secrets, members, jobs}
}

// strayDevices are devices in a fleet product that no Device names.
func strayDevices(f *fleet, p platform, productKey map[string]string) []string {
	wanted := map[string]bool{}
	for _, d := range f.devices {
		wanted[productKey[f.productOf[d.Name].Name]+"/"+d.Name] = true
	}
	keys := map[string]bool{}
	for _, k := range productKey {
		keys[k] = true
	}
	var strays []string
	for _, d := range p.st.Devices {
		if d.InstanceID == p.source && keys[d.ProductKey] && !wanted[d.ProductKey+"/"+d.DeviceName] {
			strays = append(strays, d.DeviceName)
		}
	}
	return strays
}

// goneChecks are the invariants after everything was deleted: no object
// left in the cluster, nothing of the fleet left on the platform.
func goneChecks(f *fleet, p platform, keys map[string]bool, cl *cluster, waitErr error) []check {
	stuck := check{name: "everything deleted in time"}
	if waitErr != nil || (cl != nil && cl.total() > 0) {
		var names []string
		if cl != nil {
			names = cl.names()
		}
		stuck.failures = appendNamed(stuck.failures, "still in the cluster (finalizers)", names)
		if len(stuck.failures) == 0 {
			stuck.failures = []string{waitErr.Error()}
		}
	}
	left := check{name: "nothing left on the platform"}
	for _, fp := range f.products {
		if n := len(p.products(fp.Spec.ProductName)); n > 0 {
			left.failures = append(left.failures, fmt.Sprintf("product %s: %d left", fp.Name, n))
		}
	}
	var devices []string
	for _, d := range p.st.Devices {
		if d.InstanceID == p.source && keys[d.ProductKey] {
			devices = append(devices, d.DeviceName)
		}
	}
	left.failures = appendNamed(left.failures, "devices left", devices)
	for _, g := range f.groups {
		if n := len(p.groups(g.Spec.GroupName)); n > 0 {
			left.failures = append(left.failures, fmt.Sprintf("devicegroup %s: %d left", g.Name, n))
		}
	}
	var jobs []string
	for _, j := range p.st.Jobs {
		if keys[j.ProductKey] {
			jobs = append(jobs, j.JobID)
		}
	}
	left.failures = appendNamed(left.failures, "distribution job records left", jobs)
	return []check{stuck, left}
}

// differ names the keys whose values differ (never the values).
func differ(data map[string][]byte, want map[string]string) []string {
	var keys []string
	for k, v := range want {
		if string(data[k]) != v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func appendNamed(failures []string, what string, names []string) []string {
	if len(names) == 0 {
		return failures
	}
	sort.Strings(names)
	return append(failures, fmt.Sprintf("%s: %d (%s)", what, len(names), shortList(names, 8)))
}

func orID(name, id string) string {
	if name != "" {
		return name
	}
	return "iotId " + id
}
