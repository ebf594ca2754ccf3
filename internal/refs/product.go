// Package refs resolves the references one kind's resource makes to
// another's (a Device or a DistributeJob naming its Product), so that no
// kind's package imports another's.
package refs

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

// ReadyProductKey is the ProductKey of the Product resource namespace/name
// once it is Ready. Until then it answers a managed.Wait with reason
// ProductNotReady, to be looked at again after retry (the Product's own
// events usually wake the waiting resource sooner).
func ReadyProductKey(ctx context.Context, kube client.Reader, namespace, name string, retry time.Duration) (string, error) {
	p, err := ReadyProduct(ctx, kube, namespace, name, retry)
	if err != nil {
		return "", err
	}
	return p.Status.ProductKey, nil
}

// ReadyProduct is ReadyProductKey's Product, for a caller that also
// refers to it (an event regarding it, say).
func ReadyProduct(ctx context.Context, kube client.Reader, namespace, name string, retry time.Duration) (*iotv1.Product, error) {
	var p iotv1.Product
	err := kube.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &p)
	if apierrors.IsNotFound(err) {
		return nil, managed.Wait(iotv1.ReasonProductNotReady, retry,
			"Product %s/%s does not exist: create it, or name an existing product with spec.productKey", namespace, name)
	}
	if err != nil {
		return nil, err
	}
	if !apimeta.IsStatusConditionTrue(p.Status.Conditions, iotv1.ConditionReady) || p.Status.ProductKey == "" {
		return nil, managed.Wait(iotv1.ReasonProductNotReady, retry, "waiting for Product %s/%s to be Ready", namespace, name)
	}
	return &p, nil
}
