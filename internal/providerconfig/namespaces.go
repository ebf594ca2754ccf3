package providerconfig

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

// NotAllowedRetry is how often a resource refused by a ProviderConfig's
// allowedNamespaces looks again: an administrator relabelling a namespace
// is rare, and editing the resource reconciles it at once.
const NotAllowedRetry = 5 * time.Minute

// checkNamespaceAllowed refuses a resource of a namespace that the
// ProviderConfig's allowedNamespaces does not select. Unset, every
// namespace may use it.
func checkNamespaceAllowed(ctx context.Context, reader client.Reader, pc *iotv1.ProviderConfig, namespace string) error {
	if pc.Spec.AllowedNamespaces == nil {
		return nil
	}
	selector, err := metav1.LabelSelectorAsSelector(pc.Spec.AllowedNamespaces)
	if err != nil {
		return managed.Wait(iotv1.ReasonProviderConfigNotAllowed, NotAllowedRetry,
			"ProviderConfig %q has an invalid spec.allowedNamespaces, so it allows no namespace: %v", pc.Name, err)
	}
	var ns corev1.Namespace
	if err := reader.Get(ctx, client.ObjectKey{Name: namespace}, &ns); err != nil {
		return fmt.Errorf("reading namespace %s to check ProviderConfig %q allows it: %w", namespace, pc.Name, err)
	}
	if !selector.Matches(labels.Set(ns.Labels)) {
		return managed.Wait(iotv1.ReasonProviderConfigNotAllowed, NotAllowedRetry,
			"ProviderConfig %q does not allow namespace %s: its spec.allowedNamespaces (%s) does not select it; ask the cluster's administrators, or name another ProviderConfig",
			pc.Name, namespace, selector.String())
	}
	return nil
}
