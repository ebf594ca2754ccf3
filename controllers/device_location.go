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
	"github.com/kiot-dev/kiot/internal/device"
	"github.com/kiot-dev/kiot/internal/iot"
)

// distributeJobMovedIndex indexes DistributeJobs by the Device resources
// they moved (iotv1.DistributeJob.MovedDevices).
const distributeJobMovedIndex = "status.movedDevices"

// +kubebuilder:rbac:groups=iot.kiot.dev,resources=distributejobs,verbs=get;list;watch

// indexMovedDevices registers distributeJobMovedIndex.
func indexMovedDevices(mgr ctrl.Manager) error {
	return mgr.GetFieldIndexer().IndexField(context.Background(), &iotv1.DistributeJob{}, distributeJobMovedIndex,
		func(obj client.Object) []string { return obj.(*iotv1.DistributeJob).MovedDevices() })
}

// deviceLocator lets each Device learn where DistributeJobs sent it.
func deviceLocator(kube client.Reader, api *iot.Client) *device.Locator {
	return &device.Locator{API: api, Movers: func(ctx context.Context, namespace, name string) ([]iotv1.DistributeJob, error) {
		var jobs iotv1.DistributeJobList
		err := kube.List(ctx, &jobs, client.InNamespace(namespace), client.MatchingFields{distributeJobMovedIndex: name})
		return jobs.Items, err
	}}
}

// movedDevicesHandler wakes the Devices a DistributeJob has newly moved, so
// each records its own location.
var movedDevicesHandler = handler.Funcs{
	CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueueMoved(q, e.Object.(*iotv1.DistributeJob), nil)
	},
	UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueueMoved(q, e.ObjectNew.(*iotv1.DistributeJob), e.ObjectOld.(*iotv1.DistributeJob))
	},
}

// enqueueMoved adds the Devices after moved that before had not (or had
// by another job).
func enqueueMoved(q workqueue.TypedRateLimitingInterface[reconcile.Request], after, before *iotv1.DistributeJob) {
	was := map[string]string{}
	if before != nil {
		was = movers(before)
	}
	for name, jobID := range movers(after) {
		if was[name] != jobID {
			q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Namespace: after.Namespace, Name: name}})
		}
	}
}

// movers maps each Device resource the job moved to the JobId that moved it.
func movers(j *iotv1.DistributeJob) map[string]string {
	out := map[string]string{}
	for _, name := range j.MovedDevices() {
		out[name], _, _ = j.MovedBy(name)
	}
	return out
}
