package controllers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// DefaultCredentialsRecheck is how often a ProviderConfig's credentials are
// read again to keep its Ready condition true to a rotated Secret.
const DefaultCredentialsRecheck = time.Minute

// ProviderConfigReconciler reports whether each ProviderConfig's credentials
// load. The reconcilers of the other kinds read credentials through a watch
// of each credentials Secret by name (providerconfig.SecretWatch), so
// rotating the Secret needs no restart and takes effect at the next cloud
// call; this controller only keeps the Ready condition true to it.
//
// It does not watch Secrets itself: credential Secrets are the users' own,
// carry no Kiot label, and may live in any namespace. It reads the Secret
// with SecretReader (the manager's API reader: no cache) when the
// ProviderConfig changes and every Options.CredentialsRecheck.
type ProviderConfigReconciler struct {
	client.Client
	// SecretReader reads credential Secrets, uncached.
	SecretReader client.Reader
	Recorder     events.EventRecorder
	Getenv       providerconfig.Getenv
	Options      Options
}

// +kubebuilder:rbac:groups=iot.kiot.dev,resources=providerconfigs,verbs=get;list;watch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=providerconfigs/status,verbs=get;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile sets the ProviderConfig's Ready condition from its credentials.
func (r *ProviderConfigReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var pc iotv1.ProviderConfig
	if err := r.Get(ctx, req.NamespacedName, &pc); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}

	ready := metav1.Condition{Type: iotv1.ConditionReady, ObservedGeneration: pc.Generation}
	_, err := providerconfig.LoadCredentials(ctx, r.SecretReader, &pc, r.Getenv)
	var credErr *providerconfig.CredentialsError
	endpointErr := providerconfig.CheckEndpoint(pc.Spec.Endpoint, r.Options.Clients.AllowCustomEndpoints)
	switch {
	case endpointErr != nil:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, iotv1.ReasonInvalidSpec, endpointErr.Error()
	case err == nil:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionTrue, iotv1.ReasonCredentialsAvailable, credentialsSourceText(&pc)
	case errors.As(err, &credErr):
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, credErr.Reason, credErr.Message
	default:
		// The API server could not be read: retry with backoff, keep the last status.
		return reconcile.Result{}, err
	}

	ready.Message = managed.BoundMessage(ready.Message)
	before := pc.DeepCopy()
	previous := apimeta.FindStatusCondition(pc.Status.Conditions, iotv1.ConditionReady)
	transitioned := previous == nil || previous.Status != ready.Status || previous.Reason != ready.Reason
	apimeta.SetStatusCondition(&pc.Status.Conditions, ready)
	// Synced as on every other kind: the last check reached what it reads
	// (a failure to read returns above and keeps the last status).
	apimeta.SetStatusCondition(&pc.Status.Conditions, metav1.Condition{Type: iotv1.ConditionSynced, Status: metav1.ConditionTrue,
		ObservedGeneration: pc.Generation, Reason: iotv1.ReasonReconcileSuccess, Message: "The credentials were checked"})
	pc.Status.ObservedGeneration = pc.Generation
	recheck := reconcile.Result{RequeueAfter: cmp.Or(r.Options.CredentialsRecheck, DefaultCredentialsRecheck)}
	if equality.Semantic.DeepEqual(before.Status, pc.Status) {
		return recheck, nil
	}
	if err := r.Status().Patch(ctx, &pc, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return reconcile.Result{}, err
	}
	if transitioned {
		eventType := corev1.EventTypeNormal
		if ready.Status != metav1.ConditionTrue {
			eventType = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(&pc, nil, eventType, ready.Reason, "CheckCredentials", "%s", ready.Message)
		log.FromContext(ctx).Info("ProviderConfig credentials checked", "ready", ready.Status, "reason", ready.Reason)
	}
	return recheck, nil
}

func credentialsSourceText(pc *iotv1.ProviderConfig) string {
	if pc.Spec.Credentials.Source == iotv1.CredentialsSourceEnvironment {
		return "Credentials loaded from the operator's environment"
	}
	ref := pc.Spec.Credentials.SecretRef
	return fmt.Sprintf("Credentials loaded from Secret %s/%s", ref.Namespace, ref.Name)
}

// SetupWithManager registers the controller.
func (r *ProviderConfigReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&iotv1.ProviderConfig{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Options.MaxConcurrentReconciles}).
		Complete(r)
}
