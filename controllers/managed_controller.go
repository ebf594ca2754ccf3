package controllers

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/managed"
)

// aliyunClassifier sorts platform errors with the client's code table.
type aliyunClassifier struct{}

func (aliyunClassifier) IsTerminal(err error) bool  { return aliyun.IsTerminal(err) }
func (aliyunClassifier) IsThrottled(err error) bool { return aliyun.IsThrottled(err) }
func (aliyunClassifier) IsConflict(err error) bool  { return aliyun.IsConflict(err) }

// FieldManager is the field manager of the controller of kind (e.g.
// "kiot-device").
func FieldManager(kind string) string { return "kiot-" + strings.ToLower(kind) }

// managedController starts the controller of one cloud-backed kind around
// the shared engine; the caller adds the kind's own watches and completes it
// with the returned reconciler.
func managedController(mgr ctrl.Manager, kind managed.Kind, opts Options) (*builder.Builder, *managed.Reconciler) {
	name := strings.ToLower(kind.Name)
	r := &managed.Reconciler{
		// Each controller writes under its own field manager, so
		// metadata.managedFields tells which one wrote what.
		Client:          client.WithFieldOwner(mgr.GetClient(), FieldManager(kind.Name)),
		Recorder:        mgr.GetEventRecorder("kiot-" + name),
		APIReader:       mgr.GetAPIReader(),
		Kind:            kind,
		Classifier:      aliyunClassifier{},
		ResyncPeriod:    opts.ResyncPeriod,
		ConflictRetry:   opts.ConflictRetry,
		MinPollInterval: opts.MinPollInterval,
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(name).
		// Spec changes and the control annotations (paused,
		// reconcile-requested-at, poll-interval) wake a resource; Kiot's
		// own status writes do not.
		For(kind.New(), builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		// A Secret deleted or edited by hand is restored at once; the
		// creation Kiot itself makes is no news.
		Owns(&corev1.Secret{}, builder.WithPredicates(predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }})).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles})
	return b, r
}
