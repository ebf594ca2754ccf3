package fleet

import (
	"context"
	"slices"
	"sync"

	"github.com/kiot-dev/kiot/internal/iot"
)

// JournalEntry is a checked batch about to be registered: enough to resume
// it after a restart without registering any name twice.
type JournalEntry struct {
	ApplyID int64
	Key     Key
	// Devices are the batch's names and nicknames (spec data, no secrets).
	Devices []iot.NamedDevice
}

// Journal keeps the ApplyIds between BatchRegisterDeviceWithApplyId and
// the reading of their results. The Registrar calls Record before it
// registers (and registers only once Record returned nil), Resolve once
// the results are in memory, and List once at start-up to resume. The
// controller side implements it with a Kubernetes object; an entry must
// survive a crash of the process once Record has returned.
type Journal interface {
	Record(ctx context.Context, e JournalEntry) error
	Resolve(ctx context.Context, applyID int64) error
	List(ctx context.Context) ([]JournalEntry, error)
}

// MemoryJournal is a Journal in memory, for tests (and as the reference of
// the contract): it survives a Registrar, not a process.
type MemoryJournal struct {
	mu      sync.Mutex
	entries map[int64]JournalEntry
}

// NewMemoryJournal returns an empty journal.
func NewMemoryJournal() *MemoryJournal {
	return &MemoryJournal{entries: map[int64]JournalEntry{}}
}

// Record keeps e under its ApplyId.
func (j *MemoryJournal) Record(_ context.Context, e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	e.Devices = slices.Clone(e.Devices)
	j.entries[e.ApplyID] = e
	return nil
}

// Resolve forgets an ApplyId; resolving one unknown is not an error.
func (j *MemoryJournal) Resolve(_ context.Context, applyID int64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.entries, applyID)
	return nil
}

// List returns the unresolved entries, oldest ApplyId first.
func (j *MemoryJournal) List(context.Context) ([]JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JournalEntry, 0, len(j.entries))
	for _, e := range j.entries {
		e.Devices = slices.Clone(e.Devices)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b JournalEntry) int { return int(a.ApplyID - b.ApplyID) })
	return out, nil
}
