package main

import (
	"context"
	"fmt"
	"time"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// aloneRollout creates the Devices one after another, each once the one
// before is Ready with its Secret, as a user applying one Device at a time
// would: each Device's time is its own latency, not a share of a fleet's.
func (b *bench) aloneRollout(ctx context.Context) error {
	before, requestsBefore := countersOf(b.bed.Sim), b.api.snapshot(ctx)
	b.logf("creating %d Devices one after another, each once the one before is Ready with its Secret", len(b.fleet.devices))
	start := time.Now()
	for _, d := range b.fleet.devices {
		created, err := b.createAndWait(ctx, d)
		if err != nil {
			return err
		}
		b.r.alone = append(b.r.alone, created)
	}
	b.r.rolloutCalls = since(before, countersOf(b.bed.Sim))
	b.r.rolloutRequests = requestsSince(requestsBefore, b.api.snapshot(ctx))
	b.r.rollout = time.Since(start)
	return nil
}

// createAndWait creates one Device and returns the time from its create
// to the watch seeing it Ready with its Secret. It polls the tracker every
// 10 ms: the next Device should not wait on the poll.
func (b *bench) createAndWait(ctx context.Context, d *iotv1.Device) (time.Duration, error) {
	sent := time.Now()
	if err := b.client.Create(ctx, d.DeepCopy()); err != nil {
		return 0, fmt.Errorf("creating %s: %w", d.Name, err)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if at, ok := b.tracker.completedAt(d.Name); ok {
			return at.Sub(sent), nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%s not Ready with its Secret after %s", d.Name, time.Since(sent).Round(time.Millisecond))
		case <-tick.C:
		}
	}
}
