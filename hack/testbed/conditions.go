package testbed

import (
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// IsReady reports a Ready condition with status True.
func IsReady(conditions []metav1.Condition) bool {
	return apimeta.IsStatusConditionTrue(conditions, iotv1.ConditionReady)
}

func objectMeta(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}
