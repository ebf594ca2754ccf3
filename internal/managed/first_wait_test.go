package managed

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// registeringReconciler reconciles one new Product whose Create waits in a
// batch, with FirstWait set to quiet.
func registeringReconciler(t *testing.T, quiet time.Duration) (*Reconciler, client.Client, *iotv1.Product) {
	t.Helper()
	ext := &scripted{
		observe: func(Object) (Observation, error) { return Observation{}, nil },
		create:  func(Object) error { return InProgress("Registering", 45*time.Second, "registering in a batch") },
	}
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
	r := &Reconciler{Client: c, Recorder: events.NewFakeRecorder(10), ResyncPeriod: resync,
		Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} },
			Connector:           connectorFunc(func() External { return ext }),
			QuickFirstReconcile: true, FirstWait: FirstWait{Reason: "Registering", For: quiet}}}
	return r, c, p
}

func readyOf(t *testing.T, c client.Client, p *iotv1.Product) *metav1.Condition {
	t.Helper()
	var got iotv1.Product
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), &got); err != nil {
		t.Fatal(err)
	}
	return findCondition(&got, iotv1.ConditionReady)
}

func TestFirstWaitSkipsTheStatusWriteOfANewResourceForAWhile(t *testing.T) {
	r, c, p := registeringReconciler(t, time.Minute)
	clk := clocktesting.NewFakePassiveClock(time.Unix(1_700_000_000, 0))
	r.Clock = clk
	result, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)})
	if err != nil {
		t.Fatal(err)
	}
	if got := readyOf(t, c, p); got != nil {
		t.Errorf("Ready = %+v written within the quiet time, want no status write", got)
	}
	if result.RequeueAfter != 45*time.Second {
		t.Errorf("RequeueAfter = %v, want the wait's own 45s (sooner than the quiet minute)", result.RequeueAfter)
	}

	// 40 s later: still quiet, and back when the quiet minute ends, sooner
	// than the wait's own 45 s.
	clk.SetTime(clk.Now().Add(40 * time.Second))
	result, err = r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)})
	if err != nil {
		t.Fatal(err)
	}
	if got := readyOf(t, c, p); got != nil || result.RequeueAfter != 20*time.Second {
		t.Errorf("40s in: Ready %+v, RequeueAfter %v; want nothing written and a look at the minute's end (20s)", got, result.RequeueAfter)
	}

	// The quiet time is up: the wait is written, with its reason.
	clk.SetTime(clk.Now().Add(20 * time.Second))
	if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}); err != nil {
		t.Fatal(err)
	}
	if got := readyOf(t, c, p); got == nil || got.Reason != "Registering" || got.Status != metav1.ConditionFalse {
		t.Errorf("Ready = %+v after the quiet time, want False/Registering", got)
	}
}

func TestFirstWaitNeverHidesAWaitOnceAStatusWasWritten(t *testing.T) {
	r, c, p := registeringReconciler(t, 0)
	if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}); err != nil {
		t.Fatal(err)
	}
	if got := readyOf(t, c, p); got == nil || got.Reason != "Registering" {
		t.Fatalf("Ready = %+v with FirstWait off, want False/Registering written at once", got)
	}
	// Now it has a Ready condition: a quiet time no longer applies.
	r.Kind.FirstWait.For = time.Hour
	var before iotv1.Product
	_ = c.Get(context.Background(), client.ObjectKeyFromObject(p), &before)
	if wait, quiet := r.quietFirstWait(&scope{obj: before.DeepCopy(), before: &before}, reconcile.Result{}, nil); quiet {
		t.Errorf("quiet for %v on a resource that already has a Ready condition", wait)
	}
}
