package managed

import (
	"context"
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// markStalled keeps the Stalled condition true to Synced and Ready: True,
// with the reason and message of the first of them that is False for a
// reason that needs a person (iotv1.NeedsPerson), and absent otherwise, as
// kstatus expects of an abnormal-true condition. Synced comes first: a
// refused spec explains a Ready=False better than Ready's own reason. It
// returns the condition that stalled the resource, or nil.
func markStalled(obj Object) *metav1.Condition {
	for _, t := range []string{iotv1.ConditionSynced, iotv1.ConditionReady} {
		c := findCondition(obj, t)
		if c != nil && c.Status == metav1.ConditionFalse && iotv1.NeedsPerson(c.Reason) {
			setCondition(obj, iotv1.ConditionStalled, metav1.ConditionTrue, c.Reason, c.Message)
			return c
		}
	}
	apimeta.RemoveStatusCondition(&obj.ManagedStatus().Conditions, iotv1.ConditionStalled)
	return nil
}

// reportStalled marks the resource Stalled or not, and announces with a
// Warning event each time it becomes stalled for a new reason. A refusal
// seen in Synced was announced by failed already; Ready's verdicts (a job
// interrupted, devices not distributed) are announced here.
func (r *Reconciler) reportStalled(s *scope) {
	cause := markStalled(s.obj)
	if cause == nil || cause.Type != iotv1.ConditionReady {
		return
	}
	before := apimeta.FindStatusCondition(s.before.ManagedStatus().Conditions, iotv1.ConditionStalled)
	if before != nil && before.Status == metav1.ConditionTrue && before.Reason == cause.Reason {
		return
	}
	r.event(s.obj, corev1.EventTypeWarning, cause.Reason, "Reconcile", "%s", cause.Message)
}

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

// paused reports the pause annotation.
func paused(obj Object) bool {
	return obj.GetAnnotations()[iotv1.AnnotationPaused] == "true"
}
