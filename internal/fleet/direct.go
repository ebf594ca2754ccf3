package fleet

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
)

// The direct path: RegisterDevice answers at once (30 QPS per account,
// L10599), a batch only after minutes (L13434). A name goes straight to
// RegisterDevice while the names waiting for it, account-wide, are fewer
// than it clears while a batched name would wait (the linger and one
// expected batch duration); the rest form batches,
// which run meanwhile. So a lone Device is registered in one call, a
// fleet's first names go direct while its batches check and create, and
// both paths end at about the same time.
//
// Crash safety needs no journal: RegisterDevice names the device, so a
// repeated call for a name whose first answer was lost (a retry, or the
// next process) answers iot.device.AlreadyExistedDeviceName (L4324), and
// the Device adopts the device by its name (PhaseExists). Never a
// duplicate.

// directRoomLocked is how many more names RegisterDevice can take now: as
// many as it clears while a name sent to a batch instead would wait for
// its batch to form (the linger) and to run (the estimate).
func (r *Registrar) directRoomLocked() int {
	if r.opts.DirectQPS < 0 {
		return 0
	}
	return int(r.opts.DirectQPS*(r.estimate+r.opts.Linger).Seconds()) - r.direct
}

// minMove is the fewest waiting names a shorter estimate moves from
// RegisterDevice to a batch: a batch costs at least five calls (check,
// register, two status reads, a page), so a few names are cheaper and as
// quick through RegisterDevice.
const minMove = 10

// placeLocked sends a new (or requeued) name the faster way: direct while
// there is room, else into the product's forming batch.
func (r *Registrar) placeLocked(key Key, pq *productQueue, d iot.NamedDevice) {
	if r.directRoomLocked() <= 0 {
		r.enqueueLocked(key, pq, d)
		return
	}
	pq.devices[d.DeviceName].Phase = PhaseDirect
	pq.direct = append(pq.direct, d)
	r.direct++
	r.sendDirectLocked(key, pq)
}

// sendDirectLocked makes sure a goroutine sends pq's direct names, once
// the Registrar runs.
func (r *Registrar) sendDirectLocked(key Key, pq *productQueue) {
	if len(pq.direct) > 0 && !pq.directing && r.ctx != nil {
		pq.directing = true
		go r.sendDirect(r.ctx, key, pq)
	}
}

// sendDirect registers pq's direct names one call each, up to
// DirectWorkers calls in flight for the whole Registrar. A name leaves the
// queue only when a slot is free, so until then a replan can still move it
// to a batch.
func (r *Registrar) sendDirect(ctx context.Context, key Key, pq *productQueue) {
	for {
		select {
		case r.directSlots <- struct{}{}:
		case <-ctx.Done():
			r.mu.Lock()
			pq.directing = false
			r.mu.Unlock()
			return
		}
		r.mu.Lock()
		if len(pq.direct) == 0 {
			pq.directing = false
			r.mu.Unlock()
			<-r.directSlots
			return
		}
		d := pq.direct[0]
		pq.direct = pq.direct[1:]
		api := pq.api
		r.mu.Unlock()
		go func() {
			defer func() { <-r.directSlots }()
			r.registerDirect(ctx, key, api, d)
		}()
	}
}

// registerDirect registers one device with RegisterDevice and settles it.
func (r *Registrar) registerDirect(ctx context.Context, key Key, api RegistrationAPI, d iot.NamedDevice) {
	var creds *iot.DeviceCredentials
	err := r.retry(ctx, key, []string{d.DeviceName}, func() (err error) {
		creds, err = api.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: key.ProductKey, DeviceName: d.DeviceName, Nickname: d.Nickname})
		return err
	})
	r.mu.Lock()
	r.direct--
	r.mu.Unlock()
	name := []string{d.DeviceName}
	switch {
	case ctx.Err() != nil:
		// The next process registers it again, or finds it taken.
	case err == nil:
		r.settle(key, name, Registration{Phase: PhaseRegistered, IotID: creds.IotID, DeviceSecret: creds.DeviceSecret})
	case aliyun.ClassOf(err) == aliyun.ClassAlreadyExists:
		r.settle(key, name, Registration{Phase: PhaseExists})
	case refusesTheName(err):
		r.settle(key, name, Registration{Phase: PhaseRefused, Reason: fmt.Sprintf("RegisterDevice: %v", err)})
	default:
		r.settle(key, name, Registration{Phase: PhaseFailed, Reason: err.Error()})
	}
}

// refusesTheName reports a refusal of this device's name or nickname (the
// only parameters that vary between calls), which the Device's spec must
// change; any other terminal error (permissions, a product gone) is a
// failure, retried at the next Register.
// (AlreadyExistedDeviceName is settled before this is asked.)
func refusesTheName(err error) bool {
	code := strings.ToLower(aliyun.ErrorCode(err))
	return strings.Contains(code, "devicename") || strings.Contains(code, "nickname")
}

// learn takes one observed batch duration into the estimate and moves
// the direct names RegisterDevice can no longer clear within it back to
// batches (after the short batches of a fast platform, most of a backlog
// planned for minute-long ones).
func (r *Registrar) learn(took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.learned {
		r.estimate = (r.estimate + took) / 2
	} else {
		r.estimate, r.learned = took, true
	}
	excess := -r.directRoomLocked()
	if excess < minMove {
		return
	}
	for key, pq := range r.products {
		for excess > 0 && len(pq.direct) > 0 {
			last := pq.direct[len(pq.direct)-1]
			pq.direct = pq.direct[:len(pq.direct)-1]
			r.direct--
			excess--
			r.enqueueLocked(key, pq, last)
		}
	}
}

// Estimate is the batch duration the Registrar expects now.
func (r *Registrar) Estimate() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.estimate
}
