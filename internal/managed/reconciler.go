package managed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// Kind describes one cloud-backed kind to the engine.
type Kind struct {
	// Name is the kind, for the Secret's owner-kind label ("Product").
	Name string
	// New returns an empty object of the kind.
	New func() Object
	// Connector builds the kind's External.
	Connector Connector
	// SecretName names the resource's connection Secret; nil for kinds that
	// write none.
	SecretName func(Object) string
	// FoundByName says the kind's Observe finds what Create made from the
	// spec alone (a Device by its product and name), so the identifiers
	// Create learned need no status write of their own: the reconcile's
	// final write records them, and a reconcile interrupted before it
	// adopts the same resource. A fleet saves one write per resource.
	FoundByName bool
	// QuickFirstReconcile says the kind's first reconcile makes no call of
	// its own to the platform before its status write (a Device asks the
	// shared Registrar and Observer, and is done in milliseconds), so the
	// Ready=False written on first sight goes out with that write instead
	// of a write of its own: one write fewer per resource of a fleet, and a
	// resource with no status for no longer than before under a backlog
	// (the first reconcile is what comes late, not its end).
	QuickFirstReconcile bool
	// FirstWait lets a new resource skip the status write of a wait it
	// expects to end soon: while it has no Ready condition yet, a reconcile
	// that ends waiting with Ready reason FirstWait.Reason writes nothing,
	// for up to FirstWait.For after Kiot first saw the resource (and looks
	// again then, unless woken sooner). A Device whose batch registration
	// answers in a second so goes from no status to Ready in one write, not
	// two. The CRDs' status default (observedGeneration 0) keeps kstatus
	// reading it InProgress and Argo CD's script Progressing meanwhile; a
	// wait that lasts longer is written, with its reason, when the time is
	// up. Zero For: every wait is written. It needs QuickFirstReconcile
	// (otherwise first sight was already written).
	FirstWait FirstWait
}

// FirstWait is Kind.FirstWait.
type FirstWait struct {
	Reason string
	For    time.Duration
}

// Reconciler is the engine. One instance serves one kind.
type Reconciler struct {
	Client client.Client
	// APIReader reads what the Client's cache does not hold: a Secret of
	// the resource's Secret name that lacks Kiot's labels (the cache holds
	// only labelled ones). Nil: Client.
	APIReader  client.Reader
	Recorder   events.EventRecorder
	Kind       Kind
	Classifier Classifier
	// ResyncPeriod is how often a resource is observed again to catch drift.
	ResyncPeriod time.Duration
	// ConflictRetry is how long to wait after a conflict (default 30s).
	ConflictRetry time.Duration
	// MinPollInterval is the floor of the poll-interval annotation
	// (0: MinPollInterval); the envtest suites lower it to stay quick.
	MinPollInterval time.Duration
	// Clock is the engine's time: when a resource was first seen, how long
	// its first wait has lasted, its time to first Ready (nil: the real
	// clock). Tests drive it with a fake.
	Clock clock.PassiveClock

	writes     writeTracker
	deletes    finishedDeletes
	firstReady firstReadyTracker
	clamps     clampReports
}

func (r *Reconciler) clock() clock.PassiveClock {
	if r.Clock == nil {
		return clock.RealClock{}
	}
	return r.Clock
}

// scope carries one reconcile's facts between the phases.
type scope struct {
	obj    Object
	before Object
	log    logr.Logger
}

// Reconcile runs the phases and writes status once, as a patch, when it
// changed.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	obj := r.Kind.New()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.firstReady.forget(req.NamespacedName)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if r.writes.stale(obj.GetUID(), obj.GetResourceVersion()) {
		return reconcile.Result{RequeueAfter: staleRetry}, nil
	}
	s := &scope{obj: obj, before: obj.DeepCopyObject().(Object), log: log.FromContext(ctx)}
	if err := r.markFirstSeen(ctx, s); err != nil {
		return reconcile.Result{}, err
	}
	result, err := r.reconcile(ctx, s)
	if wait, quiet := r.quietFirstWait(s, result, err); quiet {
		return reconcile.Result{RequeueAfter: wait}, nil
	}
	r.reportStalled(s)
	if patchErr := r.patchStatus(ctx, s); patchErr != nil {
		return reconcile.Result{}, patchErr
	}
	return result, err
}

