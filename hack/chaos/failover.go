package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiot-dev/kiot/hack/testbed"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// The failover scenarios run two replicas that elect a leader, as
// config/default does, and take the leader away mid-rollout or
// mid-deletion. Beside the invariants of every scenario they check that no
// replica changed the platform while another held the Lease, and that no
// name was submitted in two batches (issue #30).

// leaseTimings are the operator's defaults (controllers.DefaultManagerOptions):
// the failover targets are stated in them.
const (
	leaseDuration = 15 * time.Second
	pauseFor      = leaseDuration + 10*time.Second
)

// tenure is one holder of the Lease, from when it acquired it.
type tenure struct {
	identity, replica string
	from              time.Time
}

// leaseWatch follows the Lease's holders through a scenario, by polling
// (the acquire time is the holder's own, so a late poll loses nothing but
// a tenure shorter than the poll).
type leaseWatch struct {
	mu      sync.Mutex
	tenures []tenure
}

func watchLease(ctx context.Context, bed *testbed.Bed) *leaseWatch {
	w := &leaseWatch{}
	go func() {
		for ctx.Err() == nil {
			if rec, err := bed.Lease(ctx); err == nil && !rec.Acquired.IsZero() {
				w.observe(rec)
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *leaseWatch) observe(rec testbed.LeaseRecord) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.tenures); n > 0 && w.tenures[n-1].identity == rec.Identity && w.tenures[n-1].from.Equal(rec.Acquired) {
		return
	}
	w.tenures = append(w.tenures, tenure{identity: rec.Identity, replica: rec.Replica, from: rec.Acquired})
}

// holderAt is the replica that held the Lease at t ("" for none).
func (w *leaseWatch) holderAt(t time.Time) tenure {
	w.mu.Lock()
	defer w.mu.Unlock()
	var held tenure
	for _, x := range w.tenures {
		if !x.from.After(t) {
			held = x
		}
	}
	return held
}

// takeover is how long after t another identity than t's holder acquired
// the Lease; false if none did.
func (w *leaseWatch) takeover(t time.Time) (time.Duration, bool) {
	before := w.holderAt(t)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, x := range w.tenures {
		if x.from.After(t) && x.identity != before.identity && x.identity != "" {
			return x.from.Sub(t), true
		}
	}
	return 0, false
}

// failover is what a failover scenario measured.
type failover struct {
	takeover       time.Duration
	tookOver       bool
	disrupted      bool
	unleasedWrites int
	// attributed: some write named its replica in its User-Agent (a build
	// before #30 names none, so its writes cannot be judged).
	attributed bool
	dupNames   int
}

// failoverChecks judge the writes each replica sent against the Lease's
// holders at the moment the simulator received them, and the batches
// against each other.
func failoverChecks(w *leaseWatch, bed *testbed.Bed, disruptedAt time.Time, wantDisruption bool) ([]check, failover) {
	var fo failover
	if !disruptedAt.IsZero() {
		fo.disrupted = true
		fo.takeover, fo.tookOver = w.takeover(disruptedAt)
	}
	unleased := check{name: "no write without the lease"}
	byReplica := map[string]int{}
	var examples []string
	for _, wr := range bed.Writes() {
		fo.attributed = fo.attributed || wr.Replica != ""
		held := w.holderAt(wr.At)
		if wr.Replica == "" || held.replica == wr.Replica {
			continue
		}
		fo.unleasedWrites++
		byReplica[wr.Replica]++
		if len(examples) < 5 {
			examples = append(examples, fmt.Sprintf("%s by %s at %s while %q held the lease (since %s)",
				wr.Action, wr.Replica, wr.At.Format("15:04:05.000"), held.replica, held.from.Format("15:04:05.000")))
		}
	}
	for replica, n := range byReplica {
		unleased.failures = append(unleased.failures, fmt.Sprintf("%s: %d write(s) while not the leader", replica, n))
	}
	unleased.failures = append(unleased.failures, examples...)
	slices.Sort(unleased.failures)
	if !fo.attributed {
		unleased.failures = append(unleased.failures, "no write named its replica in its User-Agent: the writes cannot be judged")
	}

	checks := []check{unleased}
	if wantDisruption {
		disrupted := check{name: "the leader was disrupted"}
		if !fo.disrupted {
			disrupted.failures = append(disrupted.failures, "the scenario's kill or pause never happened (its trigger call was not made): nothing was tested")
		}
		checks = append(checks, disrupted)
	}
	dup := check{name: "no name in two batches"}
	twice := namesInSeveralBatches(bed.Sim.Snapshot().Batches)
	fo.dupNames = len(twice)
	dup.failures = appendNamed(dup.failures, "names submitted in more than one batch", twice)
	return append(checks, dup), fo
}

// namesInSeveralBatches are the product/name pairs more than one batch
// registration holds.
func namesInSeveralBatches(batches []iotsim.Batch) []string {
	seen := map[string]int{}
	for _, b := range batches {
		for _, n := range b.Names {
			seen[b.ProductKey+"/"+n]++
		}
	}
	var twice []string
	for name, n := range seen {
		if n > 1 {
			twice = append(twice, fmt.Sprintf("%s×%d", name, n))
		}
	}
	slices.Sort(twice)
	return twice
}

// leader is the replica that holds the Lease now.
func leader(ctx context.Context, r *run) *testbed.Operator {
	rec, err := r.bed.Lease(ctx)
	if err != nil || rec.Replica == "" {
		return nil
	}
	return r.bed.Replica(rec.Replica)
}

// disruptLeader is a kill or a pause of the leader.
type disruptLeader func(ctx context.Context, r *run, op *testbed.Operator)

// killLeader kills the leader and starts it again at once, as the
// Deployment's kubelet would: it comes back as the standby.
func killLeader(_ context.Context, r *run, op *testbed.Operator) {
	r.log("  kill -9 of the leader %s", op.Name())
	if err := op.Kill(); err != nil {
		r.log("  kill: %v", err)
	}
	if err := op.Start(); err != nil {
		r.log("  start: %v", err)
	}
}

// pauseLeader stops the leader past its lease and lets it go on.
func pauseLeader(_ context.Context, r *run, op *testbed.Operator) {
	r.log("  SIGSTOP of the leader %s for %s", op.Name(), pauseFor)
	if err := op.Pause(pauseFor); err != nil {
		r.log("  pause: %v", err)
	}
	r.log("  SIGCONT of %s", op.Name())
}

// onLeaderAnswer disrupts the leader once, when the simulator is about to
// answer the first call of action: the call took effect, the leader has
// not heard of it yet.
func onLeaderAnswer(action string, disrupt disruptLeader) func(context.Context, *run) {
	return func(ctx context.Context, r *run) {
		var fired atomic.Bool
		r.bed.OnAnswer(func(a string) {
			if a != action || !fired.CompareAndSwap(false, true) {
				return
			}
			op := leader(ctx, r)
			if op == nil {
				r.log("  no leader to disrupt at %s", action)
				return
			}
			r.markDisrupted()
			disrupt(ctx, r, op)
		})
		<-ctx.Done()
		r.bed.OnAnswer(nil)
	}
}

// afterDelay disrupts the leader once, d after the phase began.
func afterDelay(d time.Duration, disrupt disruptLeader) func(context.Context, *run) {
	return func(ctx context.Context, r *run) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		if op := leader(ctx, r); op != nil {
			r.markDisrupted()
			disrupt(ctx, r, op)
		}
	}
}
