package controllers

import (
	"cmp"
	"context"
	"time"

	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
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
// waits for its Devices, so a Device's deletion wakes its Product at once;
// other changes of its Devices wake it after opts.ProductRecount, so that a
// fleet rolled out together costs one observation of the Product per
// period (which refreshes status.deviceCount), not one per Device.
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
	return b.Watches(&iotv1.Device{}, productOfDeviceHandler(cmp.Or(opts.ProductRecount, DefaultProductRecount))).Complete(r)
}

// DefaultProductRecount is how long a Product waits after a change of one
// of its Devices before it counts them again on the platform.
const DefaultProductRecount = 30 * time.Second

// productOfDeviceHandler wakes a Device's Product: at once when the Device
// is deleted, after recount when it changes. The delaying queue keeps one
// entry per Product, so the changes of a whole fleet coalesce.
func productOfDeviceHandler(recount time.Duration) handler.EventHandler {
	enqueue := func(obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request], after time.Duration) {
		for _, req := range productOfDevice(context.Background(), obj) {
			if after > 0 {
				q.AddAfter(req, after)
			} else {
				q.Add(req)
			}
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q, recount)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.ObjectNew, q, recount)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q, 0)
		},
	}
}

func productOfDevice(_ context.Context, obj client.Object) []reconcile.Request {
	d := obj.(*iotv1.Device)
	if d.Spec.ProductRef == nil {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ProductRef.Name}}}
}