func (r *Reconciler) reconcile(ctx context.Context, s *scope) (reconcile.Result, error) {
	if paused(s.obj) {
		setCondition(s.obj, iotv1.ConditionSynced, metav1.ConditionFalse, iotv1.ReasonReconcilePaused,
			"Reconciliation is paused by the "+iotv1.AnnotationPaused+" annotation")
		return reconcile.Result{}, nil
	}
	if token, ok := s.obj.GetAnnotations()[iotv1.AnnotationReconcileRequestedAt]; ok {
		s.obj.ManagedStatus().LastHandledReconcileAt = token
	}

	external, err := r.Kind.Connector.Connect(ctx, s.obj)
	if err != nil {
		return r.failed(ctx, s, err)
	}
	if !s.obj.GetDeletionTimestamp().IsZero() {
		return r.delete(ctx, s, external)
	}
	manage := s.obj.Managed().ManagementPolicy != iotv1.ManagementPolicyObserveOnly
	if manage && !controllerutil.ContainsFinalizer(s.obj, iotv1.Finalizer) {
		// The finalizer goes on before anything is created, so no cloud
		// resource can exist without Kiot being able to clean it up.
		if err := r.addFinalizer(ctx, s.obj); err != nil {
			return reconcile.Result{}, err
		}
	}

	obs, err := external.Observe(ctx, s.obj)
	if err != nil {
		return r.failed(ctx, s, err)
	}
	if !obs.Exists && !manage {
		setCondition(s.obj, iotv1.ConditionReady, metav1.ConditionFalse, iotv1.ReasonNotFound,
			"The cloud resource does not exist; managementPolicy ObserveOnly never creates it")
		return r.succeeded(s)
	}
	if !obs.Exists {
		if obs, err = r.create(ctx, s, external); err != nil {
			return r.failed(ctx, s, err)
		}
	}
	if !obs.UpToDate && manage {
		if obs, err = r.update(ctx, s, external, obs); err != nil {
			return r.failed(ctx, s, err)
		}
	}
	if obs.Secret != nil && r.Kind.SecretName != nil {
		if err := r.applySecret(ctx, s.obj, obs.Secret); err != nil {
			return r.failed(ctx, s, err)
		}
	}
	if obs.Readiness != nil {
		return r.succeededWith(s, *obs.Readiness)
	}
	setCondition(s.obj, iotv1.ConditionReady, metav1.ConditionTrue, iotv1.ReasonAvailable, "The cloud resource exists and matches the spec")
	return r.succeeded(s)
}

// succeededWith applies the kind's own verdict on Ready.
func (r *Reconciler) succeededWith(s *scope, readiness Readiness) (reconcile.Result, error) {
	status := metav1.ConditionFalse
	if readiness.Ready {
		status = metav1.ConditionTrue
	}
	setCondition(s.obj, iotv1.ConditionReady, status, readiness.Reason, readiness.Message)
	result, err := r.succeeded(s)
	if readiness.RecheckAfter > 0 && readiness.RecheckAfter < result.RequeueAfter {
		result.RequeueAfter = readiness.RecheckAfter
	}
	return result, err
}

// create makes the cloud resource, persists the identifiers Create recorded
// at once, and observes the result.
func (r *Reconciler) create(ctx context.Context, s *scope, external External) (Observation, error) {
	setCondition(s.obj, iotv1.ConditionReady, metav1.ConditionFalse, iotv1.ReasonCreating, "Creating the cloud resource")
	if err := r.recordIntent(ctx, s, external, Observation{}); err != nil {
		return Observation{}, err
	}
	if err := external.Create(ctx, s.obj); err != nil {
		return Observation{}, err
	}
	if !r.Kind.FoundByName {
		if err := r.patchStatus(ctx, s); err != nil {
			return Observation{}, err
		}
	}
	if reporter, ok := external.(CreationReporter); !ok || !reporter.CreationReported() {
		r.event(s.obj, corev1.EventTypeNormal, iotv1.EventCreated, "Create", "Created the cloud resource")
	}
	s.log.Info("Created the cloud resource")
	return external.Observe(ctx, s.obj)
}

