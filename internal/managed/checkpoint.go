package managed

import "context"

// checkpointKey carries the running reconcile's status writer.
type checkpointKey struct{}

// Checkpoint writes the object's status now, in the middle of a reconcile,
// instead of at its end. An External calls it to record an intent before a
// call that is not idempotent (a job create: the platform makes a new job
// each time), so that a crash between the call and the end of the reconcile
// leaves a trace the next reconcile can follow. Outside a reconcile (an
// External's unit test) it does nothing.
func Checkpoint(ctx context.Context) error {
	if write, ok := ctx.Value(checkpointKey{}).(func(context.Context) error); ok {
		return write(ctx)
	}
	return nil
}

func withCheckpoint(ctx context.Context, write func(context.Context) error) context.Context {
	return context.WithValue(ctx, checkpointKey{}, write)
}
