package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// kiotWrites is how long the same client takes for the writes Kiot makes
// per Device beyond the floor's three. With the finalizer admission policy
// there are none: the API server puts the finalizer on at create, and the
// Devices a batch registered are reported by one event per Product rather
// than a Created event each (until then that event was one write more per
// Device, and until b988947 a first-sight status write another). Without
// the policy, Kiot adds the finalizer with a metadata patch of the object
// (an annotation here, so that the floor's deletes are not held).
// With the floor it is the least a rollout through Kiot's write pattern can
// take on this API server, with no watcher and no reconcile: what a rollout
// takes beyond it is the cost of everything else (watches, the operator's
// own CPU, the client's creates competing with Kiot's writes).
type kiotWrites struct {
	// metadata is the finalizer patches' time; zero with the policy.
	metadata time.Duration
	// policy: the finalizer admission policy is installed, so Kiot makes
	// no metadata write.
	policy bool
}

// measureFinalizerPatches times a metadata patch standing for the
// finalizer on each object.
func measureFinalizerPatches(ctx context.Context, c client.Client, objs []*unstructured.Unstructured, workers int) (time.Duration, error) {
	name := func(o *unstructured.Unstructured) string { return o.GetName() }
	s, err := parallel(ctx, workers, objs, name, func(ctx context.Context, o *unstructured.Unstructured) error {
		patch := []byte(`{"metadata":{"annotations":{"bench.kiot.dev/finalizer-stand-in":"` + iotv1.Finalizer + `"}}}`)
		return c.Patch(ctx, o, client.RawPatch(types.MergePatchType, patch))
	})
	if err != nil {
		return 0, fmt.Errorf("scratch metadata patches: %w", err)
	}
	return s.total(), nil
}
