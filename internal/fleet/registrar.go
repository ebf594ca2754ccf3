package fleet

import (
	"context"
	"errors"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/kiot-dev/kiot/internal/iot"
)

// RegistrarOptions tune a Registrar. Zero values take the defaults.
type RegistrarOptions struct {
	// Journal records ApplyIds before they are registered. Required.
	Journal Journal
	// ClientFor gives the client of a journaled key when a batch is resumed
	// after a restart. Required when the journal can hold entries.
	ClientFor func(Key) (RegistrationAPI, error)
	// Notify wakes the Device of (key, deviceName) when its registration
	// reached a final phase. It must not block (the controller sends to a
	// buffered channel source).
	Notify func(key Key, deviceName string)
	// Linger is how long a forming batch waits for one more name (default
	// 200 ms): it leaves once no name came for that long, at the latest
	// MaxLinger after its first (default 1 s), and at once when it holds
	// MaxBatch names. A burst of creates (a fleet applied together) so
	// makes one batch, and a steady trickle one batch per MaxLinger.
	Linger    time.Duration
	MaxLinger time.Duration
	// MaxBatch is the most names in one BatchCheckDeviceNames (default and
	// ceiling 10,000, L13445).
	MaxBatch int
	// FirstPoll is when QueryBatchRegisterDeviceStatus first asks after a
	// phase began (default 100 ms); the interval then doubles up to
	// PollInterval (default 2 s). Both stay well inside its 30 QPS.
	FirstPoll    time.Duration
	PollInterval time.Duration
	// RetryBackoff is the first wait after a transient error (default 1 s),
	// doubled up to 32 times that.
	RetryBackoff time.Duration
	// Clock is the time source (default the real clock).
	Clock clock.Clock
}

const maxBatchNames = 10000 // BatchCheckDeviceNames, L13445

