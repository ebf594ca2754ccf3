package managed

import (
	"context"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// The first of the engine's status writes (docs/architecture.md, "Who
// writes what"): the Ready=False of first sight.

// markFirstSeen writes Ready=False before anything else happens to a
// resource that has no Ready condition yet (a new one, or one created
// paused): without it kstatus reads a resource with no status as Current
// and Argo CD a paused one as merely Suspended, while nothing exists in the
// cloud. The whole status goes in the patch, so counts that are 0 are
// written as 0 (kubectl prints them) rather than left absent.
func (r *Reconciler) markFirstSeen(ctx context.Context, s *scope) error {
	if findCondition(s.obj, iotv1.ConditionReady) != nil || !s.obj.GetDeletionTimestamp().IsZero() {
		return nil
	}
	reason, message := iotv1.ReasonReconciling, "Kiot is reconciling the resource for the first time"
	if paused(s.obj) {
		reason, message = iotv1.ReasonReconcilePaused, "Reconciliation is paused by the "+iotv1.AnnotationPaused+
			" annotation; nothing was made in the cloud yet"
	}
	setCondition(s.obj, iotv1.ConditionReady, metav1.ConditionFalse, reason, message)
	r.firstReady.seen(s.obj, r.clock().Now())
	if r.Kind.QuickFirstReconcile {
		return nil // written with the reconcile's own status write
	}
	status, err := json.Marshal(map[string]any{"status": statusOf(s.obj).Interface()})
	if err != nil {
		return err
	}
	replaced := s.obj.GetResourceVersion()
	if err := r.Client.Status().Patch(ctx, s.obj, client.RawPatch(types.MergePatchType, status)); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.writes.wrote(s.obj.GetUID(), replaced)
	s.before = s.obj.DeepCopyObject().(Object)
	return nil
}
