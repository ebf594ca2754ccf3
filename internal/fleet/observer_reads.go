package fleet

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/kiot-dev/kiot/internal/iot"
)

// Page sizes of the reads (QueryDevice L12119–12122, BatchQueryDeviceDetail
// L11770).
const (
	devicePageSize   = 50
	detailBatchNames = 100
)

// Reads install into the productView they began with (captured, not looked
// up again), so a read still running when Forget drops the product cannot
// bring it back.

// refreshLocked joins or starts the page-through of key's product. The
// read runs detached from the caller's context, since others may wait for
// it; each waiter stops waiting when its own context ends.
func (o *Observer) refreshLocked(ctx context.Context, api ObservationAPI, key Key, pv *productView) *flight {
	if pv.refresh != nil {
		return pv.refresh
	}
	f := newFlight()
	pv.refresh = f
	startSeq, startedAt := pv.seq, o.opts.Clock.Now()
	o.evictIdleLocked(startedAt)
	go func() {
		devices, err := pageAll(context.WithoutCancel(ctx), api, key.ProductKey)
		o.mu.Lock()
		if err == nil {
			// Devices read singly after this page-through began keep that
			// fresher answer.
			for name, seq := range pv.readSeq {
				if seq <= startSeq {
					continue
				}
				if d, ok := pv.devices[name]; ok {
					devices[name] = d
				} else {
					delete(devices, name)
				}
			}
			pv.devices, pv.takenAt, pv.loaded = devices, startedAt, true
			clear(pv.readSeq)
			for name := range pv.dirty {
				pv.clean(name, startSeq)
			}
		}
		pv.refresh = nil
		f.err = err
		o.mu.Unlock()
		close(f.done)
	}()
	return f
}

// pageAll reads every device of a product, 50 a page, passing NextToken on
// so that it goes past the 10,000th device (L12127–12154).
func pageAll(ctx context.Context, api ObservationAPI, productKey string) (map[string]Observation, error) {
	devices := map[string]Observation{}
	for d, err := range iot.AllDevicesOf(ctx, api, productKey, devicePageSize) {
		if err != nil {
			return nil, err
		}
		devices[d.DeviceName] = fromSummary(d)
	}
	return devices, nil
}

// readLocked joins or starts a single read of deviceName. Names asked for
// while one read runs form the next, which starts when it ends (paced by
// ReadInterval); the first read waits ReadLinger for company.
func (o *Observer) readLocked(ctx context.Context, api ObservationAPI, key Key, pv *productView, deviceName string) *flight {
	if pv.detail != nil && pv.detailNames[deviceName] && pv.readSeq[deviceName] >= pv.dirty[deviceName] {
		return pv.detail
	}
	if pv.next == nil {
		pv.next, pv.nextNames = newFlight(), map[string]bool{}
	}
	pv.nextNames[deviceName] = true
	f := pv.next
	o.scheduleReadLocked(context.WithoutCancel(ctx), api, key, pv, max(o.opts.ReadLinger, 0))
	return f
}

// scheduleReadLocked starts the waiting read now, or arms the one timer
// that starts it once it has waited long enough. It does nothing while a
// read runs: that read's end schedules the next.
func (o *Observer) scheduleReadLocked(ctx context.Context, api ObservationAPI, key Key, pv *productView, linger time.Duration) {
	if pv.detail != nil || pv.next == nil {
		return
	}
	wait := o.readWaitLocked(pv, linger)
	if wait <= 0 {
		o.startReadLocked(ctx, api, key, pv)
		return
	}
	if !pv.lingering {
		pv.lingering = true
		go o.lingerRead(ctx, api, key, pv, wait)
	}
}

// readWaitLocked is how much longer the waiting names should wait: none
// when they fill a call; else the linger, and at least what is left of
// ReadInterval since the last read started.
func (o *Observer) readWaitLocked(pv *productView, linger time.Duration) time.Duration {
	if len(pv.nextNames) >= detailBatchNames {
		return 0
	}
	wait := linger
	if o.opts.ReadInterval > 0 && !pv.lastReadAt.IsZero() {
		wait = max(wait, o.opts.ReadInterval-o.opts.Clock.Since(pv.lastReadAt))
	}
	return wait
}

// lingerRead looks again after wait: a read that started meanwhile, or a
// later start, may have changed what is due.
func (o *Observer) lingerRead(ctx context.Context, api ObservationAPI, key Key, pv *productView, wait time.Duration) {
	<-o.opts.Clock.After(wait)
	o.mu.Lock()
	defer o.mu.Unlock()
	pv.lingering = false
	o.scheduleReadLocked(ctx, api, key, pv, 0)
}

// startReadLocked turns the waiting names into the running read.
func (o *Observer) startReadLocked(ctx context.Context, api ObservationAPI, key Key, pv *productView) {
	f, names := pv.next, slices.Sorted(maps.Keys(pv.nextNames))
	pv.detail, pv.detailNames, pv.next, pv.nextNames = f, pv.nextNames, nil, nil
	pv.lastReadAt = o.opts.Clock.Now()
	seq := pv.seq
	for _, n := range names {
		pv.readSeq[n] = seq
	}
	go func() {
		found := map[string]Observation{}
		var err error
		for chunk := range slices.Chunk(names, detailBatchNames) {
			var details []iot.DeviceDetail
			if details, err = api.BatchQueryDeviceDetail(ctx, key.ProductKey, chunk); err != nil {
				break
			}
			for _, d := range details {
				found[d.DeviceName] = fromDetail(d)
			}
		}
		o.mu.Lock()
		if err != nil {
			for _, n := range names {
				delete(pv.readSeq, n)
			}
		} else {
			// Devices left out of the answer do not exist (L11770–11776).
			for _, n := range names {
				if d, ok := found[n]; ok {
					pv.devices[n] = d
				} else {
					delete(pv.devices, n)
				}
				pv.clean(n, seq)
			}
		}
		f.err = err
		pv.detail, pv.detailNames = nil, nil
		o.scheduleReadLocked(ctx, api, key, pv, 0)
		o.mu.Unlock()
		close(f.done)
	}()
}
