// Package leaderlease tells the operator, before each write, whether it
// still holds the leader Lease, judged on its own clocks from its own last
// successful renewal, so that a replica paused past its lease (a long GC, a
// frozen node, a VM migration) does not write beside the replica that took
// over (issue #30).
//
// # Why the window is safe
//
// client-go's LeaderElector lets another candidate take the Lease only when
// the record it observed has not changed for LeaseDuration on that
// candidate's clock. Our renewal k is sent at time r (read before the
// request leaves) and, once it succeeds, is in the Lease at the API server
// before any candidate can observe it; a candidate that observed an older
// record must observe k before its own update can pass the resourceVersion
// check. So no other replica holds the Lease before r + LeaseDuration.
//
// Writes are allowed while less than RenewDeadline has passed since r — the
// same bound after which client-go itself gives up leading — and each write
// is given until r + LeaseDuration to complete (the Window). The difference,
// LeaseDuration − RenewDeadline (5 s with the defaults 15 s and 10 s), is the
// margin for a write checked just inside the window to travel to the
// platform, and for the two machines' clocks to run at slightly different
// rates (parts per million: microseconds over 15 s).
//
// # Clocks
//
// Elapsed time is the larger of the process's monotonic clock and its wall
// clock since r. The monotonic clock runs on while a process is stopped
// (SIGSTOP, a long GC) but not while the machine is suspended (a VM paused
// for migration); the wall clock is stepped forward afterwards by the host
// or NTP. Taking the larger sees both pauses. A wall clock stepped backwards
// cannot extend the window, since the monotonic reading still counts; one
// stepped forward without a pause only withholds writes until the next
// renewal (RetryPeriod, 2 s by default).
package leaderlease

import (
	"fmt"
	"sync"
	"time"
)

// Clock reads the two clocks the Guard compares.
type Clock interface {
	// Monotonic is the time elapsed on a clock that never jumps.
	Monotonic() time.Duration
	// Wall is the wall-clock time, which may be stepped.
	Wall() time.Time
}

// Timing is the leader election's: LeaseDuration and RenewDeadline as given
// to the LeaderElector.
type Timing struct {
	LeaseDuration time.Duration
	RenewDeadline time.Duration
}

// Guard records the successful renewals of this replica's Lease and answers
// whether a write may be sent now. The zero Guard is not usable: call New.
type Guard struct {
	timing Timing
	clock  Clock

	mu sync.Mutex
	// held: the last renewal succeeded and the Lease was not released since.
	held      bool
	renewMono time.Duration
	renewWall time.Time
}

// New returns a Guard that holds no Lease yet. clock nil is the real one.
func New(t Timing, clock Clock) (*Guard, error) {
	if t.RenewDeadline <= 0 || t.LeaseDuration <= t.RenewDeadline {
		return nil, fmt.Errorf("leader election: the lease duration (%s) must be longer than the renew deadline (%s)", t.LeaseDuration, t.RenewDeadline)
	}
	if clock == nil {
		clock = realClock{start: time.Now()}
	}
	return &Guard{timing: t, clock: clock}, nil
}

// renewal is the moment just before a renewal (or acquisition) was sent.
type renewal struct {
	mono time.Duration
	wall time.Time
}

// beforeRenewal reads the clocks before a renewal is sent.
func (g *Guard) beforeRenewal() renewal {
	return renewal{mono: g.clock.Monotonic(), wall: g.clock.Wall()}
}

// renewed records a renewal that succeeded, read by beforeRenewal.
func (g *Guard) renewed(r renewal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held && r.mono < g.renewMono {
		return // an older attempt that answered late
	}
	g.held, g.renewMono, g.renewWall = true, r.mono, r.wall
}

// released forgets the Lease: this replica gave it up (or is about to).
func (g *Guard) released() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held = false
}

// NotHeldError says why a write was not sent.
type NotHeldError struct {
	// Since is how long ago the last successful renewal was sent; zero
	// when no renewal is known.
	Since time.Duration
	// Limit is the renew deadline writes stop at.
	Limit time.Duration
}

func (e *NotHeldError) Error() string {
	if e.Since == 0 {
		return "not sent: this replica does not hold the leader lease"
	}
	return fmt.Sprintf("not sent: this replica's leader lease was last renewed %s ago, and writes stop %s after a renewal (another replica may hold it)",
		e.Since.Round(time.Millisecond), e.Limit)
}

// Window reports how long a write sent now has to complete before another
// replica could hold the Lease, or a *NotHeldError when no write may be
// sent: no renewal is known, or the last is RenewDeadline old or older.
func (g *Guard) Window() (time.Duration, error) {
	g.mu.Lock()
	held, mono, wall := g.held, g.renewMono, g.renewWall
	g.mu.Unlock()
	if !held {
		return 0, &NotHeldError{Limit: g.timing.RenewDeadline}
	}
	since := max(g.clock.Monotonic()-mono, g.clock.Wall().Sub(wall))
	if since >= g.timing.RenewDeadline {
		return 0, &NotHeldError{Since: since, Limit: g.timing.RenewDeadline}
	}
	return g.timing.LeaseDuration - since, nil
}

// realClock reads the process's clocks: time.Since of a reading taken at
// start uses Go's monotonic clock; Round(0) strips it, leaving the wall.
type realClock struct{ start time.Time }

func (c realClock) Monotonic() time.Duration { return time.Since(c.start) }
func (c realClock) Wall() time.Time          { return time.Now().Round(0) }
