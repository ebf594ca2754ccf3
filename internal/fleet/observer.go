package fleet

import (
	"context"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// ObserverOptions tune an Observer. Zero values take the defaults.
type ObserverOptions struct {
	// MaxAge is how long a product's snapshot answers Gets before the next
	// Get pages the product again (default 5 minutes).
	MaxAge time.Duration
	// ReadLinger is how long a single read waits for more names when none
	// runs (default 50 ms; negative: not at all): the Devices of a forced
	// resync then share BatchQueryDeviceDetail calls of up to 100 names
	// from the first call on. Reads that queue behind a running one start
	// as it ends.
	ReadLinger time.Duration
	// ReadInterval is the least time between the starts of two reads of a
	// product that do not fill a call (default 1 s; negative: none). Reads
	// queued behind a running one would otherwise follow each other as
	// fast as the client's quota lets them, each with the few names that
	// came meanwhile: a forced resync of 10,000 Devices made 400 calls of
	// 25 names at BatchQueryDeviceDetail's whole 5 QPS, which the account
	// shares with every other application. Paced, the names fill calls of
	// up to 100 and a sweep takes a quarter of the quota; a Device waits
	// at most ReadInterval longer for its read, and a full call never
	// waits.
	ReadInterval time.Duration
	// Clock is the time source (default the real clock).
	Clock clock.Clock
}

// Observer caches, per product, what QueryDevice says about every device,
// and answers each Device's observation from it. One refresh runs at a
// time per product; callers that need it meanwhile wait for the same one.
// Devices Kiot just wrote are invalidated one by one and read again with
// BatchQueryDeviceDetail (100 names a call), coalesced across callers.
type Observer struct {
	opts ObserverOptions

	mu       sync.Mutex
	products map[Key]*productView
}

// flight is one read that callers wait for.
type flight struct {
	done chan struct{}
	err  error
}

func newFlight() *flight { return &flight{done: make(chan struct{})} }

func (f *flight) wait(ctx context.Context) error {
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// productView is the Observer's state for one product.
type productView struct {
	devices map[string]Observation
	takenAt time.Time // when the snapshot's paging began
	loaded  bool
	refresh *flight // the page-through in progress

	// seq counts invalidations; dirty holds each invalidated name's
	// number, and readSeq the number at which a single read began, so a
	// read that began before a write never passes for fresh.
	seq     uint64
	dirty   map[string]uint64
	readSeq map[string]uint64

	detail      *flight         // the single reads in progress
	detailNames map[string]bool // ... and their names
	next        *flight         // the single reads waiting for it
	nextNames   map[string]bool
	lingering   bool      // a timer will start the waiting read
	lastReadAt  time.Time // when the last single read started
}

// NewObserver returns an empty Observer.
func NewObserver(opts ObserverOptions) *Observer {
	if opts.MaxAge <= 0 {
		opts.MaxAge = 5 * time.Minute
	}
	if opts.ReadLinger == 0 {
		opts.ReadLinger = 50 * time.Millisecond
	}
	if opts.ReadInterval == 0 {
		opts.ReadInterval = time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	return &Observer{opts: opts, products: map[Key]*productView{}}
}

// Get returns the device deviceName of key's product, or found=false when
// the platform has no such device, as of a snapshot younger than MaxAge or
// a read begun after the device's last Invalidate.
func (o *Observer) Get(ctx context.Context, api ObservationAPI, key Key, deviceName string) (obs Observation, found bool, err error) {
	for {
		o.mu.Lock()
		pv := o.view(key)
		var f *flight
		switch {
		case !pv.loaded || o.opts.Clock.Since(pv.takenAt) >= o.opts.MaxAge:
			// A refresh also covers invalidated names.
			f = o.refreshLocked(ctx, api, key, pv)
		case pv.dirty[deviceName] > 0:
			f = o.readLocked(ctx, api, key, pv, deviceName)
		default:
			obs, found = pv.devices[deviceName]
			o.mu.Unlock()
			return obs, found, nil
		}
		o.mu.Unlock()
		if err := f.wait(ctx); err != nil {
			return Observation{}, false, err
		}
		o.mu.Lock()
		pv = o.view(key)
		if pv.loaded && pv.dirty[deviceName] == 0 {
			// Answered by the read just waited for, even if the snapshot
			// aged past MaxAge meanwhile.
			obs, found = pv.devices[deviceName]
			o.mu.Unlock()
			return obs, found, nil
		}
		o.mu.Unlock()
	}
}

// Invalidate marks a device Kiot just wrote (registered, renamed, enabled,
// disabled, deleted): its next Get reads it afresh.
func (o *Observer) Invalidate(key Key, deviceName string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	pv := o.view(key)
	pv.seq++
	pv.dirty[deviceName] = pv.seq
}

// evictIdleLocked drops the views of products nothing has read for two
// MaxAges, with no read in flight: a Product deleted, or whose Devices are
// gone, would otherwise keep its snapshot (every device of it) for the
// life of the process. A dropped view costs nothing its next Get would
// not pay anyway: a snapshot that old is paged again, and that paging
// covers every invalidation the view held. It runs when a page-through
// begins, so its cost follows the reads.
func (o *Observer) evictIdleLocked(now time.Time) {
	for key, pv := range o.products {
		idle := pv.refresh == nil && pv.detail == nil && pv.next == nil && !pv.lingering
		if idle && now.Sub(pv.takenAt) >= 2*o.opts.MaxAge {
			delete(o.products, key)
		}
	}
}

// Forget drops a product's snapshot (its Product was deleted).
func (o *Observer) Forget(key Key) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.products, key)
}

func (o *Observer) view(key Key) *productView {
	pv, ok := o.products[key]
	if !ok {
		pv = &productView{devices: map[string]Observation{}, dirty: map[string]uint64{}, readSeq: map[string]uint64{}}
		o.products[key] = pv
	}
	return pv
}

// clean clears the invalidations a read begun at seq answers.
func (pv *productView) clean(name string, seq uint64) {
	if d, ok := pv.dirty[name]; ok && d <= seq {
		delete(pv.dirty, name)
	}
}
