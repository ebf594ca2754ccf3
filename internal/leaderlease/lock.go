package leaderlease

import (
	"context"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Lock is the resourcelock the LeaderElector renews through, wrapped so
// that the Guard learns of every renewal: the clocks are read before a
// write of this replica's record is sent and recorded once it succeeds. A
// record naming another holder, read or written (the release on shutdown
// writes an empty holder), ends the Guard's Lease at once.
type Lock struct {
	resourcelock.Interface
	guard *Guard
}

// Wrap returns lock reporting to g.
func Wrap(lock resourcelock.Interface, g *Guard) *Lock {
	return &Lock{Interface: lock, guard: g}
}

// Get reads the record; one held by someone else ends this replica's Lease.
func (l *Lock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := l.Interface.Get(ctx)
	if err == nil && rec != nil && rec.HolderIdentity != l.Identity() {
		l.guard.released()
	}
	return rec, raw, err
}

// Create writes the first record (an acquisition when it succeeds).
func (l *Lock) Create(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	return l.write(ctx, rec, l.Interface.Create)
}

// Update renews, acquires or releases the Lease.
func (l *Lock) Update(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	return l.write(ctx, rec, l.Interface.Update)
}

func (l *Lock) write(ctx context.Context, rec resourcelock.LeaderElectionRecord, send func(context.Context, resourcelock.LeaderElectionRecord) error) error {
	if rec.HolderIdentity != l.Identity() {
		// Released before the request leaves: no write may follow it.
		l.guard.released()
		return send(ctx, rec)
	}
	at := l.guard.beforeRenewal()
	err := send(ctx, rec)
	if err == nil {
		l.guard.renewed(at)
	}
	return err
}
