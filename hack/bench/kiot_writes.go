package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// kiotWrites is how long the same client takes for the writes Kiot makes
// per Device beyond the floor's three: the finalizer (a metadata patch of
// the object; an annotation here, so that the floor's deletes are not held)
// and the Created event. A new Device writes no first-sight status while
// its batch registration answers within a few seconds (it did before
// b988947, when the pattern counted one more status write).
// With the floor it is the least a rollout through Kiot's write pattern can
// take on this API server, with no watcher and no reconcile: what a rollout
// takes beyond it is the cost of everything else (watches, the operator's
// own CPU, the client's creates competing with Kiot's writes).
type kiotWrites struct {
	metadata, event time.Duration
	// policy: the finalizer admission policy puts the finalizer on at
	// create, so Kiot makes no metadata write.
	policy bool
}

func (k kiotWrites) total() time.Duration {
	if k.policy {
		return k.event
	}
	return k.metadata + k.event
}

func measureKiotWrites(ctx context.Context, c client.Client, objs []*unstructured.Unstructured, workers int) (kiotWrites, error) {
	var k kiotWrites
	name := func(o *unstructured.Unstructured) string { return o.GetName() }
	s, err := parallel(ctx, workers, objs, name, func(ctx context.Context, o *unstructured.Unstructured) error {
		patch := []byte(`{"metadata":{"annotations":{"bench.kiot.dev/finalizer-stand-in":"` + iotv1.Finalizer + `"}}}`)
		return c.Patch(ctx, o, client.RawPatch(types.MergePatchType, patch))
	})
	if err != nil {
		return k, fmt.Errorf("scratch metadata patches: %w", err)
	}
	k.metadata = s.total()
	s, err = parallel(ctx, workers, objs, name, func(ctx context.Context, o *unstructured.Unstructured) error {
		return c.Create(ctx, createdEvent(o))
	})
	if err != nil {
		return k, fmt.Errorf("scratch events: %w", err)
	}
	k.event = s.total()
	return k, nil
}

// createdEvent is the events.k8s.io event Kiot records when a cloud
// resource was created, named as client-go's recorder names them.
func createdEvent(regarding *unstructured.Unstructured) *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: regarding.GetNamespace(), Name: fmt.Sprintf("%s.%x", regarding.GetName(), time.Now().UnixNano())},
		EventTime:  metav1.NowMicro(),
		Regarding: corev1.ObjectReference{APIVersion: regarding.GetAPIVersion(), Kind: regarding.GetKind(),
			Namespace: regarding.GetNamespace(), Name: regarding.GetName(), UID: regarding.GetUID()},
		ReportingController: "iot.kiot.dev/kiot", ReportingInstance: "bench",
		Action: "Create", Reason: "Created", Note: "Created the cloud resource", Type: corev1.EventTypeNormal,
	}
}