// update brings the cloud resource to the spec and observes it again, so
// status reflects the result and an update the platform ignored is reported
// rather than repeated silently at every resync.
func (r *Reconciler) update(ctx context.Context, s *scope, external External, obs Observation) (Observation, error) {
	if err := r.recordIntent(ctx, s, external, obs); err != nil {
		return obs, err
	}
	if err := external.Update(ctx, s.obj, obs); err != nil {
		return obs, err
	}
	after, err := external.Observe(ctx, s.obj)
	if err != nil {
		return after, err
	}
	if !after.UpToDate {
		return after, fmt.Errorf("the cloud resource still differs from the spec after an update: %s", joinDrift(after.Drift))
	}
	message := updateMessage(s.before, obs.Drift)
	r.event(s.obj, corev1.EventTypeNormal, iotv1.EventUpdated, "Update", "%s", message)
	s.log.Info(message, "fields", obs.Drift)
	return after, nil
}

// delete honours the deletion and management policies, then releases the
// finalizer.
func (r *Reconciler) delete(ctx context.Context, s *scope, external External) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(s.obj, iotv1.Finalizer) {
		return reconcile.Result{}, nil
	}
	setCondition(s.obj, iotv1.ConditionReady, metav1.ConditionFalse, iotv1.ReasonDeleting, "Deleting")
	keep := s.obj.Managed().DeletionPolicy == iotv1.DeletionPolicyOrphan ||
		s.obj.Managed().ManagementPolicy == iotv1.ManagementPolicyObserveOnly
	switch {
	case r.deletes.finished(s.obj.GetUID()):
		// Dealt with by an earlier reconcile whose finalizer write failed.
	case keep:
		if err := r.releaseSecret(ctx, s.obj); err != nil {
			return r.failed(ctx, s, err)
		}
		r.event(s.obj, corev1.EventTypeNormal, iotv1.EventOrphaned, "Delete", "Left the cloud resource and its Secret in place")
	default:
		switch err := external.Delete(ctx, s.obj); {
		case errors.Is(err, ErrAlreadyGone):
			r.event(s.obj, corev1.EventTypeNormal, iotv1.EventAlreadyGone, "Delete", "Found no cloud resource to delete")
		case errors.Is(err, ErrNotOurs):
			r.event(s.obj, corev1.EventTypeWarning, iotv1.EventLeftAlone, "Delete", "%s", err.Error())
		case err != nil:
			return r.failed(ctx, s, err)
		default:
			r.event(s.obj, corev1.EventTypeNormal, iotv1.EventDeleted, "Delete", "Deleted the cloud resource")
		}
	}
	r.deletes.finish(s.obj.GetUID())
	s.log.Info("Releasing the finalizer", "orphaned", keep)
	return reconcile.Result{}, r.removeFinalizer(ctx, s.obj)
}

// succeeded marks the reconcile synced and schedules the next observation.
func (r *Reconciler) succeeded(s *scope) (reconcile.Result, error) {
	setCondition(s.obj, iotv1.ConditionSynced, metav1.ConditionTrue, iotv1.ReasonReconcileSuccess, "The last reconcile reached the API without error")
	s.obj.ManagedStatus().ObservedGeneration = s.obj.GetGeneration()
	r.reportClamp(s.obj)
	return reconcile.Result{RequeueAfter: r.pollInterval(s.obj)}, nil
}

