package managed

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// scripted is an External whose answers a test sets, counting its calls.
type scripted struct {
	observe func(Object) (Observation, error)
	create  func(Object) error
	// createCtx, when set, replaces create and sees the reconcile's context.
	createCtx func(context.Context, Object) error
	observes  int
	creates   int
	updates   int
	deleteErr error
	// client is the fake API server the reconcile runs against.
	client client.Client
}

func (s *scripted) Observe(_ context.Context, obj Object) (Observation, error) {
	s.observes++
	return s.observe(obj)
}

func (s *scripted) Create(ctx context.Context, obj Object) error {
	s.creates++
	if s.createCtx != nil {
		return s.createCtx(ctx, obj)
	}
	if s.create == nil {
		return nil
	}
	return s.create(obj)
}

func (s *scripted) Update(context.Context, Object, Observation) error { s.updates++; return nil }
func (s *scripted) Delete(context.Context, Object) error              { return s.deleteErr }

type connectorFunc func() External

func (f connectorFunc) Connect(context.Context, Object) (External, error) { return f(), nil }

const resync = 10 * time.Minute

// reconcileOnce runs one reconcile of a fresh Product against a fake API
// server and returns the result and the Product as written.
func reconcileOnce(t *testing.T, ext *scripted, mutate func(*iotv1.Product)) (reconcile.Result, error, *iotv1.Product) {
	t.Helper()
	result, err, p, _ := reconcileWithClient(t, ext, mutate)
	return result, err, p
}

// reconcileWithClient is reconcileOnce that also returns the fake API server.
func reconcileWithClient(t *testing.T, ext *scripted, mutate func(*iotv1.Product)) (reconcile.Result, error, *iotv1.Product, client.Client) {
	t.Helper()
	return reconcileProduct(t, ext, events.NewFakeRecorder(100), mutate)
}

// reconcileProduct runs one reconcile of a fresh Product through ext,
// recording events with recorder, and returns the Product as written and
// the fake API server.
func reconcileProduct(t *testing.T, ext External, recorder events.EventRecorder, mutate func(*iotv1.Product)) (reconcile.Result, error, *iotv1.Product, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}, Spec: iotv1.ProductSpec{ProductName: "Name_1"}}
	if mutate != nil {
		mutate(p)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
	// A scripted External's answers may read and write the same fake.
	if s, ok := ext.(*scripted); ok && s.client == nil {
		s.client = c
	}
	r := &Reconciler{
		Client:       c,
		Recorder:     recorder,
		Kind:         Kind{Name: "Product", New: func() Object { return &iotv1.Product{} }, Connector: connectorFunc(func() External { return ext })},
		ResyncPeriod: resync,
	}
	result, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)})
	written := &iotv1.Product{}
	if getErr := c.Get(context.Background(), client.ObjectKeyFromObject(p), written); getErr != nil {
		t.Fatal(getErr)
	}
	return result, err, written, c
}

func condition(p *iotv1.Product, conditionType string) metav1.Condition {
	if c := apimeta.FindStatusCondition(p.Status.Conditions, conditionType); c != nil {
		return *c
	}
	return metav1.Condition{}
}

