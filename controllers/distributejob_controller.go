package controllers

import (
	"context"

	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/distribution"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// +kubebuilder:rbac:groups=iot.kiot.dev,resources=distributejobs,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=distributejobs/status,verbs=get;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=distributejobs/finalizers,verbs=update
// The device ledger (internal/distribution, ledger.go): ConfigMaps a job
// owns in its namespace, read by name and never deleted by Kiot (garbage
// collection deletes them with the job). The Device controller watches
// them (device_location.go).
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;create;update

// setupDistributeJob registers the DistributeJob controller. A job that has
// not started waits for its Product and Devices, and for a free job slot:
// a Product or Device event, or another job finishing, wakes it at once.
// A running job is polled by the engine (Readiness.RecheckAfter).
func setupDistributeJob(mgr ctrl.Manager, opts Options, connector providerconfig.Connector) error {
	timing := opts.DistributeTiming
	if timing.Retry == 0 {
		timing.Retry = opts.ConflictRetry
	}
	connector.External = func(conn providerconfig.Connection, api *iot.Client) managed.External {
		return &distribution.External{API: api, Kube: mgr.GetClient(),
			ConfigMaps: distribution.ConfigMaps{Reader: mgr.GetAPIReader(), Writer: mgr.GetClient()},
			Region:     conn.Region, IotInstanceID: conn.IotInstanceID, Timing: timing}
	}
	b, r := managedController(mgr, managed.Kind{
		Name:      "DistributeJob",
		New:       func() managed.Object { return &iotv1.DistributeJob{} },
		Connector: &connector,
	}, opts)
	jobs := &jobMapper{kube: mgr.GetClient()}
	return b.
		Watches(&iotv1.Product{}, handler.EnqueueRequestsFromMapFunc(jobs.unstartedInNamespace)).
		Watches(&iotv1.Device{}, handler.Funcs{
			CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				enqueue(q, jobs.unstartedInNamespace(ctx, e.Object))
			},
			UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				if membershipRelevantChange(e.ObjectOld.(*iotv1.Device), e.ObjectNew.(*iotv1.Device)) {
					enqueue(q, jobs.unstartedInNamespace(ctx, e.ObjectNew))
				}
			},
		}).
		Watches(&iotv1.DistributeJob{}, handler.Funcs{
			UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				before, after := e.ObjectOld.(*iotv1.DistributeJob), e.ObjectNew.(*iotv1.DistributeJob)
				if !before.Status.Phase.Finished() && after.Status.Phase.Finished() {
					enqueue(q, jobs.unstarted(ctx))
				}
			},
			DeleteFunc: func(ctx context.Context, _ event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				enqueue(q, jobs.unstarted(ctx))
			},
		}).
		Complete(r)
}

// jobMapper maps events to the DistributeJobs they may unblock.
type jobMapper struct {
	kube client.Reader
}

// unstartedInNamespace are the jobs of obj's namespace without a cloud job.
func (m *jobMapper) unstartedInNamespace(ctx context.Context, obj client.Object) []reconcile.Request {
	return m.list(ctx, client.InNamespace(obj.GetNamespace()))
}

// unstarted are the jobs of every namespace without a cloud job: a job
// finishing frees one of the account's 10 slots.
func (m *jobMapper) unstarted(ctx context.Context) []reconcile.Request {
	return m.list(ctx)
}

func (m *jobMapper) list(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	return listRequests[iotv1.DistributeJobList](ctx, m.kube, nil, func(obj client.Object) bool {
		return len(obj.(*iotv1.DistributeJob).Status.Jobs) == 0 && obj.GetDeletionTimestamp().IsZero()
	}, opts...)
}

// enqueue adds requests to a controller's queue.
func enqueue(q workqueue.TypedRateLimitingInterface[reconcile.Request], requests []reconcile.Request) {
	for _, r := range requests {
		q.Add(r)
	}
}
