package fleet

// Record stores what a write by Kiot just learned about a device (a
// registration's IotId and secret) as a fresh read of it, and clears its
// invalidation, so the Device's next Get needs no call when the product's
// snapshot is loaded. A page-through already running keeps this answer, as
// it keeps any single read begun after it. (A single read of the same name
// begun before Record could still install its older answer; names are read
// by their own Device, one reconcile at a time, so it does not arise.)
func (o *Observer) Record(key Key, obs Observation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	pv := o.view(key)
	pv.seq++
	pv.devices[obs.DeviceName] = obs
	pv.readSeq[obs.DeviceName] = pv.seq
	pv.clean(obs.DeviceName, pv.seq)
}
