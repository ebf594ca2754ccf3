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
		return &product.External{API: api, Region: conn.Region, Kube: mgr.GetClient(), DependentsRetry: opts.ConflictRetry, ClusterID: opts.ClusterID}
	}
	b, r := managedController(mgr, managed.Kind{
		Name:       "Product",
		New:        func() managed.Object { return &iotv1.Product{} },
		Connector:  &connector,
		SecretName: func(o managed.Object) string { return product.SecretName(o.(*iotv1.Product)) },
	}, opts)
	return b.Watches(&iotv1.Device{}, productOfDeviceHandler(mgr.GetClient(), cmp.Or(opts.ProductRecount, DefaultProductRecount))).Complete(r)
}

// DefaultProductRecount is how long a Product waits after a change of one
// of its Devices before it counts them again on the platform.
const DefaultProductRecount = 30 * time.Second

// productOfDeviceHandler wakes a Device's Product after recount; the
// delaying queue keeps one entry per Product, so the changes of a whole
// fleet coalesce. A Product being deleted waits for its Devices to go, so
// their deletions wake it at once.
func productOfDeviceHandler(kube client.Reader, recount time.Duration) handler.EventHandler {
	enqueue := func(obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request], deleted bool) {
		for _, req := range productOfDevice(context.Background(), obj) {
			var p iotv1.Product
			if deleted && kube.Get(context.Background(), req.NamespacedName, &p) == nil && !p.DeletionTimestamp.IsZero() {
				q.Add(req)
				continue
			}
			q.AddAfter(req, recount)
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q, false)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.ObjectNew, q, false)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q, true)
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
