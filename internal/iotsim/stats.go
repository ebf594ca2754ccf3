package iotsim

import (
	"maps"
	"sync"
)

// stats counts calls and throttled calls per action, for tests that assert
// a client stays within its quotas (GET /_sim/state, Calls, Throttled).
type stats struct {
	mu        sync.Mutex
	calls     map[string]int64
	throttled map[string]int64
}

func newStats() stats {
	return stats{calls: map[string]int64{}, throttled: map[string]int64{}}
}

func (s *stats) call(action string) {
	s.mu.Lock()
	s.calls[action]++
	s.mu.Unlock()
}

func (s *stats) throttle(action string) {
	s.mu.Lock()
	s.throttled[action]++
	s.mu.Unlock()
}

func (s *stats) copy() (calls, throttled map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls), maps.Clone(s.throttled)
}

func (s *stats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int64{}
	s.throttled = map[string]int64{}
}
