package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/device"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// The registration journal lives in the operator's namespace only.
// +kubebuilder:rbac:groups="",namespace=kiot-system,resources=configmaps,verbs=get;list;create;update;delete

// newRegistration builds what every Device shares to register (a few
// through RegisterDevice, a backlog in batches): a Registrar (run by the manager, on the leader only) that journals each
// batch's ApplyId in a ConfigMap of the operator's namespace before
// registering it, and the Waiters its notices wake.
func newRegistration(mgr ctrl.Manager, opts Options, connector providerconfig.Connector) (*fleet.Registrar, *device.Waiters, error) {
	waiters := device.NewWaiters()
	registrar, err := fleet.NewRegistrar(fleet.RegistrarOptions{
		Journal: &fleet.ConfigMapJournal{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Namespace: opts.OperatorNamespace},
		// A batch resumed after a restart is the account's (Key.Account is
		// the ProviderConfig's name, see device.External.fleetKey) and
		// instance's it was checked in.
		ClientFor: func(key fleet.Key) (fleet.RegistrationAPI, error) {
			conn, err := providerconfig.ResolveForResume(context.Background(), mgr.GetAPIReader(), key.Account, connector.Getenv)
			if err != nil {
				return nil, err
			}
			conn.IotInstanceID = key.InstanceID
			return connector.Clients.New(conn)
		},
		Notify:       waiters.Wake,
		PollInterval: opts.RegistrationPoll,
		Linger:       opts.RegistrationLinger,
		MaxLinger:    opts.RegistrationMaxLinger,
		// A few names go straight to RegisterDevice, the rest to batches,
		// planned at the operator's share of RegisterDevice's quota.
		BatchEstimate: opts.RegistrationBatchEstimate,
		DirectQPS:     directQPS(opts.Clients.QuotaShare),
	})
	if err != nil {
		return nil, nil, err
	}
	if err := mgr.Add(registrar); err != nil {
		return nil, nil, err
	}
	return registrar, waiters, nil
}

// registrationWakeups is the source through which a finished registration
// wakes its Devices: it hands the controller's queue to the Waiters.
func registrationWakeups(waiters *device.Waiters) source.Source {
	return source.Func(func(_ context.Context, queue workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		waiters.SetWake(func(who types.NamespacedName) { queue.Add(reconcile.Request{NamespacedName: who}) })
		return nil
	})
}

// directQPS is the RegisterDevice rate the Registrar plans with: the share
// (0: the default) of its documented 30 QPS the clients pace it at.
func directQPS(share float64) float64 {
	qps, _ := aliyun.QuotaFor("RegisterDevice", 0)
	return qps * aliyun.EffectiveShare(share)
}
