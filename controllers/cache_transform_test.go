package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

func TestTheCacheKeepsNoManagedFields(t *testing.T) {
	d := &iotv1.Device{ObjectMeta: metav1.ObjectMeta{Name: "lamp-1", Namespace: "default",
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}, {Manager: "kiot-device", Subresource: "status"}}}}
	out, err := CacheOptions().DefaultTransform(d)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*iotv1.Device); len(got.ManagedFields) != 0 || got.Name != "lamp-1" {
		t.Errorf("cached %s with managedFields %v, want none", got.Name, got.ManagedFields)
	}
}
