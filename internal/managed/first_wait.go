package managed

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// quietFirstWait reports whether this reconcile's status goes unwritten
// (Kind.FirstWait), and when to look again: the wait's own time, or the
// end of the quiet time if sooner.
func (r *Reconciler) quietFirstWait(s *scope, result reconcile.Result, err error) (time.Duration, bool) {
	q := r.Kind.FirstWait
	if q.For <= 0 || err != nil || !s.obj.GetDeletionTimestamp().IsZero() || findCondition(s.before, iotv1.ConditionReady) != nil {
		return 0, false
	}
	ready := findCondition(s.obj, iotv1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionFalse || ready.Reason != q.Reason {
		return 0, false
	}
	seen, ok := r.firstReady.seenAt(s.obj)
	if !ok {
		return 0, false
	}
	left := q.For - r.clock().Since(seen)
	if left <= 0 {
		return 0, false
	}
	if result.RequeueAfter > 0 && result.RequeueAfter < left {
		left = result.RequeueAfter
	}
	return left, true
}
