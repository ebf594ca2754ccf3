package managed

import (
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// paused reports the pause annotation.
func paused(obj Object) bool {
	return obj.GetAnnotations()[iotv1.AnnotationPaused] == "true"
}