// failed reports err in the conditions and answers it by its class: wait,
// stop until the spec changes, or back off.
func (r *Reconciler) failed(ctx context.Context, s *scope, err error) (reconcile.Result, error) {
	o := classify(err, r.Classifier, r.conflictRetry())
	if o.progress {
		setCondition(s.obj, iotv1.ConditionReady, metav1.ConditionFalse, o.reason, err.Error())
		_, _ = r.succeeded(s)
		return reconcile.Result{RequeueAfter: o.after}, nil
	}
	// A copy: setCondition rewrites the condition in place.
	var previous *metav1.Condition
	if c := findCondition(s.obj, iotv1.ConditionSynced); c != nil {
		previous = c.DeepCopy()
	}
	setCondition(s.obj, iotv1.ConditionSynced, metav1.ConditionFalse, o.reason, err.Error())
	if o.after > 0 || o.terminal {
		// A wait explains why the resource is not Ready yet; a refused
		// spec why it is not Ready as written.
		setCondition(s.obj, iotv1.ConditionReady, metav1.ConditionFalse, o.reason, err.Error())
	}
	if o.terminal {
		// Kiot has seen this generation and reached a verdict on it: kstatus
		// reads Stalled only once observedGeneration matches.
		s.obj.ManagedStatus().ObservedGeneration = s.obj.GetGeneration()
	}
	if previous == nil || previous.Reason != o.reason || previous.Message != BoundMessage(err.Error()) {
		r.event(s.obj, corev1.EventTypeWarning, o.reason, "Reconcile", "%s", err.Error())
		s.log.Info("Reconcile did not complete", "reason", o.reason, "error", err.Error())
	}
	switch {
	case o.after > 0:
		return reconcile.Result{RequeueAfter: o.after}, nil
	case o.terminal:
		// Wait for a spec change (which triggers a reconcile), but still
		// look again at the resync period in case the platform changed.
		return reconcile.Result{RequeueAfter: r.pollInterval(s.obj)}, nil
	default:
		return reconcile.Result{}, err
	}
}

func (r *Reconciler) conflictRetry() time.Duration {
	return cmp.Or(r.ConflictRetry, 30*time.Second)
}

// patchStatus writes status when it changed. The patch carries the status
// stanza alone: its base is the object as it is now with the status last
// written. A base taken from the snapshot at the start of the reconcile
// would also carry the metadata that changed since (the resourceVersion the
// finalizer write replaced), which the API server takes as a precondition:
// a delete arriving during a create would then refuse the write that
// records what the create made. The engine is the only writer of its
// kinds' status, so no precondition is needed.
func (r *Reconciler) patchStatus(ctx context.Context, s *scope) error {
	if statusEqual(s.before, s.obj) {
		return nil
	}
	replaced := s.obj.GetResourceVersion()
	if err := r.Client.Status().Patch(ctx, s.obj, client.MergeFrom(withStatusOf(s.obj, s.before))); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.writes.wrote(s.obj.GetUID(), replaced)
	r.firstReady.written(r.Kind.Name, s.obj, r.clock().Now())
	s.before = s.obj.DeepCopyObject().(Object)
	return nil
}

func (r *Reconciler) addFinalizer(ctx context.Context, obj Object) error {
	base := obj.DeepCopyObject().(Object)
	controllerutil.AddFinalizer(obj, iotv1.Finalizer)
	if err := r.Client.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return err
	}
	r.writes.wrote(obj.GetUID(), base.GetResourceVersion())
	return nil
}

func (r *Reconciler) removeFinalizer(ctx context.Context, obj Object) error {
	base := obj.DeepCopyObject().(Object)
	controllerutil.RemoveFinalizer(obj, iotv1.Finalizer)
	if err := r.Client.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
		return err
	}
	r.writes.forget(obj.GetUID())
	r.deletes.forget(obj.GetUID())
	r.firstReady.forget(client.ObjectKeyFromObject(obj))
	r.clamps.forget(obj.GetUID())
	return nil
}

// event emits an event whose note is bounded (BoundMessage).
func (r *Reconciler) event(obj Object, eventType, reason, action, note string, args ...any) {
	r.Recorder.Eventf(obj, nil, eventType, reason, action, "%s", BoundMessage(fmt.Sprintf(note, args...)))
}
