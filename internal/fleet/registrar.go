package fleet

import (
	"context"
	"errors"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/kiot-dev/kiot/internal/aliyun"
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
	// MaxLinger after its first (default 1 s; longer for long batches, see
	// maxLingerLocked), and at once when it holds MaxBatch names. A burst
	// of creates (a fleet applied together) so makes one batch, and a
	// steady trickle one batch per MaxLinger.
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
	// DirectQPS is the RegisterDevice rate the Registrar plans with
	// (default: RegisterDevice's documented 30 QPS, aliyun.Quotas; the
	// client paces the calls themselves). A name goes straight to
	// RegisterDevice while fewer names wait for it, account-wide, than it
	// clears in one expected batch duration; the rest form batches. Below
	// zero, every name goes to a batch.
	DirectQPS float64
	// DirectWorkers bounds the RegisterDevice calls in flight (default 8).
	DirectWorkers int
	// BatchEstimate is the batch duration expected before any batch was
	// observed (default 2 minutes: "takes some minutes", L13434). Each
	// batch this Registrar sees from its check to its results replaces
	// it: the first outright, later ones by halves (an exponential
	// average), so the estimate follows the platform within a few batches.
	BatchEstimate time.Duration
	// MaxConcurrentBatches bounds the batches of one product running side
	// by side (default 8): names that come while batches run form the
	// next one without waiting for them to end.
	MaxConcurrentBatches int
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
	if o.DirectQPS == 0 {
		o.DirectQPS, _ = aliyun.QuotaFor("RegisterDevice", 0)
	}
	if o.DirectWorkers <= 0 {
		o.DirectWorkers = 8
	}
	if o.BatchEstimate <= 0 {
		o.BatchEstimate = 2 * time.Minute
	}
	if o.MaxConcurrentBatches <= 0 {
		o.MaxConcurrentBatches = 8
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Notify == nil {
		o.Notify = func(Key, string) {}
	}
}

// Registrar registers new Devices by the faster documented path: a few
// straight through RegisterDevice (synchronous, one call each), a backlog
// in batches per product. Register never blocks on the platform: it
// answers with what is known now, and Notify wakes the Device once its
// result is in.
type Registrar struct {
	opts RegistrarOptions

	mu       sync.Mutex
	products map[Key]*productQueue
	ctx      context.Context // set by Start; nil before
	// direct counts the names waiting for RegisterDevice or in flight,
	// every product's: the platform's quota is the account's.
	direct int
	// estimate is the expected batch duration; learned once a batch was
	// observed.
	estimate time.Duration
	learned  bool
	// directSlots bounds the RegisterDevice calls in flight.
	directSlots chan struct{}
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
	// batchSlots bounds the product's batches running side by side.
	batchSlots chan struct{}
	// direct are the names in PhaseDirect not yet sent, in arrival order;
	// directing: a goroutine is sending them.
	direct    []iot.NamedDevice
	directing bool
}

// NewRegistrar returns a Registrar; batches start once Start runs.
func NewRegistrar(opts RegistrarOptions) (*Registrar, error) {
	if opts.Journal == nil {
		return nil, errors.New("fleet: a Registrar needs a Journal")
	}
	opts.defaults()
	return &Registrar{opts: opts, products: map[Key]*productQueue{}, estimate: opts.BatchEstimate,
		directSlots: make(chan struct{}, opts.DirectWorkers)}, nil
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
		if reg.Phase == PhaseQueued || reg.Phase == PhaseDirect {
			for _, waiting := range [][]iot.NamedDevice{pq.queue, pq.direct} {
				for i := range waiting {
					if waiting[i].DeviceName == deviceName {
						waiting[i].Nickname = nickname
					}
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
	reg := &Registration{}
	pq.devices[deviceName] = reg
	r.placeLocked(key, pq, d)
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
		if pq.idleLocked() {
			// Nothing waits in it and no goroutine holds it: a product
			// whose Devices are all registered (or whose Product is gone)
			// costs nothing until its next name.
			delete(r.products, key)
		}
	}
}

// idleLocked: the queue holds no name, forms no batch, runs none, and sends
// nothing to RegisterDevice.
func (pq *productQueue) idleLocked() bool {
	return len(pq.devices) == 0 && len(pq.queue) == 0 && len(pq.direct) == 0 &&
		!pq.lingering && !pq.directing && len(pq.batchSlots) == 0
}

func (r *Registrar) product(key Key) *productQueue {
	pq, ok := r.products[key]
	if !ok {
		pq = &productQueue{devices: map[string]*Registration{}, full: make(chan struct{}, 1),
			batchSlots: make(chan struct{}, r.opts.MaxConcurrentBatches)}
		r.products[key] = pq
	}
	return pq
}

// enqueueLocked queues a name for a batch and makes sure a goroutine forms
// its batch.
func (r *Registrar) enqueueLocked(key Key, pq *productQueue, d iot.NamedDevice) {
	pq.devices[d.DeviceName].Phase = PhaseQueued
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

// linger forms batches from pq's queue until it is empty. Batches of a
// product run side by side (up to MaxConcurrentBatches): names that come
// while one runs form the next after the linger, without waiting for it
// to end, since on the platform a batch takes minutes.
func (r *Registrar) linger(ctx context.Context, key Key, pq *productQueue) {
	for {
		if !r.gather(ctx, pq) {
			return
		}
		select {
		case pq.batchSlots <- struct{}{}:
		case <-ctx.Done():
			r.mu.Lock()
			pq.lingering = false
			r.mu.Unlock()
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
			go func() {
				defer func() { <-pq.batchSlots }()
				r.runBatch(ctx, key, api, batch)
			}()
		} else {
			<-pq.batchSlots
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

// A batch that takes minutes can gather for seconds: a fleet whose creates
// arrive over a minute (10,000 Devices through one API server) otherwise
// forms a batch per MaxLinger, fills the product's batch slots within
// seconds, and its later names wait a whole batch for a slot and another
// to run; a tenth of the 10,000 did at the simulator's 2-minute default.
// So a forming batch may gather for up to an eighth of the expected batch
// duration (15 s at the default 2 minutes), never more than 15 s: what it
// costs each name is small beside the batch, and over a minute of creates
// it makes a few large batches, inside the slots.
const (
	lingerFraction = 8
	maxLingerCap   = 15 * time.Second
)

// maxLingerLocked is MaxLinger, or the expected batch duration's share
// when longer.
func (r *Registrar) maxLingerLocked() time.Duration {
	return max(r.opts.MaxLinger, min(r.estimate/lingerFraction, maxLingerCap))
}

// gather waits while the forming batch still gathers names (see Linger);
// false if ctx ended.
func (r *Registrar) gather(ctx context.Context, pq *productQueue) bool {
	for {
		r.mu.Lock()
		deadline := pq.lastQueued.Add(r.opts.Linger)
		if latest := pq.firstQueued.Add(r.maxLingerLocked()); latest.Before(deadline) {
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
			if reg, ok := pq.devices[d.DeviceName]; ok && reg.Phase == PhaseDirect {
				r.direct--
			}
			pq.devices[d.DeviceName] = &Registration{Phase: PhaseRegistering, ApplyID: e.ApplyID}
			pq.queue = removeName(pq.queue, d.DeviceName)
			pq.direct = removeName(pq.direct, d.DeviceName)
		}
	}
	for key, pq := range r.products {
		if len(pq.queue) > 0 && !pq.lingering {
			pq.lingering = true
			go r.linger(ctx, key, pq)
		}
		r.sendDirectLocked(key, pq)
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
