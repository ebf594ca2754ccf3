package controllers

import (
	"cmp"
	"context"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/device"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// productUsableChanged passes the Product changes its Devices act on: the
// key they register under (once the Product is Ready: a key recorded
// mid-creation is followed by Ready, and a Device woken between the two
// would only wait again, then be woken a second time), whether it is
// Ready, its deletion. A status write such as a new deviceCount would
// otherwise wake every Device of the Product, and each would observe the
// platform again.
var productUsableChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		before, after := e.ObjectOld.(*iotv1.Product), e.ObjectNew.(*iotv1.Product)
		readyBefore := apimeta.IsStatusConditionTrue(before.Status.Conditions, iotv1.ConditionReady)
		readyAfter := apimeta.IsStatusConditionTrue(after.Status.Conditions, iotv1.ConditionReady)
		return (readyAfter && before.Status.ProductKey != after.Status.ProductKey) ||
			readyBefore != readyAfter ||
			before.DeletionTimestamp.IsZero() != after.DeletionTimestamp.IsZero()
	},
}

// deviceProductIndex indexes Devices by the Product they reference.
const deviceProductIndex = "spec.productRef.name"

// +kubebuilder:rbac:groups=iot.kiot.dev,resources=devices,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=devices/status,verbs=get;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=devices/finalizers,verbs=update

// setupDevice registers the Device controller. A Device waits for its
// Product to be Ready, so a Product event wakes its Devices; a
// DistributeJob that moved Devices wakes them to record where they went.
func setupDevice(mgr ctrl.Manager, opts Options, connector providerconfig.Connector) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &iotv1.Device{}, deviceProductIndex,
		func(obj client.Object) []string {
			if ref := obj.(*iotv1.Device).Spec.ProductRef; ref != nil {
				return []string{ref.Name}
			}
			return nil
		}); err != nil {
		return err
	}
	if err := indexMovedDevices(mgr); err != nil {
		return err
	}
	// One Observer for every Device: a product's devices are listed 50 a
	// QueryDevice call and the listing answers each Device for up to a
	// resync period, so a resync sweep of N Devices costs ~N/50 calls.
	// One Registrar: the new Devices of a product register in batches of
	// up to 10,000 names.
	observer := fleet.NewObserver(fleet.ObserverOptions{MaxAge: opts.ResyncPeriod})
	registrar, waiters, err := newRegistration(mgr, opts, connector)
	if err != nil {
		return err
	}
	shared := device.NewFleet(observer, registrar, waiters)
	// A batch's new Devices are reported on their Product, an event per
	// window rather than one per Device.
	shared.CreatedEvents = device.NewCreatedEvents(mgr.GetEventRecorder("kiot-device"), clock.RealClock{}, device.CreatedEventsWindow)
	connector.External = func(conn providerconfig.Connection, api *iot.Client) managed.External {
		return &device.External{API: api, Region: conn.Region, IotInstanceID: conn.IotInstanceID, Kube: mgr.GetClient(),
			Locator: deviceLocator(mgr.GetClient(), api), Fleet: shared}
	}
	deviceOpts := opts
	deviceOpts.MaxConcurrentReconciles = cmp.Or(opts.DeviceWorkers, opts.MaxConcurrentReconciles)
	b, r := managedController(mgr, managed.Kind{
		Name:       "Device",
		New:        func() managed.Object { return &iotv1.Device{} },
		Connector:  &connector,
		SecretName: func(o managed.Object) string { return device.SecretName(o.(*iotv1.Device)) },
		// Observe adopts a device by its product and name.
		FoundByName: true,
		// Its first reconcile asks shared batches, no per-device call.
		QuickFirstReconcile: true,
		// A new Device's registration usually answers before it is worth
		// a status write of its own.
		FirstWait: managed.FirstWait{Reason: iotv1.ReasonRegistering, For: device.RegisteringQuietly},
	}, deviceOpts)
	devicesOfProduct := mapListed[iotv1.DeviceList](mgr.GetClient(), func(product client.Object) []client.ListOption {
		return []client.ListOption{client.InNamespace(product.GetNamespace()), client.MatchingFields{deviceProductIndex: product.GetName()}}
	})
	return b.Watches(&iotv1.Product{}, handler.EnqueueRequestsFromMapFunc(devicesOfProduct), builder.WithPredicates(productUsableChanged)).
		// A DistributeJob that moved the device: the Device records where
		// it went (status.location and the Secret's target keys).
		Watches(&iotv1.DistributeJob{}, movedDevicesHandler(mgr.GetClient())).
		// A ledger ConfigMap records devices a DistributeJob moved.
		Watches(&corev1.ConfigMap{}, ledgerMovesHandler).
		// A batch registration's result is in: its Devices record it.
		WatchesRawSource(registrationWakeups(waiters)).
		Complete(r)
}
