package fleet

import (
	"context"
	"slices"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
)

// settle gives names their final registration and wakes their Devices.
func (r *Registrar) settle(key Key, deviceNames []string, reg Registration) {
	r.mu.Lock()
	pq := r.product(key)
	for _, n := range deviceNames {
		one := reg
		pq.devices[n] = &one
	}
	r.mu.Unlock()
	for _, n := range deviceNames {
		r.opts.Notify(key, n)
	}
}

// requeue marks taken names PhaseExists and places the others again (a
// new batch, or RegisterDevice).
func (r *Registrar) requeue(key Key, devices []iot.NamedDevice, taken []string) {
	if len(taken) > 0 {
		r.settle(key, taken, Registration{Phase: PhaseExists})
	}
	isTaken := setOf(taken)
	r.mu.Lock()
	defer r.mu.Unlock()
	pq := r.product(key)
	for _, d := range devices {
		if isTaken[d.DeviceName] {
			continue
		}
		pq.devices[d.DeviceName] = &Registration{}
		r.placeLocked(key, pq, d)
	}
}

func (r *Registrar) setPhase(key Key, deviceNames []string, phase Phase) {
	r.update(key, deviceNames, func(reg *Registration) { reg.Phase = phase; reg.Reason = "" })
}

func (r *Registrar) setApplyID(key Key, deviceNames []string, applyID int64) {
	r.update(key, deviceNames, func(reg *Registration) { reg.ApplyID = applyID })
}

func (r *Registrar) update(key Key, deviceNames []string, f func(*Registration)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pq := r.product(key)
	for _, n := range deviceNames {
		if reg, ok := pq.devices[n]; ok && reg.Pending() {
			f(reg)
		}
	}
}

// retry runs call until it succeeds, fails for good (terminal, not found,
// already exists) or ctx ends, waiting a growing backoff after transient
// failures and showing the last one as the pending names' Reason.
func (r *Registrar) retry(ctx context.Context, key Key, deviceNames []string, call func() error) error {
	wait := r.opts.RetryBackoff
	for {
		err := call()
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !transient(err) {
			return err
		}
		reason := err.Error()
		r.update(key, deviceNames, func(reg *Registration) { reg.Reason = reason })
		if !r.sleep(ctx, wait) {
			return ctx.Err()
		}
		wait = min(2*wait, 32*r.opts.RetryBackoff)
	}
}

// retryAlways is retry for a call every error of which may clear (the
// client of a ProviderConfig that is not ready yet): it returns only nil, or
// ctx's error.
func (r *Registrar) retryAlways(ctx context.Context, key Key, deviceNames []string, call func() error) error {
	wait := r.opts.RetryBackoff
	for {
		err := call()
		if err == nil {
			return nil
		}
		reason := "resuming the journaled batch: " + err.Error()
		r.update(key, deviceNames, func(reg *Registration) { reg.Reason = reason })
		if !r.sleep(ctx, wait) {
			return ctx.Err()
		}
		wait = min(2*wait, 32*r.opts.RetryBackoff)
	}
}

// transient reports an error a later identical call may not meet.
func transient(err error) bool {
	switch aliyun.ClassOf(err) {
	case aliyun.ClassTerminal, aliyun.ClassNotFound, aliyun.ClassAlreadyExists:
		return false
	}
	return !nameRefusals[aliyun.ErrorCode(err)]
}

// sleep waits d on the Registrar's clock; false if ctx ended first.
func (r *Registrar) sleep(ctx context.Context, d time.Duration) bool {
	t := r.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

func names(devices []iot.NamedDevice) []string {
	out := make([]string, len(devices))
	for i, d := range devices {
		out[i] = d.DeviceName
	}
	return out
}

func without(devices []iot.NamedDevice, drop []string) []iot.NamedDevice {
	gone := setOf(drop)
	return slices.DeleteFunc(slices.Clone(devices), func(d iot.NamedDevice) bool { return gone[d.DeviceName] })
}

func setOf(items []string) map[string]bool {
	set := make(map[string]bool, len(items))
	for _, s := range items {
		set[s] = true
	}
	return set
}
