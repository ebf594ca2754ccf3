package iotsim

import (
	"maps"
)

// The Go control surface, for tests that hold the *Simulator; admin.go
// serves the same over HTTP.

// Snapshot returns a copy of the whole state, with call and throttle counts.
func (s *Simulator) Snapshot() State {
	s.mu.Lock()
	s.advance(s.now())
	st := s.world.snapshot()
	s.mu.Unlock()
	st.Calls, st.Throttled = s.stats.copy()
	return st
}

// Reset empties the cloud and forgets nonces, quota buckets, faults and
// counters: a fresh simulator with the same options.
func (s *Simulator) Reset() {
	s.mu.Lock()
	s.world = newWorld()
	s.mu.Unlock()
	s.nonces.reset()
	s.limiter.reset()
	s.faults.set(Faults{})
	s.stats.reset()
}

// SetFaults replaces the injected faults; Faults{} clears them.
func (s *Simulator) SetFaults(f Faults) {
	f.Actions = maps.Clone(f.Actions)
	s.faults.set(f)
}

// Faults returns the current faults.
func (s *Simulator) Faults() Faults { return s.faults.get() }

// Calls returns the number of authenticated calls of action.
func (s *Simulator) Calls(action string) int64 {
	calls, _ := s.stats.copy()
	return calls[action]
}

// Throttled returns the number of calls of action refused by flow control.
func (s *Simulator) Throttled(action string) int64 {
	_, throttled := s.stats.copy()
	return throttled[action]
}

// Instances lists the instances the simulator knows.
func (s *Simulator) Instances() []Instance {
	out := make([]Instance, 0, len(s.instances.byID))
	for _, i := range s.instances.byID {
		out = append(out, i)
	}
	return out
}
