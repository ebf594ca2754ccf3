package fleet

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"
)

var testKey = Key{Account: "acct/cn-shanghai", InstanceID: "iot-test", ProductKey: "pk1"}

// notes records the Registrar's wake-ups.
type notes struct {
	mu    sync.Mutex
	woken map[string]int
}

func (n *notes) notify(_ Key, name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.woken == nil {
		n.woken = map[string]int{}
	}
	n.woken[name]++
}

func (n *notes) count(name string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.woken[name]
}

type registrarFixture struct {
	r       *Registrar
	fake    *fakePlatform
	clock   *testingclock.FakeClock
	journal *MemoryJournal
	notes   *notes
	cancel  context.CancelFunc
	stopped chan struct{}
}

// newRegistrarFixture registers through batches only, as every test did
// before the direct path; newDirectFixture plans both.
func newRegistrarFixture(t *testing.T, fake *fakePlatform, journal *MemoryJournal) *registrarFixture {
	t.Helper()
	return newFixture(t, fake, journal, func(o *RegistrarOptions) { o.DirectQPS = -1 })
}

// newDirectFixture plans with RegisterDevice's 30 QPS and an estimated
// batch duration of estimate.
func newDirectFixture(t *testing.T, fake *fakePlatform, estimate time.Duration) *registrarFixture {
	t.Helper()
	return newFixture(t, fake, NewMemoryJournal(), func(o *RegistrarOptions) { o.DirectQPS, o.BatchEstimate = 30, estimate })
}

func newFixture(t *testing.T, fake *fakePlatform, journal *MemoryJournal, tune func(*RegistrarOptions)) *registrarFixture {
	t.Helper()
	fx := &registrarFixture{fake: fake, clock: testingclock.NewFakeClock(time.Unix(1_700_000_000, 0)),
		journal: journal, notes: &notes{}, stopped: make(chan struct{})}
	opts := RegistrarOptions{
		Journal:      journal,
		ClientFor:    func(Key) (RegistrationAPI, error) { return fake, nil },
		Notify:       fx.notes.notify,
		Linger:       200 * time.Millisecond,
		PollInterval: time.Second,
		RetryBackoff: time.Second,
		Clock:        fx.clock,
	}
	tune(&opts)
	r, err := NewRegistrar(opts)
	if err != nil {
		t.Fatal(err)
	}
	fx.r = r
	return fx
}

func (fx *registrarFixture) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fx.cancel = cancel
	go func() {
		defer close(fx.stopped)
		if err := fx.r.Start(ctx); err != nil {
			t.Errorf("Start: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-fx.stopped })
}

// driveUntil steps the fake clock whenever something waits on it, until
// done holds. The wall-clock deadline only guards against a hang.
func driveUntil(t *testing.T, clk *testingclock.FakeClock, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("timed out driving the fake clock")
		}
		if clk.HasWaiters() {
			clk.Step(time.Second)
		} else {
			runtime.Gosched()
		}
	}
}

// allFinal reports whether every name has a final registration.
func (fx *registrarFixture) allFinal(names ...string) func() bool {
	return func() bool {
		for _, n := range names {
			if !fx.r.Peek(testKey, n).Final() {
				return false
			}
		}
		return true
	}
}

func deviceNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}
