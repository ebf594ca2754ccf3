package managed

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// firstReadyOf reads the histogram's count and sum for kind.
func firstReadyOf(t *testing.T, kind string) (uint64, float64) {
	t.Helper()
	var m dto.Metric
	if err := timeToFirstReady.WithLabelValues(kind).(interface{ Write(*dto.Metric) error }).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// firstReadyRig reconciles one Product, created a minute ago, whose
// readiness the test sets between reconciles.
type firstReadyRig struct {
	t     *testing.T
	r     *Reconciler
	key   client.ObjectKey
	ready bool
}

func newFirstReadyRig(t *testing.T, kind string, existing []metav1.Condition) *firstReadyRig {
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1, UID: "uid-1",
		CreationTimestamp: metav1.NewTime(time.Now().Add(-time.Minute))}}
	p.Status.Conditions = existing
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
	rig := &firstReadyRig{t: t, key: client.ObjectKeyFromObject(p)}
	ext := &scripted{client: c, observe: func(Object) (Observation, error) {
		return Observation{Exists: true, UpToDate: true, Readiness: &Readiness{Ready: rig.ready, Reason: "Testing", Message: "as the test says"}}, nil
	}}
	rig.r = &Reconciler{Client: c, Recorder: events.NewFakeRecorder(100), ResyncPeriod: resync,
		Kind: Kind{Name: kind, New: func() Object { return &iotv1.Product{} }, Connector: connectorFunc(func() External { return ext })}}
	return rig
}

func (rig *firstReadyRig) reconcile(ready bool) {
	rig.t.Helper()
	rig.ready = ready
	if _, err := rig.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: rig.key}); err != nil {
		rig.t.Fatal(err)
	}
}

func TestTimeToFirstReadyIsObservedOnceWhenANewResourceBecomesReady(t *testing.T) {
	const kind = "FirstReadyNew"
	// The histogram is the process's: count from what it holds already
	// (go test -count=N runs this again in the same process).
	count0, sum0 := firstReadyOf(t, kind)
	rig := newFirstReadyRig(t, kind, nil)
	rig.reconcile(false)
	if count, _ := firstReadyOf(t, kind); count != count0 {
		t.Fatalf("observed %d times before the resource was Ready", count-count0)
	}
	rig.reconcile(true)
	count, sum := firstReadyOf(t, kind)
	count, sum = count-count0, sum-sum0
	if count != 1 {
		t.Fatalf("observed %d times, want 1", count)
	}
	if sum < 60 || sum > 3600 {
		t.Errorf("observed %.1fs, want the minute since creation", sum)
	}
	// Not Ready again (a throttle, a drift), then Ready: not a first time.
	rig.reconcile(false)
	rig.reconcile(true)
	if count, _ := firstReadyOf(t, kind); count-count0 != 1 {
		t.Errorf("observed %d times after becoming Ready again, want still 1", count)
	}
}

func TestTimeToFirstReadyIgnoresResourcesFirstMetWithAReadyCondition(t *testing.T) {
	// A replica that starts after the resource's first reconcile does not
	// know when it was first reconciled towards Ready: it stays silent.
	const kind = "FirstReadyInherited"
	count0, _ := firstReadyOf(t, kind)
	rig := newFirstReadyRig(t, kind, []metav1.Condition{{Type: iotv1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: iotv1.ReasonThrottled, LastTransitionTime: metav1.Now()}})
	rig.reconcile(true)
	if count, _ := firstReadyOf(t, kind); count != count0 {
		t.Errorf("observed %d times, want 0", count-count0)
	}
}
