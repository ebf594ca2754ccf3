package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/product"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// +kubebuilder:rbac:groups=iot.kiot.dev,resources=products,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=products/status,verbs=get;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=products/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update

// setupProduct registers the Product controller. A Product being deleted
// waits for its Devices, so a Device event wakes its Product.
func setupProduct(mgr ctrl.Manager, opts Options, connector providerconfig.Connector) error {
	connector.External = func(conn providerconfig.Connection, api *iot.Client) managed.External {
		return &product.External{API: api, Region: conn.Region, Kube: mgr.GetClient(), DependentsRetry: opts.ConflictRetry}
	}
	b, r := managedController(mgr, managed.Kind{
		Name:       "Product",
		New:        func() managed.Object { return &iotv1.Product{} },
		Connector:  &connector,
		SecretName: func(o managed.Object) string { return product.SecretName(o.(*iotv1.Product)) },
	}, opts)
	return b.Watches(&iotv1.Device{}, handler.EnqueueRequestsFromMapFunc(productOfDevice)).Complete(r)
}

func productOfDevice(_ context.Context, obj client.Object) []reconcile.Request {
	d := obj.(*iotv1.Device)
	if d.Spec.ProductRef == nil {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ProductRef.Name}}}
}
