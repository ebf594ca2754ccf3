package managed

import (
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
)

// Every Kiot kind keeps its status in a field named Status, the Kubernetes
// convention; the engine reads and compares it through reflection, which
// costs a field lookup, where converting both objects to unstructured maps
// on every reconcile cost two full conversions (a sweep runs 10,000).
func statusOf(obj Object) reflect.Value {
	return reflect.ValueOf(obj).Elem().FieldByName("Status")
}

// statusEqual compares the whole status stanzas of two objects of one kind,
// the kind's own fields included.
func statusEqual(a, b Object) bool {
	return equality.Semantic.DeepEqual(statusOf(a).Interface(), statusOf(b).Interface())
}

// withStatusOf returns a copy of obj that carries the status of from: the
// base of a patch whose only difference is the status.
func withStatusOf(obj, from Object) Object {
	base := obj.DeepCopyObject().(Object)
	statusOf(base).Set(statusOf(from.DeepCopyObject().(Object)))
	return base
}
