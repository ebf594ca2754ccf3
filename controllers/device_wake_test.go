package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// A Product's status write wakes its Devices only when it changes what they
// act on: a new deviceCount alone would make every Device of a fleet
// observe the platform again.
func TestDevicesWakeOnlyForProductChangesTheyActOn(t *testing.T) {
	ready := func(status metav1.ConditionStatus) []metav1.Condition {
		return []metav1.Condition{{Type: iotv1.ConditionReady, Status: status, Reason: "R"}}
	}
	base := &iotv1.Product{Status: iotv1.ProductStatus{ProductKey: "a1Key", DeviceCount: 3}}
	base.Status.Conditions = ready(metav1.ConditionTrue)
	now := metav1.Now()
	for _, tc := range []struct {
		name   string
		change func(*iotv1.Product)
		wake   bool
	}{
		{"a new deviceCount", func(p *iotv1.Product) { p.Status.DeviceCount = 10000 }, false},
		{"a resync's lastHandledReconcileAt", func(p *iotv1.Product) { p.Status.LastHandledReconcileAt = "t" }, false},
		{"Ready turns False", func(p *iotv1.Product) { p.Status.Conditions = ready(metav1.ConditionFalse) }, true},
		{"a new ProductKey", func(p *iotv1.Product) { p.Status.ProductKey = "a1Other" }, true},
		{"deletion begins", func(p *iotv1.Product) { p.DeletionTimestamp = &now }, true},
	} {
		after := base.DeepCopy()
		tc.change(after)
		if got := productUsableChanged.Update(event.UpdateEvent{ObjectOld: base, ObjectNew: after}); got != tc.wake {
			t.Errorf("%s: wakes the Devices = %v, want %v", tc.name, got, tc.wake)
		}
	}
	// A Product being created records its key, then turns Ready: its
	// Devices are woken once, by Ready.
	creating := &iotv1.Product{}
	creating.Status.Conditions = ready(metav1.ConditionFalse)
	for _, tc := range []struct {
		name   string
		change func(*iotv1.Product)
		wake   bool
	}{
		{"a key recorded while not Ready", func(p *iotv1.Product) { p.Status.ProductKey = "a1Key" }, false},
		{"Ready turns True with the key", func(p *iotv1.Product) {
			p.Status.ProductKey, p.Status.Conditions = "a1Key", ready(metav1.ConditionTrue)
		}, true},
	} {
		after := creating.DeepCopy()
		tc.change(after)
		if got := productUsableChanged.Update(event.UpdateEvent{ObjectOld: creating, ObjectNew: after}); got != tc.wake {
			t.Errorf("%s: wakes the Devices = %v, want %v", tc.name, got, tc.wake)
		}
	}
}
