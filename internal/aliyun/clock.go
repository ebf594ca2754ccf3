package aliyun

import (
	"context"
	"time"

	"k8s.io/utils/clock"
)

// sleep waits for d on clk, or until ctx is done, whichever comes first, and
// returns ctx.Err() in the second case. Request timestamps, quota pacing and
// retry backoff all read the Config's clock, so tests replace real waiting
// with a fake clock and count what would have been waited.
func sleep(ctx context.Context, clk clock.Clock, d time.Duration) error {
	// A context already ended wins over a timer that is due as well (a
	// select would pick either).
	if d <= 0 || ctx.Err() != nil {
		return ctx.Err()
	}
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
