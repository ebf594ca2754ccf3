package leaderlease

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// fakeClock moves its two clocks apart, as a suspended machine does.
type fakeClock struct {
	mono time.Duration
	wall time.Time
}

func (c *fakeClock) Monotonic() time.Duration { return c.mono }
func (c *fakeClock) Wall() time.Time          { return c.wall }

// pass advances both clocks: the process ran, or was stopped (SIGSTOP).
func (c *fakeClock) pass(d time.Duration) { c.mono += d; c.wall = c.wall.Add(d) }

var defaults = Timing{LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second}

func newGuard(t *testing.T) (*Guard, *fakeClock) {
	t.Helper()
	clk := &fakeClock{mono: time.Hour, wall: time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)}
	g, err := New(defaults, clk)
	if err != nil {
		t.Fatal(err)
	}
	return g, clk
}

func renew(g *Guard) { g.renewed(g.beforeRenewal()) }

func mustRefuse(t *testing.T, g *Guard) *NotHeldError {
	t.Helper()
	_, err := g.Window()
	var nh *NotHeldError
	if !errors.As(err, &nh) {
		t.Fatalf("Window() = %v, want a NotHeldError", err)
	}
	return nh
}

func mustAllow(t *testing.T, g *Guard, want time.Duration) {
	t.Helper()
	window, err := g.Window()
	if err != nil {
		t.Fatalf("Window() = %v, want a write allowed", err)
	}
	if window != want {
		t.Fatalf("window = %s, want %s", window, want)
	}
}

func TestGuardRefusesWritesBeforeAnyRenewal(t *testing.T) {
	g, _ := newGuard(t)
	if nh := mustRefuse(t, g); nh.Since != 0 {
		t.Fatalf("Since = %s, want 0 (never renewed)", nh.Since)
	}
}

func TestGuardAllowsWritesWhileTheRenewalIsRecent(t *testing.T) {
	g, clk := newGuard(t)
	renew(g)
	mustAllow(t, g, 15*time.Second)
	clk.pass(9 * time.Second)
	// The write has until the Lease could pass: 15 s after the renewal.
	mustAllow(t, g, 6*time.Second)
}

func TestGuardRefusesWritesOnceTheRenewalIsStale(t *testing.T) {
	g, clk := newGuard(t)
	renew(g)
	clk.pass(10 * time.Second)
	nh := mustRefuse(t, g)
	if nh.Since != 10*time.Second || nh.Limit != 10*time.Second {
		t.Fatalf("NotHeldError = %+v", nh)
	}
	// A renewal that succeeds again opens the window again.
	renew(g)
	mustAllow(t, g, 15*time.Second)
}

func TestGuardSeesAPauseOnEitherClock(t *testing.T) {
	t.Run("stopped process: both clocks run", func(t *testing.T) {
		g, clk := newGuard(t)
		renew(g)
		clk.pass(25 * time.Second) // SIGSTOP past the lease, then SIGCONT
		mustRefuse(t, g)
	})
	t.Run("suspended machine: the wall clock jumps, the monotonic one stood still", func(t *testing.T) {
		g, clk := newGuard(t)
		renew(g)
		clk.mono += time.Second
		clk.wall = clk.wall.Add(40 * time.Second)
		if nh := mustRefuse(t, g); nh.Since != 40*time.Second {
			t.Fatalf("Since = %s, want the wall clock's 40s", nh.Since)
		}
	})
	t.Run("wall clock stepped back: the monotonic clock still counts", func(t *testing.T) {
		g, clk := newGuard(t)
		renew(g)
		clk.mono += 11 * time.Second
		clk.wall = clk.wall.Add(-time.Hour)
		mustRefuse(t, g)
	})
}

func TestGuardKeepsTheNewestRenewal(t *testing.T) {
	g, clk := newGuard(t)
	older := g.beforeRenewal()
	clk.pass(3 * time.Second)
	renew(g)
	g.renewed(older) // an earlier attempt answering late
	clk.pass(8 * time.Second)
	mustAllow(t, g, 7*time.Second)
}

func TestNewRefusesARenewDeadlineNotShorterThanTheLease(t *testing.T) {
	if _, err := New(Timing{LeaseDuration: 10 * time.Second, RenewDeadline: 10 * time.Second}, nil); err == nil {
		t.Fatal("New accepted a renew deadline equal to the lease duration")
	}
}

// fakeLock is a resourcelock whose writes fail or succeed on demand.
type fakeLock struct {
	resourcelock.Interface
	identity string
	record   resourcelock.LeaderElectionRecord
	fail     error
	// during runs while a write is "in flight".
	during func()
}

func (l *fakeLock) Identity() string { return l.identity }
func (l *fakeLock) Get(context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec := l.record
	return &rec, []byte(rec.HolderIdentity), nil
}
func (l *fakeLock) Create(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	return l.Update(ctx, rec)
}
func (l *fakeLock) Update(_ context.Context, rec resourcelock.LeaderElectionRecord) error {
	if l.during != nil {
		l.during()
	}
	if l.fail != nil {
		return l.fail
	}
	l.record = rec
	return nil
}

func TestLockRecordsASuccessfulRenewalFromBeforeItWasSent(t *testing.T) {
	g, clk := newGuard(t)
	inner := &fakeLock{identity: "me", during: func() { clk.pass(2 * time.Second) }}
	lock := Wrap(inner, g)
	if err := lock.Update(context.Background(), resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil {
		t.Fatal(err)
	}
	// The renewal counts from before the request left, 2 s ago.
	mustAllow(t, g, 13*time.Second)
}

func TestLockIgnoresAFailedRenewal(t *testing.T) {
	g, _ := newGuard(t)
	lock := Wrap(&fakeLock{identity: "me", fail: errors.New("conflict")}, g)
	_ = lock.Create(context.Background(), resourcelock.LeaderElectionRecord{HolderIdentity: "me"})
	mustRefuse(t, g)
}

func TestLockEndsTheLeaseWhenAnotherHolderIsSeenOrItIsReleased(t *testing.T) {
	ctx := context.Background()
	t.Run("another holder read", func(t *testing.T) {
		g, _ := newGuard(t)
		inner := &fakeLock{identity: "me"}
		lock := Wrap(inner, g)
		_ = lock.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"})
		inner.record.HolderIdentity = "the-other-replica"
		if _, _, err := lock.Get(ctx); err != nil {
			t.Fatal(err)
		}
		mustRefuse(t, g)
	})
	t.Run("released on shutdown", func(t *testing.T) {
		g, _ := newGuard(t)
		var allowedDuringRelease bool
		inner := &fakeLock{identity: "me"}
		lock := Wrap(inner, g)
		_ = lock.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"})
		inner.during = func() { _, err := g.Window(); allowedDuringRelease = err == nil }
		_ = lock.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: ""})
		if allowedDuringRelease {
			t.Fatal("writes were still allowed while the release was in flight")
		}
		mustRefuse(t, g)
	})
}
