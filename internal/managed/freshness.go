package managed

import (
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// staleRetry is how long a reconcile that started from an out-of-date cache
// waits for the cache to catch up with Kiot's own last write.
const staleRetry = 100 * time.Millisecond

// writeTracker remembers, per object, the resourceVersions the last
// reconcile's own patches replaced. A reconcile requeued at once (after an
// error, say) can read the object from an informer cache that has not yet
// seen those patches; judging by that stale status it would, for example,
// find "Synced=True" already written and skip the patch that should replace
// the error it itself wrote. Such a reconcile waits instead.
type writeTracker struct {
	mu       sync.Mutex
	replaced map[types.UID][]string
}

// stale reports whether obj is a version Kiot's own patches have replaced,
// and forgets the record once the cache has moved past them.
func (t *writeTracker) stale(uid types.UID, resourceVersion string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if slices.Contains(t.replaced[uid], resourceVersion) {
		return true
	}
	delete(t.replaced, uid)
	return false
}

// wrote records that a patch replaced resourceVersion.
func (t *writeTracker) wrote(uid types.UID, resourceVersion string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.replaced == nil {
		t.replaced = map[types.UID][]string{}
	}
	t.replaced[uid] = append(t.replaced[uid], resourceVersion)
}

// forget drops the record of an object that is gone.
func (t *writeTracker) forget(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.replaced, uid)
}
