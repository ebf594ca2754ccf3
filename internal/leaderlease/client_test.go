package leaderlease

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func TestClientWritesOnlyWhileTheLeaseIsHeld(t *testing.T) {
	ctx := context.Background()
	g, clk := newGuard(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kiot-system", Name: "journal"}}
	inner := fake.NewClientBuilder().WithObjects(cm.DeepCopy()).WithStatusSubresource(&corev1.Pod{}).Build()
	c := g.Client(inner)

	notHeld := func(what string, err error) {
		t.Helper()
		var nh *NotHeldError
		if !errors.As(err, &nh) {
			t.Fatalf("%s without the lease = %v, want a NotHeldError", what, err)
		}
	}
	patch := client.MergeFrom(cm.DeepCopy())
	changed := cm.DeepCopy()
	changed.Data = map[string]string{"k": "v"}
	notHeld("Create", c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kiot-system", Name: "new"}}))
	notHeld("Update", c.Update(ctx, changed.DeepCopy()))
	notHeld("Patch", c.Patch(ctx, changed.DeepCopy(), patch))
	notHeld("Delete", c.Delete(ctx, cm.DeepCopy()))
	notHeld("DeleteAllOf", c.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace("kiot-system")))
	notHeld("Status().Patch", c.Status().Patch(ctx, changed.DeepCopy(), patch))
	notHeld("Status().Update", c.Status().Update(ctx, changed.DeepCopy()))
	notHeld("SubResource(status).Patch", c.SubResource("status").Patch(ctx, changed.DeepCopy(), patch))

	// Reads go on without the lease.
	var got corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKeyFromObject(cm), &got); err != nil {
		t.Fatalf("Get without the lease: %v", err)
	}
	if got.Data != nil {
		t.Fatalf("a refused write reached the store: %v", got.Data)
	}

	renew(g)
	if err := c.Patch(ctx, changed.DeepCopy(), patch); err != nil {
		t.Fatalf("Patch with the lease held: %v", err)
	}
	clk.pass(10 * time.Second)
	notHeld("Update once the renewal is stale", c.Update(ctx, changed.DeepCopy()))
}
