package main

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiot-dev/kiot/hack/testbed"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// run is one scenario's live state, shared with its disruptions.
type run struct {
	bed *testbed.Bed
	rng *rand.Rand
	log func(string, ...any)
	// ready counts the Ready objects at the last poll of the rollout.
	ready atomic.Int64
	total int
	// disruptedAt is when a failover scenario took the leader away.
	disruptedAt atomic.Pointer[time.Time]
}

func (r *run) markDisrupted() {
	now := time.Now()
	r.disruptedAt.CompareAndSwap(nil, &now)
}

// scenario is a disruption of the rollout and of the deletion of a fleet.
type scenario struct {
	name, about string
	// faults are set in the simulator for the whole scenario.
	faults *iotsim.Faults
	// rollout disrupts the rollout until ctx ends (all Ready, or the
	// deadline).
	rollout func(ctx context.Context, r *run)
	// deleteWhen, when set, replaces waiting for all Ready: the deletion
	// starts as soon as it returns.
	deleteWhen func(ctx context.Context, r *run)
	// teardown disrupts the deletion until ctx ends.
	teardown func(ctx context.Context, r *run)
	// replicas is how many operators run (default 1); more elect a leader.
	replicas int
	// baseline names the scenario whose times this one is compared with
	// (default clean).
	baseline string
}

// createActions are the calls that make a cloud object and whose lost
// answer must not make a second one. Devices register in batches: the check
// reserves the names, the register makes the devices, and the pages name
// them (a lost page leaves devices Kiot has not learned of yet).
var createActions = []string{"CreateProduct", "RegisterDevice", "BatchCheckDeviceNames", "BatchRegisterDeviceWithApplyId", "QueryPageByApplyId",
	"CreateDeviceGroup", "CreateDeviceDistributeJob", "BatchAddDeviceGroupRelations"}

var scenarios = []scenario{
	{name: "clean", about: "no disruption: the baseline for times"},
	{name: "kill-random", about: "kill -9 at 20 random moments of the rollout",
		rollout: killRandomly(20, 500*time.Millisecond, 2500*time.Millisecond)},
	{name: "kill-inflight", about: "kill -9 when a create reached the platform, before its answer",
		rollout: killInFlight(map[string][]int64{
			"CreateProduct":                  {1, 2},
			"CreateDeviceGroup":              {1},
			"BatchCheckDeviceNames":          {1},
			"BatchRegisterDeviceWithApplyId": {1, 2},
			"RegisterDevice":                 {1},
			"QueryPageByApplyId":             {1, 3},
			"BatchAddDeviceGroupRelations":   {1},
			"CreateDeviceDistributeJob":      {1},
		})},
	{name: "delete-kills", about: "delete everything while kill -9 hits 10 random moments",
		teardown: killRandomly(10, 300*time.Millisecond, 1500*time.Millisecond)},
	{name: "delete-inflight", about: "delete everything while creates are held in flight (AnswerDelay)",
		faults: &iotsim.Faults{Actions: map[string]iotsim.ActionFault{
			"CreateProduct":      {AnswerDelay: iotsim.Duration(4 * time.Second)},
			"CreateDeviceGroup":  {AnswerDelay: iotsim.Duration(6 * time.Second)},
			"QueryPageByApplyId": {AnswerDelay: iotsim.Duration(3 * time.Second)},
		}},
		deleteWhen: whenInFlight(map[string]int64{"CreateProduct": 1, "CreateDeviceGroup": 1, "QueryPageByApplyId": 1})},
	{name: "errors", about: "10% of every call fails; 10% of creates and deletes take effect but lose their answer",
		faults: errorFaults()},
	{name: "apiserver-restart", about: "kube-apiserver stopped for 5s and started again mid-rollout",
		rollout: restartAPIServerAt(1.0 / 3)},
	{name: "failover-clean", replicas: 2, about: "two replicas electing a leader, no disruption: the baseline for the failover times"},
	{name: "failover-kill-register", replicas: 2, baseline: "failover-clean",
		about:   "kill -9 of the leader when its first BatchRegisterDeviceWithApplyId is answered; it starts again as the standby",
		rollout: onLeaderAnswer("BatchRegisterDeviceWithApplyId", killLeader)},
	{name: "failover-kill-delete", replicas: 2, baseline: "failover-clean",
		about:    "kill -9 of the leader 3s into the deletion; it starts again as the standby",
		teardown: afterDelay(3*time.Second, killLeader)},
	{name: "failover-pause", replicas: 2, baseline: "failover-clean",
		about:   "the leader stopped (SIGSTOP) for 25s, past its 15s lease, when its first BatchRegisterDeviceWithApplyId is answered, then resumed",
		rollout: onLeaderAnswer("BatchRegisterDeviceWithApplyId", pauseLeader)},
}

