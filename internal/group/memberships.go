package group

import (
	"maps"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
)

// Memberships remembers, per DeviceGroup resource, its group's members as
// Kiot last listed them and then changed them, so a group's reconciles read
// the membership (QueryDeviceListByDeviceGroup, 5 QPS, L20113) only as
// often as something can have changed it. Every reconcile reads the
// group's info anyway, and its DeviceCount (L19037–19068) counts the
// members: a count that differs from the one remembered means someone else
// added or removed devices, or a member device was deleted (it leaves its
// groups), and the membership is listed afresh. What the count cannot see
// (one device swapped for another behind Kiot's back) is caught by listing
// again once a listing is older than MaxAge, and by a reconcile-requested-at
// token (MaxAge is the resync period; a shorter poll-interval annotation
// shortens it for its group). Kiot's own relation writes are applied to what is remembered when
// their counts account for every device asked; anything else forgets it.
type Memberships struct {
	// MaxAge bounds how long a listing is trusted (0: always list).
	MaxAge time.Duration
	Clock  clock.PassiveClock

	mu      sync.Mutex
	entries map[types.UID]*membership
}

// membership is one resource's remembered members.
type membership struct {
	groupID  string
	members  map[iot.GroupDevice]bool
	listedAt time.Time
	// token is the reconcile-requested-at value the listing answered.
	token string
}

// NewMemberships trusts a listing for maxAge.
func NewMemberships(maxAge time.Duration, clk clock.PassiveClock) *Memberships {
	return &Memberships{MaxAge: maxAge, Clock: clk, entries: map[types.UID]*membership{}}
}

// known returns the remembered members of the resource's group when they
// may be trusted: the same group, a listing younger than MaxAge, no newer
// reconcile-requested-at token, and as many members as the platform counts.
func (m *Memberships) known(g *iotv1.DeviceGroup, groupID string, deviceCount int) (map[iot.GroupDevice]bool, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[g.UID]
	if e == nil || e.groupID != groupID || e.token != requestToken(g) || len(e.members) != deviceCount ||
		m.Clock.Since(e.listedAt) >= m.maxAge(g) {
		return nil, false
	}
	return maps.Clone(e.members), true
}

// maxAge is MaxAge, or the group's poll-interval annotation when shorter:
// the engine observes it that often, and so should its membership be.
func (m *Memberships) maxAge(g *iotv1.DeviceGroup) time.Duration {
	if d, err := time.ParseDuration(g.GetAnnotations()[iotv1.AnnotationPollInterval]); err == nil && d > 0 && d < m.MaxAge {
		return d
	}
	return m.MaxAge
}

// listed remembers a fresh listing.
func (m *Memberships) listed(g *iotv1.DeviceGroup, groupID string, members map[iot.GroupDevice]bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Entries past any use go: a resource deleted without a Delete of its
	// group (orphaned, observe-only) leaves its entry behind.
	for uid, e := range m.entries {
		if m.Clock.Since(e.listedAt) >= 2*m.MaxAge {
			delete(m.entries, uid)
		}
	}
	remembered := make(map[iot.GroupDevice]bool, len(members))
	maps.Copy(remembered, members)
	m.entries[g.UID] = &membership{groupID: groupID, members: remembered, listedAt: m.Clock.Now(), token: requestToken(g)}
}

// requestToken is the group's reconcile-requested-at value: a new one asks
// for the platform as it is now.
func requestToken(g *iotv1.DeviceGroup) string {
	return g.GetAnnotations()[iotv1.AnnotationReconcileRequestedAt]
}

// changed applies relation writes the platform confirmed for every device.
func (m *Memberships) changed(uid types.UID, added, removed []iot.GroupDevice) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[uid]
	if e == nil {
		return
	}
	for _, d := range removed {
		delete(e.members, d)
	}
	for _, d := range added {
		e.members[d] = true
	}
}

// forget drops what is remembered: a write whose outcome is not fully
// known, or a deleted resource.
func (m *Memberships) forget(uid types.UID) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, uid)
}
