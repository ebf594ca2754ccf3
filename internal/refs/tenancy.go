package refs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

// CheckProductKey enforces "devices follow their product": a resource of
// namespace may register, adopt, read, group or distribute devices only of
// a product its namespace may use. That is a product a Product resource of
// the namespace holds (its status.productKey, recorded only once the
// Product proved the product its own), or one the Namespace grants with
// the annotation iot.kiot.dev/granted-product-keys. Otherwise it answers a
// managed.Wait with reason ProductNotGranted, looked at again after retry.
func CheckProductKey(ctx context.Context, kube client.Reader, namespace, productKey string, retry time.Duration) error {
	var products iotv1.ProductList
	if err := kube.List(ctx, &products, client.InNamespace(namespace)); err != nil {
		return err
	}
	for _, p := range products.Items {
		// A Product whose ownership is not proven yet holds no key, and
		// an empty key is no product: it must not match it.
		if p.Status.ProductKey != "" && p.Status.ProductKey == productKey {
			return nil
		}
	}
	var ns corev1.Namespace
	// A namespace that cannot be found grants nothing.
	if err := kube.Get(ctx, client.ObjectKey{Name: namespace}, &ns); client.IgnoreNotFound(err) != nil {
		return err
	}
	if slices.Contains(GrantedProductKeys(&ns), productKey) {
		return nil
	}
	return managed.Wait(iotv1.ReasonProductNotGranted, retry,
		"product %s is not one namespace %s may use: no Product of the namespace holds it, and the namespace's annotation %s does not grant it",
		productKey, namespace, iotv1.AnnotationGrantedProductKeys)
}

// GrantedProductKeys are the ProductKeys a Namespace's annotation grants.
func GrantedProductKeys(ns *corev1.Namespace) []string {
	var keys []string
	for _, k := range strings.Split(ns.Annotations[iotv1.AnnotationGrantedProductKeys], ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// NotGranted reports whether err is CheckProductKey's refusal.
func NotGranted(err error) bool {
	var wait *managed.WaitError
	return errors.As(err, &wait) && wait.Reason == iotv1.ReasonProductNotGranted
}