func TestAKindsOwnReadinessDecidesReadyAndWhenToLookAgain(t *testing.T) {
	ext := &scripted{observe: func(Object) (Observation, error) {
		return Observation{Exists: true, UpToDate: true, Readiness: &Readiness{Ready: false, Reason: "Running", Message: "the job runs", RecheckAfter: 2 * time.Second}}, nil
	}}
	result, err, p := reconcileOnce(t, ext, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := condition(p, iotv1.ConditionReady); got.Status != metav1.ConditionFalse || got.Reason != "Running" || got.Message != "the job runs" {
		t.Errorf("Ready = %+v, want False/Running", got)
	}
	if got := condition(p, iotv1.ConditionSynced); got.Status != metav1.ConditionTrue {
		t.Errorf("Synced = %+v, want True: the reconcile itself succeeded", got)
	}
	if result.RequeueAfter != 2*time.Second {
		t.Errorf("RequeueAfter = %v, want the kind's 2s", result.RequeueAfter)
	}
	if p.Status.ObservedGeneration != 1 {
		t.Errorf("observedGeneration = %d, want 1", p.Status.ObservedGeneration)
	}
}

func TestWithoutReadinessAnUpToDateResourceIsReadyUntilTheResync(t *testing.T) {
	ext := &scripted{observe: func(Object) (Observation, error) { return Observation{Exists: true, UpToDate: true}, nil }}
	result, err, p := reconcileOnce(t, ext, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := condition(p, iotv1.ConditionReady); got.Status != metav1.ConditionTrue || got.Reason != iotv1.ReasonAvailable {
		t.Errorf("Ready = %+v, want True/Available", got)
	}
	if result.RequeueAfter < resync || result.RequeueAfter > resync+resync/10 {
		t.Errorf("RequeueAfter = %v, want the resync period with at most 10%% jitter", result.RequeueAfter)
	}
}

func TestCreateRecordsIdentifiersBehindAFinalizer(t *testing.T) {
	ext := &scripted{
		observe: func(obj Object) (Observation, error) {
			if obj.(*iotv1.Product).Status.ProductKey == "" {
				return Observation{}, nil
			}
			return Observation{Exists: true, UpToDate: true}, nil
		},
		create: func(obj Object) error { obj.(*iotv1.Product).Status.ProductKey = "a1Key"; return nil },
	}
	_, err, p := reconcileOnce(t, ext, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ext.creates != 1 || ext.observes != 2 {
		t.Errorf("creates = %d, observes = %d; want one create between two observations", ext.creates, ext.observes)
	}
	if p.Status.ProductKey != "a1Key" {
		t.Errorf("the identifier Create recorded was not written: %q", p.Status.ProductKey)
	}
	if len(p.Finalizers) != 1 || p.Finalizers[0] != iotv1.Finalizer {
		t.Errorf("finalizers = %v, want the Kiot finalizer", p.Finalizers)
	}
}

func TestErrorsAreAnsweredByClass(t *testing.T) {
	cases := []struct {
		name        string
		err         error
		wantReason  string
		wantAfter   time.Duration
		wantErr     bool
		readyFalsed bool
	}{
		{"a wait", Wait("ProductNotReady", 30*time.Second, "waiting for the Product"), "ProductNotReady", 30 * time.Second, false, true},
		{"a terminal error", Terminal(errors.New("refused")), iotv1.ReasonInvalidSpec, 0, false, true},
		{"anything else", errors.New("connection reset"), iotv1.ReasonReconcileError, 0, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ext := &scripted{observe: func(Object) (Observation, error) { return Observation{}, tc.err }}
			result, err, p := reconcileOnce(t, ext, nil)
			if (err != nil) != tc.wantErr {
				t.Errorf("returned error %v, want error: %v", err, tc.wantErr)
			}
			if got := condition(p, iotv1.ConditionSynced); got.Status != metav1.ConditionFalse || got.Reason != tc.wantReason {
				t.Errorf("Synced = %+v, want False/%s", got, tc.wantReason)
			}
			if tc.readyFalsed && condition(p, iotv1.ConditionReady).Reason != tc.wantReason {
				t.Errorf("a wait or a refusal explains itself in Ready too: %+v", condition(p, iotv1.ConditionReady))
			}
			if tc.wantAfter > 0 && result.RequeueAfter != tc.wantAfter {
				t.Errorf("RequeueAfter = %v, want %v", result.RequeueAfter, tc.wantAfter)
			}
			if ext.creates != 0 {
				t.Error("a failed observation must not lead to a create")
			}
			terminal := tc.wantReason == iotv1.ReasonInvalidSpec
			if got := p.Status.ObservedGeneration; terminal && got != 1 || !terminal && got != 0 {
				t.Errorf("observedGeneration = %d: it is stamped by a reconcile that reached a verdict (success, refusal), only", got)
			}
		})
	}
}

func TestPausedTouchesNothing(t *testing.T) {
	ext := &scripted{observe: func(Object) (Observation, error) { return Observation{}, nil }}
	result, err, p := reconcileOnce(t, ext, func(p *iotv1.Product) {
		p.Annotations = map[string]string{iotv1.AnnotationPaused: "true"}
	})
	if err != nil || result.RequeueAfter != 0 {
		t.Errorf("result = %+v, %v; want no requeue", result, err)
	}
	if ext.observes != 0 || ext.creates != 0 {
		t.Errorf("a paused resource was observed %d and created %d times", ext.observes, ext.creates)
	}
	if got := condition(p, iotv1.ConditionSynced); got.Reason != iotv1.ReasonReconcilePaused {
		t.Errorf("Synced = %+v, want ReconcilePaused", got)
	}
	if len(p.Finalizers) != 0 {
		t.Error("a paused resource got a finalizer")
	}
}

// A create whose object changes meanwhile (a delete arrives, a label is
// added) still records what it learned: the status write carries no stale
// resourceVersion, so it is not refused with a conflict.
func TestWhatCreateLearnedSurvivesAChangeOfTheObjectMeanwhile(t *testing.T) {
	ext := &scripted{observe: func(obj Object) (Observation, error) {
		p := obj.(*iotv1.Product)
		return Observation{Exists: p.Status.ProductKey != "", UpToDate: true}, nil
	}}
	ext.createCtx = func(ctx context.Context, obj Object) error {
		// Another writer changes the object while the create is in flight.
		var current iotv1.Product
		if err := ext.client.Get(ctx, client.ObjectKeyFromObject(obj), &current); err != nil {
			return err
		}
		current.Labels = map[string]string{"changed": "meanwhile"}
		if err := ext.client.Update(ctx, &current); err != nil {
			return err
		}
		obj.(*iotv1.Product).Status.ProductKey = "a1Created"
		return nil
	}
	_, err, p := reconcileOnce(t, ext, nil)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if p.Status.ProductKey != "a1Created" {
		t.Errorf("status.productKey = %q, want the key Create learned", p.Status.ProductKey)
	}
	if p.Labels["changed"] != "meanwhile" {
		t.Errorf("labels = %v: the other writer's change was lost", p.Labels)
	}
}

// A delete reports what happened in the cloud: "Deleted" only when Delete
// deleted something, "AlreadyGone" when it found nothing; the finalizer is
// released either way.
func TestDeleteReportsWhetherAnythingWasDeleted(t *testing.T) {
	for _, tc := range []struct {
		deleteErr error
		want      string
	}{
		{nil, "Deleted"},
		{ErrAlreadyGone, "AlreadyGone"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			scheme := runtime.NewScheme()
			if err := iotv1.AddToScheme(scheme); err != nil {
				t.Fatal(err)
			}
			now := metav1.Now()
			p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Finalizers: []string{iotv1.Finalizer}, DeletionTimestamp: &now}}
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
			recorder := events.NewFakeRecorder(10)
			r := &Reconciler{
				Client: c, Recorder: recorder, ResyncPeriod: resync,
				Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} },
					Connector: connectorFunc(func() External { return &scripted{deleteErr: tc.deleteErr} })},
			}
			if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}); err != nil {
				t.Fatal(err)
			}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), &iotv1.Product{}); !apierrors.IsNotFound(err) {
				t.Errorf("the Product is still there (%v): the finalizer was not released", err)
			}
			select {
			case e := <-recorder.Events:
				if !strings.Contains(e, tc.want) {
					t.Errorf("event %q, want reason %s", e, tc.want)
				}
			default:
				t.Errorf("no event, want %s", tc.want)
			}
		})
	}
}

