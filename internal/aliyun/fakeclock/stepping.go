// Package fakeclock is the fake time of tests that call the IoT Platform
// through internal/aliyun: they are about requests and answers, and must
// not really wait for quota tokens or retry backoff.
package fakeclock

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
)

// Stepping is a k8s.io/utils fake clock that never blocks: a timer made on
// it moves the clock to the timer's end at once, so a wait shows as fake
// time passed (and is recorded) instead of real time spent.
type Stepping struct {
	*clocktesting.FakeClock
	mu    sync.Mutex
	waits []time.Duration
}

var _ clock.Clock = (*Stepping)(nil)

// NewStepping starts a stepping clock at t.
func NewStepping(t time.Time) *Stepping {
	return &Stepping{FakeClock: clocktesting.NewFakeClock(t)}
}

// NewTimer returns a timer that has already fired.
func (s *Stepping) NewTimer(d time.Duration) clock.Timer {
	t := s.FakeClock.NewTimer(d)
	s.step(d)
	return t
}

// After returns a channel that already holds the time d from now.
func (s *Stepping) After(d time.Duration) <-chan time.Time {
	c := s.FakeClock.After(d)
	s.step(d)
	return c
}

// Sleep returns at once, d later in fake time.
func (s *Stepping) Sleep(d time.Duration) { s.step(d) }

func (s *Stepping) step(d time.Duration) {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.Step(d)
}

// Waits are the durations waited so far, in order.
func (s *Stepping) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}
