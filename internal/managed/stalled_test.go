package managed

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// engine is a Reconciler of Products against a fake API server holding p.
func engine(t *testing.T, p *iotv1.Product, ext External) (*Reconciler, client.Client, *events.FakeRecorder) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
	recorder := events.NewFakeRecorder(20)
	return &Reconciler{Client: c, Recorder: recorder, ResyncPeriod: resync,
		Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} }, Connector: connectorFunc(func() External { return ext })}}, c, recorder
}

func run(t *testing.T, r *Reconciler, c client.Client) *iotv1.Product {
	t.Helper()
	key := client.ObjectKey{Namespace: "ns", Name: "p"}
	_, _ = r.Reconcile(context.Background(), reconcile.Request{NamespacedName: key})
	p := &iotv1.Product{}
	if err := c.Get(context.Background(), key, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func drain(recorder *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// The first thing a reconcile writes is Ready=False, before the finalizer
// or any cloud call, so a tool never reads the new resource as healthy.
func TestTheFirstReconcileWritesReadyFalseBeforeAnythingElse(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	var seenAtObserve *iotv1.Product
	ext := &scripted{}
	r, c, _ := engine(t, p, ext)
	ext.observe = func(Object) (Observation, error) {
		seenAtObserve = &iotv1.Product{}
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), seenAtObserve); err != nil {
			t.Fatal(err)
		}
		return Observation{}, errors.New("connection reset")
	}
	run(t, r, c)
	if seenAtObserve == nil {
		t.Fatal("Observe did not run")
	}
	if got := condition(seenAtObserve, iotv1.ConditionReady); got.Status != metav1.ConditionFalse || got.Reason != iotv1.ReasonReconciling {
		t.Errorf("Ready stored before the first cloud call = %+v, want False/Reconciling", got)
	}
}

// The first write carries the whole status, so counts that are 0 are
// stored as 0 and kubectl prints 0 rather than a blank.
func TestTheFirstWriteStoresZeroCounts(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	ext := &scripted{observe: func(Object) (Observation, error) { return Observation{}, errors.New("connection reset") }}
	r, c, _ := engine(t, p, ext)
	run(t, r, c)
	stored := &iotv1.Product{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), stored); err != nil {
		t.Fatal(err)
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(stored)
	if err != nil {
		t.Fatal(err)
	}
	status, _ := u["status"].(map[string]any)
	if _, ok := status["deviceCount"]; !ok {
		t.Errorf("status = %v, want deviceCount present (0)", status)
	}
}

func TestAResourceCreatedPausedIsNotReady(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1,
		Annotations: map[string]string{iotv1.AnnotationPaused: "true"}}}
	ext := &scripted{observe: func(Object) (Observation, error) { return Observation{}, nil }}
	r, c, _ := engine(t, p, ext)
	got := run(t, r, c)
	if ready := condition(got, iotv1.ConditionReady); ready.Status != metav1.ConditionFalse || ready.Reason != iotv1.ReasonReconcilePaused {
		t.Errorf("Ready = %+v, want False/ReconcilePaused", ready)
	}
	if ext.observes != 0 {
		t.Error("a paused resource was observed")
	}
}