// intending is a scripted External that notes an intent before its calls.
type intending struct {
	*scripted
	intents int
}

func (i *intending) RecordIntent(_ context.Context, obj Object, _ Observation) (bool, error) {
	i.intents++
	obj.(*iotv1.Product).Status.ProductKey = "intent-recorded"
	return true, nil
}

func TestTheEngineWritesAnIntentBeforeTheCallThatFollows(t *testing.T) {
	var persistedBeforeCreate string
	ext := &scripted{observe: func(Object) (Observation, error) { return Observation{}, nil }}
	ext.createCtx = func(ctx context.Context, obj Object) error {
		stored := &iotv1.Product{}
		if err := ext.client.Get(ctx, client.ObjectKeyFromObject(obj), stored); err != nil {
			return err
		}
		persistedBeforeCreate = stored.Status.ProductKey
		return errors.New("the process died before the create's answer")
	}
	withIntent := &intending{scripted: ext}
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
	ext.client = c
	r := &Reconciler{Client: c, Recorder: events.NewFakeRecorder(10), ResyncPeriod: resync,
		Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} }, Connector: connectorFunc(func() External { return withIntent })}}
	if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}); err == nil {
		t.Fatal("the failed create must be reported")
	}
	if withIntent.intents != 1 {
		t.Errorf("RecordIntent called %d times, want once before Create", withIntent.intents)
	}
	if persistedBeforeCreate != "intent-recorded" {
		t.Errorf("status stored when Create ran = %q, want the intent written before the call", persistedBeforeCreate)
	}
}

func TestWorkInProgressIsNotAFailure(t *testing.T) {
	recorder := events.NewFakeRecorder(10)
	ext := &scripted{
		observe: func(Object) (Observation, error) { return Observation{}, nil },
		create: func(Object) error {
			return InProgress("Registering", 45*time.Second, "registering in a batch")
		},
	}
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
	r := &Reconciler{Client: c, Recorder: recorder, ResyncPeriod: resync,
		Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} }, Connector: connectorFunc(func() External { return ext })}}
	result, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)})
	if err != nil {
		t.Fatal(err)
	}
	written := &iotv1.Product{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), written); err != nil {
		t.Fatal(err)
	}
	if got := condition(written, iotv1.ConditionReady); got.Status != metav1.ConditionFalse || got.Reason != "Registering" || got.Message != "registering in a batch" {
		t.Errorf("Ready = %+v, want False/Registering with the message", got)
	}
	if got := condition(written, iotv1.ConditionSynced); got.Status != metav1.ConditionTrue {
		t.Errorf("Synced = %+v, want True: nothing failed", got)
	}
	if result.RequeueAfter != 45*time.Second {
		t.Errorf("RequeueAfter = %v, want the 45s fallback", result.RequeueAfter)
	}
	for len(recorder.Events) > 0 {
		if e := <-recorder.Events; strings.Contains(e, "Warning") {
			t.Errorf("work in progress raised a Warning event: %s", e)
		}
	}
}