func (o *RegistrarOptions) defaults() {
	if o.Linger <= 0 {
		o.Linger = 200 * time.Millisecond
	}
	if o.MaxLinger < o.Linger {
		o.MaxLinger = max(time.Second, o.Linger)
	}
	if o.MaxBatch <= 0 || o.MaxBatch > maxBatchNames {
		o.MaxBatch = maxBatchNames
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.FirstPoll <= 0 {
		o.FirstPoll = 100 * time.Millisecond
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = time.Second
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Notify == nil {
		o.Notify = func(Key, string) {}
	}
}

// Registrar coalesces the registrations of new Devices into batches per
// product. Register never blocks on the platform: it answers with what is
// known now, and Notify wakes the Device once its result is in.
type Registrar struct {
	opts RegistrarOptions

	mu       sync.Mutex
	products map[Key]*productQueue
	ctx      context.Context // set by Start; nil before
}

// productQueue is the Registrar's state for one product.
type productQueue struct {
	api     RegistrationAPI
	devices map[string]*Registration
	queue   []iot.NamedDevice // names in PhaseQueued, in arrival order
	// lingering: a goroutine is forming the next batch from queue.
	lingering bool
	// firstQueued and lastQueued: when the oldest and the newest name of
	// queue came.
	firstQueued, lastQueued time.Time
	full                    chan struct{} // wakes the lingering goroutine at MaxBatch names
}

// NewRegistrar returns a Registrar; batches start once Start runs.
func NewRegistrar(opts RegistrarOptions) (*Registrar, error) {
	if opts.Journal == nil {
		return nil, errors.New("fleet: a Registrar needs a Journal")
	}
	opts.defaults()
	return &Registrar{opts: opts, products: map[Key]*productQueue{}}, nil
}

// Register asks for deviceName (with nickname) to be registered under key,
// with api as the product's client, and returns at once with the name's
// current registration. A name already known keeps its registration (a
// queued one takes the latest nickname); a final one stays until Forget,
// except PhaseFailed, which is reported once.
func (r *Registrar) Register(api RegistrationAPI, key Key, deviceName, nickname string) Registration {
	r.mu.Lock()
	defer r.mu.Unlock()
	pq := r.product(key)
	pq.api = api
	if reg, ok := pq.devices[deviceName]; ok {
		if reg.Phase == PhaseFailed {
			delete(pq.devices, deviceName)
		}
		if reg.Phase == PhaseQueued {
			for i := range pq.queue {
				if pq.queue[i].DeviceName == deviceName {
					pq.queue[i].Nickname = nickname
				}
			}
		}
		return *reg
	}
	d := iot.NamedDevice{DeviceName: deviceName, Nickname: nickname}
	if err := d.Validate(); err != nil {
		// Refused by the documented rules without a call; not kept, so a
		// corrected spec is simply registered at the next call.
		return Registration{Phase: PhaseRefused, Reason: err.Error()}
	}
	reg := &Registration{Phase: PhaseQueued}
	pq.devices[deviceName] = reg
	r.enqueueLocked(key, pq, d)
	return *reg
}

// Peek returns the registration of a name without asking for one.
func (r *Registrar) Peek(key Key, deviceName string) Registration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pq, ok := r.products[key]; ok {
		if reg, ok := pq.devices[deviceName]; ok {
			return *reg
		}
	}
	return Registration{}
}

// Forget drops a final registration once the Device has stored its result
// (its Secret and status); pending ones are kept.
func (r *Registrar) Forget(key Key, deviceName string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pq, ok := r.products[key]; ok {
		if reg, ok := pq.devices[deviceName]; ok && reg.Final() {
			delete(pq.devices, deviceName)
		}
	}
}

func (r *Registrar) product(key Key) *productQueue {
	pq, ok := r.products[key]
	if !ok {
		pq = &productQueue{devices: map[string]*Registration{}, full: make(chan struct{}, 1)}
		r.products[key] = pq
	}
	return pq
}

// enqueueLocked queues a name and makes sure a goroutine forms its batch.
func (r *Registrar) enqueueLocked(key Key, pq *productQueue, d iot.NamedDevice) {
	now := r.opts.Clock.Now()
	if len(pq.queue) == 0 {
		pq.firstQueued = now
	}
	pq.lastQueued = now
	pq.queue = append(pq.queue, d)
	if len(pq.queue) >= r.opts.MaxBatch {
		select {
		case pq.full <- struct{}{}:
		default:
		}
	}
	if !pq.lingering && r.ctx != nil {
		pq.lingering = true
		go r.linger(r.ctx, key, pq)
	}
}

// linger forms batches from pq's queue until it is empty. One batch of a
// product runs at a time: names that come while it runs wait and form the
// next, larger batch. So a fleet applied over seconds registers in a few
// batches however its creates trickle in, and a lone Device waits no
// longer than the linger and one batch.
func (r *Registrar) linger(ctx context.Context, key Key, pq *productQueue) {
	for {
		if !r.gather(ctx, pq) {
			return
		}
		r.mu.Lock()
		n := min(len(pq.queue), r.opts.MaxBatch)
		batch := make([]iot.NamedDevice, n)
		copy(batch, pq.queue[:n])
		pq.queue = append(pq.queue[:0:0], pq.queue[n:]...)
		pq.firstQueued = r.opts.Clock.Now()
		for _, d := range batch {
			pq.devices[d.DeviceName].Phase = PhaseChecking
		}
		api := pq.api
		r.mu.Unlock()
		if n > 0 {
			r.runBatch(ctx, key, api, batch)
		}
		r.mu.Lock()
		if len(pq.queue) == 0 || ctx.Err() != nil {
			pq.lingering = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// gather waits while the forming batch still gathers names (see Linger);
// false if ctx ended.
func (r *Registrar) gather(ctx context.Context, pq *productQueue) bool {
	for {
		r.mu.Lock()
		deadline := pq.lastQueued.Add(r.opts.Linger)
		if latest := pq.firstQueued.Add(r.opts.MaxLinger); latest.Before(deadline) {
			deadline = latest
		}
		full := len(pq.queue) >= r.opts.MaxBatch
		r.mu.Unlock()
		wait := deadline.Sub(r.opts.Clock.Now())
		if full || wait <= 0 {
			return true
		}
		timer := r.opts.Clock.NewTimer(wait)
		select {
		case <-timer.C():
		case <-pq.full:
		case <-ctx.Done():
			timer.Stop()
			return false
		}
		timer.Stop()
	}
}

// Start resumes the journaled batches, then lets batches form; it returns
// when ctx ends (a controller-runtime Runnable). Only a journal that cannot
// be read fails it: a journaled batch whose client cannot be built yet (its
// ProviderConfig is not ready) is retried in the background, its names held
// in PhaseRegistering so that no Device checks them again meanwhile.
func (r *Registrar) Start(ctx context.Context) error {
	entries, err := r.opts.Journal.List(ctx)
	if err != nil {
		return err
	}
	if len(entries) > 0 && r.opts.ClientFor == nil {
		return errors.New("fleet: the journal holds batches to resume but ClientFor is nil")
	}
	r.mu.Lock()
	r.ctx = ctx
	// A journaled name belongs to its batch, whatever Register said before
	// Start: it must not be checked (and registered) a second time.
	for _, e := range entries {
		pq := r.product(e.Key)
		for _, d := range e.Devices {
			pq.devices[d.DeviceName] = &Registration{Phase: PhaseRegistering, ApplyID: e.ApplyID}
			pq.queue = removeName(pq.queue, d.DeviceName)
		}
	}
	for key, pq := range r.products {
		if len(pq.queue) > 0 && !pq.lingering {
			pq.lingering = true
			go r.linger(ctx, key, pq)
		}
	}
	r.mu.Unlock()
	for _, e := range entries {
		go r.resumeWithClient(ctx, e)
	}
	<-ctx.Done()
	return nil
}

// resumeWithClient builds the client of a journaled batch, retrying with
// backoff until it can, and resumes the batch.
func (r *Registrar) resumeWithClient(ctx context.Context, e JournalEntry) {
	var api RegistrationAPI
	err := r.retryAlways(ctx, e.Key, names(e.Devices), func() (err error) {
		api, err = r.opts.ClientFor(e.Key)
		return err
	})
	if err != nil {
		return // ctx ended
	}
	r.mu.Lock()
	if pq := r.product(e.Key); pq.api == nil {
		pq.api = api
	}
	r.mu.Unlock()
	r.resume(ctx, api, e)
}

func removeName(queue []iot.NamedDevice, name string) []iot.NamedDevice {
	out := queue[:0]
	for _, d := range queue {
		if d.DeviceName != name {
			out = append(out, d)
		}
	}
	return out
}
