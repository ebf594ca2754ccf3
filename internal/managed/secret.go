package managed

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// applySecret makes the resource's connection Secret hold exactly data: it
// creates it when missing (deleted by hand included), restores it when edited,
// and refuses to take over a Secret of that name that someone else owns.
func (r *Reconciler) applySecret(ctx context.Context, obj Object, data map[string][]byte) error {
	name := r.Kind.SecretName(obj)
	var secret corev1.Secret
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: name}, &secret)
	switch {
	case apierrors.IsNotFound(err):
		secret = corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: obj.GetNamespace(), Name: name}}
		r.shapeSecret(obj, &secret, data)
		if err := controllerutil.SetControllerReference(obj, &secret, r.Client.Scheme()); err != nil {
			return err
		}
		err := r.Client.Create(ctx, &secret)
		if !apierrors.IsAlreadyExists(err) {
			return err
		}
		// The cache holds only Secrets with Kiot's labels: this one has
		// none (someone else's, or ours with the labels edited away).
		secret = corev1.Secret{}
		if err := r.apiReader().Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: name}, &secret); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	before := secret.DeepCopy()
	if owner := metav1.GetControllerOf(&secret); owner == nil || owner.UID != obj.GetUID() {
		if !r.previouslyOurs(obj, &secret) {
			return Wait(iotv1.ReasonConflict, r.conflictRetry(),
				"Secret %s/%s exists and is not owned by this %s: delete or rename it so Kiot can write the credentials", secret.Namespace, name, r.Kind.Name)
		}
		// Take over the Secret of an earlier resource of this name.
		secret.OwnerReferences = slices.DeleteFunc(secret.OwnerReferences, func(ref metav1.OwnerReference) bool {
			return ref.Controller != nil && *ref.Controller
		})
		if err := controllerutil.SetControllerReference(obj, &secret, r.Client.Scheme()); err != nil {
			return err
		}
	}
	r.shapeSecret(obj, &secret, data)
	if equality.Semantic.DeepEqual(before, &secret) {
		return nil
	}
	return r.Client.Update(ctx, &secret)
}

// previouslyOurs reports whether a Secret Kiot does not own through obj was
// written for an earlier resource of the same kind, name and namespace: its
// controller is such a resource (deleted, and not yet garbage collected),
// or it has no controller and Kiot's labels for this kind and name (left by
// deletionPolicy Orphan). Such a resource cannot coexist with obj, so
// taking the Secret over loses nothing.
func (r *Reconciler) previouslyOurs(obj Object, secret *corev1.Secret) bool {
	if owner := metav1.GetControllerOf(secret); owner != nil {
		return owner.Kind == r.Kind.Name && owner.Name == obj.GetName() &&
			owner.APIVersion == iotv1.GroupVersion.String()
	}
	return secret.Labels[iotv1.LabelOwnerKind] == r.Kind.Name && secret.Labels[iotv1.LabelOwnerName] == obj.GetName()
}

// shapeSecret sets what Kiot owns of the Secret: type, labels, data.
func (r *Reconciler) shapeSecret(obj Object, secret *corev1.Secret, data map[string][]byte) {
	secret.Type = corev1.SecretTypeOpaque
	if secret.Labels == nil {
		secret.Labels = map[string]string{}
	}
	secret.Labels[iotv1.LabelOwnerKind] = r.Kind.Name
	secret.Labels[iotv1.LabelOwnerName] = obj.GetName()
	secret.Data = data
	secret.StringData = nil
}

// releaseSecret drops the resource's ownership of its Secret so that the
// garbage collector keeps it: an orphaned device still needs its credentials.
func (r *Reconciler) releaseSecret(ctx context.Context, obj Object) error {
	if r.Kind.SecretName == nil {
		return nil
	}
	// Uncached: a Secret whose labels were edited away is not in the cache,
	// and the garbage collector would still delete it with the resource.
	var secret corev1.Secret
	err := r.apiReader().Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: r.Kind.SecretName(obj)}, &secret)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	kept := secret.OwnerReferences[:0]
	for _, ref := range secret.OwnerReferences {
		if ref.UID != obj.GetUID() {
			kept = append(kept, ref)
		}
	}
	if len(kept) == len(secret.OwnerReferences) {
		return nil
	}
	secret.OwnerReferences = kept
	if err := r.Client.Update(ctx, &secret); err != nil {
		return fmt.Errorf("releasing Secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	return nil
}

func (r *Reconciler) apiReader() client.Reader {
	if r.APIReader != nil {
		return r.APIReader
	}
	return r.Client
}