func errorFaults() *iotsim.Faults {
	f := &iotsim.Faults{Actions: map[string]iotsim.ActionFault{"*": {ErrorRate: 0.1}}}
	for _, a := range append(createActions, "DeleteProduct", "DeleteDevice", "DeleteDeviceGroup", "DeleteDeviceDistributeJob") {
		f.Actions[a] = iotsim.ActionFault{ErrorRate: 0.1, AfterEffect: true}
	}
	return f
}

// killRandomly kills the operator up to n times, at random intervals
// between min and max, starting it again at once each time.
func killRandomly(n int, min, max time.Duration) func(context.Context, *run) {
	return func(ctx context.Context, r *run) {
		for range n {
			wait := min + time.Duration(r.rng.Int64N(int64(max-min)))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if err := r.bed.Operator.Restart(); err != nil {
				r.log("  restart: %v", err)
			}
		}
	}
}

// killInFlight kills the operator when the simulator is about to answer
// the given calls (by their ordinal per action, from 1): the call took
// effect, the operator never hears of it. It is started again at once.
func killInFlight(at map[string][]int64) func(context.Context, *run) {
	return func(ctx context.Context, r *run) {
		var (
			mu    sync.Mutex
			calls = map[string]int64{}
		)
		r.bed.OnAnswer(func(action string) {
			mu.Lock()
			defer mu.Unlock() // one kill at a time
			ordinals, ok := at[action]
			if !ok {
				return
			}
			calls[action]++
			for _, n := range ordinals {
				if n == calls[action] {
					r.log("  kill -9 while %s #%d is answered", action, n)
					if err := r.bed.Operator.Kill(); err != nil {
						r.log("  kill: %v", err)
					}
					go func() {
						if err := r.bed.Operator.Start(); err != nil {
							r.log("  start: %v", err)
						}
					}()
				}
			}
		})
		<-ctx.Done()
		r.bed.OnAnswer(nil)
	}
}

// whenInFlight returns once at least the given numbers of calls are in
// flight at the same time (or after 30s, whatever is in flight then).
func whenInFlight(want map[string]int64) func(context.Context, *run) {
	return func(ctx context.Context, r *run) {
		give := time.After(30 * time.Second)
		for {
			all := true
			for action, n := range want {
				if r.bed.InFlight(action) < n {
					all = false
				}
			}
			if all {
				r.log("  deleting while in flight: %v", inFlightSummary(r.bed, want))
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-give:
				r.log("  deleting after 30s; in flight: %v", inFlightSummary(r.bed, want))
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

func inFlightSummary(bed *testbed.Bed, actions map[string]int64) map[string]int64 {
	now := map[string]int64{}
	for a := range actions {
		now[a] = bed.InFlight(a)
	}
	return now
}

// restartAPIServerAt restarts kube-apiserver once the given share of the
// fleet is Ready.
func restartAPIServerAt(share float64) func(context.Context, *run) {
	return func(ctx context.Context, r *run) {
		for float64(r.ready.Load()) < share*float64(r.total) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		r.log("  restarting kube-apiserver with %d of %d Ready", r.ready.Load(), r.total)
		if err := r.bed.RestartAPIServer(5 * time.Second); err != nil {
			r.log("  %v", err)
		}
	}
}
