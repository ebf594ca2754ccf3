package managed

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// finishedDeletes remembers the objects whose cloud side this process has
// dealt with (deleted, found gone, or orphaned) while their finalizer is not
// yet released. When the finalizer write fails (a conflict with a status
// write still on its way to the cache), the retry only releases it: the
// cloud resource is not deleted, nor the deletion reported, twice.
type finishedDeletes struct {
	mu   sync.Mutex
	done map[types.UID]bool
}

func (f *finishedDeletes) finished(uid types.UID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done[uid]
}

func (f *finishedDeletes) finish(uid types.UID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		f.done = map[types.UID]bool{}
	}
	f.done[uid] = true
}

func (f *finishedDeletes) forget(uid types.UID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.done, uid)
}
