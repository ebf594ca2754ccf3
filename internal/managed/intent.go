package managed

import "context"

// Intending is an External whose Create or Update starts something the
// platform cannot deduplicate and no natural key finds again with
// certainty (a distribution job: every call makes a new one). Before such a
// call the engine asks it to note its intent in status and writes that
// status, so that a crash or a lost answer between the call and the end of
// the reconcile leaves a trace the next reconcile can follow.
type Intending interface {
	// RecordIntent notes in obj's status what the coming Create (obs is
	// zero) or Update (obs is the observation that asked for it) will start,
	// and reports whether it noted anything.
	RecordIntent(ctx context.Context, obj Object, obs Observation) (bool, error)
}

// recordIntent writes the intent an Intending External notes before the
// call that follows; for other kinds it does nothing.
func (r *Reconciler) recordIntent(ctx context.Context, s *scope, external External, obs Observation) error {
	intending, ok := external.(Intending)
	if !ok {
		return nil
	}
	noted, err := intending.RecordIntent(ctx, s.obj, obs)
	if err != nil || !noted {
		return err
	}
	return r.patchStatus(ctx, s)
}
