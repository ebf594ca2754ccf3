package managed

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// timeToFirstReady is how long resources took from creation to their first
// Ready=True, by kind: the SLO of "I applied it; when can I use it?".
var timeToFirstReady = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name: "kiot_resource_time_to_first_ready_seconds",
	Help: "Time from a resource's creation to its first Ready=True, by kind; observed once per resource, by the replica that first reconciled it.",
	// 0.5s to about 2h18m: a Product is Ready in a second, a Device of a
	// 10,000-name batch in minutes, a DistributeJob after the platform's job.
	Buckets: prometheus.ExponentialBuckets(0.5, 2, 15),
}, []string{"kind"})

func init() {
	metrics.Registry.MustRegister(timeToFirstReady)
}

// firstReadyTracker remembers the resources the engine met before they had
// a Ready condition (markFirstSeen), until they become Ready. Only those are
// observed, so a resource that is Ready again after a throttle or an error,
// or that was first seen by a replica that has since restarted, never counts
// a second time or with a made-up start. The same rule as Crossplane's
// first-time-to-readiness metric. The set holds only resources not yet
// Ready, and forgets deleted ones.
type firstReadyTracker struct {
	mu      sync.Mutex
	pending map[types.NamespacedName]firstSight
}

// firstSight is a pending resource's UID and when it was first met.
type firstSight struct {
	uid types.UID
	at  time.Time
}

// seen records a resource met without a Ready condition at now; the first
// meeting of that UID is kept.
func (t *firstReadyTracker) seen(obj Object, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		t.pending = map[types.NamespacedName]firstSight{}
	}
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
	if s, ok := t.pending[key]; ok && s.uid == obj.GetUID() {
		return
	}
	t.pending[key] = firstSight{uid: obj.GetUID(), at: now}
}

// seenAt is when a pending resource was first met.
func (t *firstReadyTracker) seenAt(obj Object) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.pending[types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}]
	if !ok || s.uid != obj.GetUID() {
		return time.Time{}, false
	}
	return s.at, true
}

// written is called after obj's status was written: a pending resource now
// Ready is observed once and forgotten.
func (t *firstReadyTracker) written(kind string, obj Object, now time.Time) {
	if !apimeta.IsStatusConditionTrue(obj.ManagedStatus().Conditions, iotv1.ConditionReady) {
		return
	}
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
	t.mu.Lock()
	first, ok := t.pending[key]
	if ok {
		delete(t.pending, key)
	}
	t.mu.Unlock()
	if ok && first.uid == obj.GetUID() {
		timeToFirstReady.WithLabelValues(kind).Observe(now.Sub(obj.GetCreationTimestamp().Time).Seconds())
	}
}

// forget drops a resource that is gone.
func (t *firstReadyTracker) forget(key types.NamespacedName) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pending, key)
}