// A refused spec stalls the resource (kstatus: Failed) until the refusal
// clears; the Stalled condition is then removed.
func TestARefusalStallsTheResourceUntilItClears(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	refuse := true
	ext := &scripted{observe: func(Object) (Observation, error) {
		if refuse {
			return Observation{}, Terminal(errors.New("iot.prod.InvalidFormattedCatId: the category is wrong"))
		}
		return Observation{Exists: true, UpToDate: true}, nil
	}}
	r, c, recorder := engine(t, p, ext)
	got := run(t, r, c)
	stalled := condition(got, iotv1.ConditionStalled)
	if stalled.Status != metav1.ConditionTrue || stalled.Reason != iotv1.ReasonInvalidSpec || !strings.Contains(stalled.Message, "InvalidFormattedCatId") {
		t.Errorf("Stalled = %+v, want True/InvalidSpec with the platform's message", stalled)
	}
	if warnings := drain(recorder); len(warnings) != 1 || !strings.Contains(warnings[0], "Warning InvalidSpec") {
		t.Errorf("events = %q, want one Warning InvalidSpec", warnings)
	}
	run(t, r, c)
	if e := drain(recorder); len(e) != 0 {
		t.Errorf("the same refusal again announced itself again: %q", e)
	}
	refuse = false
	got = run(t, r, c)
	if c := condition(got, iotv1.ConditionStalled); c.Type != "" {
		t.Errorf("Stalled = %+v after the refusal cleared, want it removed", c)
	}
}

// A kind's own verdict that needs a person (a job with failed devices)
// stalls the resource and is announced once, with a Warning event.
func TestAVerdictThatNeedsAPersonStallsAndWarnsOnce(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	verdict := Readiness{Reason: iotv1.ReasonDevicesFailed, Message: "1 of 2 device(s) were not distributed: b (404)"}
	ext := &scripted{observe: func(Object) (Observation, error) {
		return Observation{Exists: true, UpToDate: true, Readiness: &verdict}, nil
	}}
	r, c, recorder := engine(t, p, ext)
	got := run(t, r, c)
	if s := condition(got, iotv1.ConditionStalled); s.Status != metav1.ConditionTrue || s.Reason != iotv1.ReasonDevicesFailed {
		t.Errorf("Stalled = %+v, want True/DevicesFailed", s)
	}
	warnings := 0
	for _, e := range drain(recorder) {
		if strings.HasPrefix(e, "Warning DevicesFailed") && strings.Contains(e, "b (404)") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("want one Warning DevicesFailed naming the device, got %d", warnings)
	}
	run(t, r, c)
	if e := drain(recorder); len(e) != 0 {
		t.Errorf("an unchanged verdict was announced again: %q", e)
	}
	verdict = Readiness{Reason: iotv1.ReasonJobInterrupted, Message: "job j2 was interrupted"}
	run(t, r, c)
	if e := drain(recorder); len(e) != 1 || !strings.HasPrefix(e[0], "Warning JobInterrupted") {
		t.Errorf("a new reason must be announced: %q", e)
	}
	verdict = Readiness{Ready: true, Reason: iotv1.ReasonDistributed, Message: "every device (2) was distributed"}
	got = run(t, r, c)
	if s := condition(got, iotv1.ConditionStalled); s.Type != "" {
		t.Errorf("Stalled = %+v once Ready, want it removed", s)
	}
}

// Waits clear up by themselves: they never stall a resource.
func TestAWaitDoesNotStall(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	ext := &scripted{observe: func(Object) (Observation, error) {
		return Observation{}, Wait(iotv1.ReasonProductNotReady, resync, "waiting for the Product")
	}}
	r, c, _ := engine(t, p, ext)
	if s := condition(run(t, r, c), iotv1.ConditionStalled); s.Type != "" {
		t.Errorf("Stalled = %+v for a wait", s)
	}
}

// A resource that was Synced and then fails is announced: the comparison
// with the previous Synced must not see the condition already rewritten.
func TestAFailureAfterSuccessIsAnnounced(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	var fail error
	ext := &scripted{observe: func(Object) (Observation, error) { return Observation{Exists: true, UpToDate: true}, fail }}
	r, c, recorder := engine(t, p, ext)
	run(t, r, c)
	drain(recorder)
	fail = Wait(iotv1.ReasonDependentsExist, resync, "1 Device(s) still reference this Product")
	run(t, r, c)
	if e := drain(recorder); len(e) != 1 || !strings.HasPrefix(e[0], "Warning DependentsExist") {
		t.Errorf("events = %q, want one Warning DependentsExist", e)
	}
}