func TestAKindFoundByNameWritesWhatCreateLearnedOnceAtTheEnd(t *testing.T) {
	for _, foundByName := range []bool{false, true} {
		p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
		c, statusWrites := countingStatusWrites(t, p)
		ext := &scripted{
			observe: func(obj Object) (Observation, error) {
				return Observation{Exists: obj.(*iotv1.Product).Status.ProductKey != "", UpToDate: true}, nil
			},
			create: func(obj Object) error { obj.(*iotv1.Product).Status.ProductKey = "a1Key"; return nil },
		}
		r := &Reconciler{Client: c, Recorder: events.NewFakeRecorder(10), ResyncPeriod: resync,
			Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} }, FoundByName: foundByName,
				Connector: connectorFunc(func() External { return ext })}}
		if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}); err != nil {
			t.Fatal(err)
		}
		written := &iotv1.Product{}
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), written); err != nil {
			t.Fatal(err)
		}
		want := 3 // Ready=False on first sight, the identifiers at once, then the outcome
		if foundByName {
			want = 2
		}
		if *statusWrites != want || written.Status.ProductKey != "a1Key" {
			t.Errorf("FoundByName=%v: %d status writes with key %q, want %d with a1Key", foundByName, *statusWrites, written.Status.ProductKey, want)
		}
	}
}

func TestAFailedFinalizerReleaseDoesNotDeleteOrReportTwice(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Finalizers: []string{iotv1.Finalizer}, DeletionTimestamp: &now}}
	conflicts := 1 // the first finalizer write meets a newer version
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).
		WithInterceptorFuncs(interceptor.Funcs{Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			if conflicts > 0 {
				conflicts--
				return apierrors.NewConflict(iotv1.GroupVersion.WithResource("products").GroupResource(), obj.GetName(), errors.New("the object has been modified"))
			}
			return c.Patch(ctx, obj, patch, opts...)
		}}).Build()
	recorder := events.NewFakeRecorder(10)
	ext := &scripted{}
	r := &Reconciler{Client: c, Recorder: recorder, ResyncPeriod: resync,
		Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} },
			Connector: connectorFunc(func() External { return ext })}}
	req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}
	if _, err := r.Reconcile(context.Background(), req); !apierrors.IsConflict(err) {
		t.Fatalf("first reconcile: %v, want the conflict", err)
	}
	ext.deleteErr = ErrAlreadyGone // what a second DeleteDevice would find
	if _, err := r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(context.Background(), req.NamespacedName, &iotv1.Product{}); !apierrors.IsNotFound(err) {
		t.Errorf("the finalizer was not released: %v", err)
	}
	var reasons []string
	for len(recorder.Events) > 0 {
		reasons = append(reasons, <-recorder.Events)
	}
	if len(reasons) != 1 || !strings.Contains(reasons[0], "Deleted") {
		t.Errorf("events %q, want one Deleted", reasons)
	}
}

func TestAQuickFirstReconcileWritesReadyFalseWithItsOwnStatusWrite(t *testing.T) {
	for _, pausedAtBirth := range []bool{false, true} {
		p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
		if pausedAtBirth {
			p.Annotations = map[string]string{iotv1.AnnotationPaused: "true"}
		}
		c, statusWrites := countingStatusWrites(t, p)
		ext := &scripted{
			observe: func(Object) (Observation, error) { return Observation{}, nil },
			create:  func(Object) error { return InProgress("Registering", time.Minute, "in a batch") },
		}
		r := &Reconciler{Client: c, Recorder: events.NewFakeRecorder(10), ResyncPeriod: resync,
			Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} }, FoundByName: true, QuickFirstReconcile: true,
				Connector: connectorFunc(func() External { return ext })}}
		if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}); err != nil {
			t.Fatal(err)
		}
		written := &iotv1.Product{}
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), written); err != nil {
			t.Fatal(err)
		}
		wantReason := "Registering"
		if pausedAtBirth {
			wantReason = iotv1.ReasonReconcilePaused
		}
		if got := condition(written, iotv1.ConditionReady); *statusWrites != 1 || got.Status != metav1.ConditionFalse || got.Reason != wantReason {
			t.Errorf("paused at birth %v: %d status writes, Ready %+v; want one write with Ready=False/%s", pausedAtBirth, *statusWrites, got, wantReason)
		}
	}
}

// countingStatusWrites is a fake API server holding p that counts the
// status writes it takes.
func countingStatusWrites(t *testing.T, p *iotv1.Product) (client.Client, *int) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	writes := new(int)
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			*writes++
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		}}).Build()
	return c, writes
}
