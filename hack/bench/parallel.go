package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// span is when a parallel batch of requests ran: the first request sent,
// and the first and last answers received.
type span struct {
	sent, firstDone, lastDone time.Time
}

// accepted is the time from the first to the last accepted request.
func (s span) accepted() time.Duration { return s.lastDone.Sub(s.firstDone) }

// total is the time from the first request sent to the last answer.
func (s span) total() time.Duration { return s.lastDone.Sub(s.sent) }

// parallel calls do for every item from workers goroutines, as a GitOps
// tool applying a directory would, and stops at the first error.
func parallel[T any](ctx context.Context, workers int, items []T, name func(T) string, do func(context.Context, T) error) (span, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan T)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		s     span
		first error
	)
	s.sent = time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for item := range work {
				if ctx.Err() != nil {
					continue // stopped: drain without sending more
				}
				err := do(ctx, item)
				now := time.Now()
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("%s: %w", name(item), err)
					cancel()
				}
				if err == nil {
					if s.firstDone.IsZero() {
						s.firstDone = now
					}
					s.lastDone = now
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, item := range items {
		select {
		case work <- item:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return s, first
}
