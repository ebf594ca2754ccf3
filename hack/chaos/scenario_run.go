package main

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kiot-dev/kiot/hack/testbed"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// result is what one scenario measured and found.
type result struct {
	name              string
	notRun            bool
	setupErr          error
	ready, deleted    time.Duration
	readyOK, deleteOK bool
	skippedReady      bool
	kills, crashes    int
	checks            []check
	peakRSS           int64
	logs              string
	// baseline is the scenario the times are compared with; failover is
	// set for the scenarios that run two replicas.
	baseline string
	failover *failover
}

func (r result) ok() bool {
	if r.notRun || r.setupErr != nil {
		return false
	}
	for _, c := range r.checks {
		if !c.ok() {
			return false
		}
	}
	return true
}

func (r result) verdict() string {
	switch {
	case r.setupErr != nil:
		return "could not run: " + r.setupErr.Error()
	case r.ok():
		return "all invariants hold"
	}
	n := 0
	for _, c := range r.checks {
		if !c.ok() {
			n++
		}
	}
	return plural(n, "invariant") + " failed"
}

// runScenario brings a bed up, rolls the fleet out under the scenario's
// disruption, checks the steady invariants, deletes everything under the
// teardown disruption, and checks that nothing is left.
func runScenario(ctx context.Context, s scenario, o options, bo testbed.Options, rng *rand.Rand, log func(string, ...any)) (res result) {
	res = result{name: s.name, logs: bo.Dir, baseline: cmp.Or(s.baseline, "clean")}
	bo.Replicas = s.replicas
	bed, err := testbed.Start(ctx, bo)
	if err != nil {
		res.setupErr = err
		return res
	}
	defer bed.Stop()
	var leases *leaseWatch
	if s.replicas > 1 {
		watchCtx, endWatch := context.WithCancel(ctx)
		defer endWatch()
		leases = watchLease(watchCtx, bed)
	}
	f := newFleet(o.devices)
	r := &run{bed: bed, rng: rng, log: log, total: len(f.devices) + len(f.products) + len(f.groups) + 1}
	if s.faults != nil {
		bed.Sim.SetFaults(*s.faults)
	}
	c := bed.Client()

	// Rollout.
	rolloutCtx, endRollout := context.WithCancel(ctx)
	disrupted := make(chan struct{})
	go func() {
		defer close(disrupted)
		if s.rollout != nil {
			s.rollout(rolloutCtx, r)
		}
	}()
	created := make(chan error, 1)
	go func() { created <- f.create(rolloutCtx, c) }()
	readyCheck := check{name: "all Ready in time"}
	var cl *cluster
	if s.deleteWhen != nil {
		s.deleteWhen(rolloutCtx, r)
		res.skippedReady = true
	} else {
		want := allReady(r.total)
		res.ready, cl, err = waitFor(ctx, c, o.phase, log, "rollout", func(cl *cluster) (bool, string) {
			r.ready.Store(int64(cl.total() - len(cl.notReady())))
			return want(cl)
		})
		res.readyOK = err == nil
		if err != nil {
			readyCheck.failures = append(readyCheck.failures, err.Error())
			if cl != nil {
				readyCheck.failures = appendNamed(readyCheck.failures, "not Ready", cl.notReady())
			}
		}
	}
	endRollout()
	<-disrupted
	if err := <-created; err != nil && !res.skippedReady {
		readyCheck.failures = append(readyCheck.failures, "creating the fleet: "+err.Error())
	}
	ensureRunning(bed, log)
	if !res.skippedReady {
		res.checks = append(res.checks, readyCheck)
		waitQuiet(ctx, bed)
		p := newPlatform(bed.Sim)
		if cl == nil {
			cl = &cluster{}
		}
		res.checks = append(res.checks, steadyChecks(ctx, c, f, p, cl)...)
	}

	// Deletion. Keys are read first: a deleted product takes its key along.
	keys := newPlatform(bed.Sim).productKeys(f)
	teardownCtx, endTeardown := context.WithCancel(ctx)
	tornDown := make(chan struct{})
	go func() {
		defer close(tornDown)
		if s.teardown != nil {
			s.teardown(teardownCtx, r)
		}
	}()
	var waitErr error
	deleteStart := time.Now()
	deleteCtx, endDelete := context.WithTimeout(ctx, o.phase)
	if err := deleteAll(deleteCtx, c); err != nil {
		waitErr = fmt.Errorf("deleting: %w", err)
	} else {
		_, cl, waitErr = waitFor(deleteCtx, c, o.phase, log, "deletion", allGone)
	}
	endDelete()
	res.deleted = time.Since(deleteStart)
	res.deleteOK = waitErr == nil
	endTeardown()
	<-tornDown
	ensureRunning(bed, log)
	waitQuiet(ctx, bed)
	bed.Sim.SetFaults(iotsim.Faults{})
	p := newPlatform(bed.Sim)
	for k := range p.productKeys(f) {
		keys[k] = true
	}
	res.checks = append(res.checks, goneChecks(f, p, keys, cl, waitErr)...)
	if leases != nil {
		var at time.Time
		if t := r.disruptedAt.Load(); t != nil {
			at = *t
		}
		checks, fo := failoverChecks(leases, bed, at, s.rollout != nil || s.teardown != nil)
		res.checks = append(res.checks, checks...)
		res.failover = &fo
	}
	for _, op := range bed.Operators {
		res.kills += op.Kills()
		res.crashes += op.Crashes()
		res.peakRSS = max(res.peakRSS, op.PeakRSS())
	}
	return res
}

// ensureRunning starts every operator a disruption left stopped.
func ensureRunning(bed *testbed.Bed, log func(string, ...any)) {
	for _, op := range bed.Operators {
		if !op.Running() {
			if err := op.Start(); err != nil {
				log("  starting %s: %v", op.Name(), err)
			}
		}
	}
}

// waitQuiet waits (at most 15s) until no create call is in flight in the
// simulator, so a call held by AnswerDelay has landed before the platform
// is read.
func waitQuiet(ctx context.Context, bed *testbed.Bed) {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		busy := false
		for _, a := range createActions {
			if bed.InFlight(a) > 0 {
				busy = true
			}
		}
		if !busy {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
