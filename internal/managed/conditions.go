package managed

import (
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// setCondition sets one condition; LastTransitionTime moves only when the
// status flips (apimeta.SetStatusCondition's contract). The message is
// bounded (BoundMessage).
func setCondition(obj Object, conditionType string, status metav1.ConditionStatus, reason, message string) {
	apimeta.SetStatusCondition(&obj.ManagedStatus().Conditions, metav1.Condition{
		Type:               conditionType,
		Status:             status,
		Reason:             reason,
		Message:            BoundMessage(message),
		ObservedGeneration: obj.GetGeneration(),
	})
}

func findCondition(obj Object, conditionType string) *metav1.Condition {
	return apimeta.FindStatusCondition(obj.ManagedStatus().Conditions, conditionType)
}

func joinDrift(fields []string) string {
	if len(fields) == 0 {
		return "the cloud resource differed from the spec"
	}
	return strings.Join(fields, ", ") + " differed from the spec"
}
