package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/device"
	"github.com/kiot-dev/kiot/internal/distribution"
	"github.com/kiot-dev/kiot/internal/iot"
)

// A Device learns where DistributeJobs moved it from two places: the
// device ledger's ConfigMaps (every managed device of a job, however
// many), indexed by ledgerMovedIndex, and status.devices of jobs an
// earlier Kiot wrote (no ledger), indexed by distributeJobMovedIndex.
const (
	// distributeJobMovedIndex indexes DistributeJobs by the Device
	// resources their status.devices says they moved
	// (iotv1.DistributeJob.MovedDevices).
	distributeJobMovedIndex = "status.movedDevices"
	// ledgerMovedIndex indexes the ledger ConfigMaps by the Device
	// resources they record as distributed (distribution.LedgerMoves).
	ledgerMovedIndex = "ledger.movedDevices"
)

// +kubebuilder:rbac:groups=iot.kiot.dev,resources=distributejobs,verbs=get;list;watch
// The ledger ConfigMaps are cached (CacheOptions selects them by label).
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=list;watch

// indexMovedDevices registers distributeJobMovedIndex and ledgerMovedIndex.
func indexMovedDevices(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &iotv1.DistributeJob{}, distributeJobMovedIndex,
		func(obj client.Object) []string { return obj.(*iotv1.DistributeJob).MovedDevices() }); err != nil {
		return err
	}
	return mgr.GetFieldIndexer().IndexField(context.Background(), &corev1.ConfigMap{}, ledgerMovedIndex, ledgerMovedDevices)
}

// ledgerMovedDevices is the ledgerMovedIndex of a ConfigMap.
func ledgerMovedDevices(obj client.Object) []string {
	moves := distribution.LedgerMoves(obj.(*corev1.ConfigMap))
	names := make([]string, 0, len(moves))
	for name := range moves {
		names = append(names, name)
	}
	return names
}

// deviceLocator lets each Device learn where DistributeJobs sent it. It
// runs in every Device reconcile and only reads, so the cache's objects are
// not copied: a job of 10,000 devices is most of a megabyte.
func deviceLocator(kube client.Reader, api *iot.Client) *device.Locator {
	return &device.Locator{API: api, Movers: func(ctx context.Context, namespace, name string) ([]device.Move, error) {
		var moves []device.Move
		var jobs iotv1.DistributeJobList
		if err := kube.List(ctx, &jobs, client.InNamespace(namespace), client.MatchingFields{distributeJobMovedIndex: name}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		for i := range jobs.Items {
			if jobID, finished, ok := jobs.Items[i].MovedBy(name); ok {
				moves = append(moves, device.Move{DistributeJob: jobs.Items[i].Name, JobID: jobID, Finished: finished})
			}
		}
		var ledgers corev1.ConfigMapList
		if err := kube.List(ctx, &ledgers, client.InNamespace(namespace), client.MatchingFields{ledgerMovedIndex: name}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		for i := range ledgers.Items {
			cm := &ledgers.Items[i]
			ref, ok := distribution.LedgerOwner(cm)
			if !ok {
				continue
			}
			var j iotv1.DistributeJob
			if err := kube.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, &j, client.UnsafeDisableDeepCopy); err != nil {
				if client.IgnoreNotFound(err) != nil {
					return nil, err
				}
				continue // deleted: garbage collection deletes its ledger
			}
			if j.UID != ref.UID {
				continue // the ledger of an earlier job of that name
			}
			if jobID, finished, ok := j.CompletedRun(distribution.LedgerMoves(cm)[name]); ok {
				moves = append(moves, device.Move{DistributeJob: j.Name, JobID: jobID, Finished: finished})
			}
		}
		return moves, nil
	}}
}

// movedDevicesHandler wakes the Devices a DistributeJob has newly moved, so
// each records its own location: the ones its status.devices names, and,
// when a run completes, the ones its ledger records as moved by that run
// (read from the cache: the ledger ConfigMaps' own events, below, wake
// the Devices when the ledger changes after).
func movedDevicesHandler(kube client.Reader) handler.Funcs {
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			j := e.Object.(*iotv1.DistributeJob)
			enqueueMoved(q, j, nil)
			enqueueLedgerRuns(ctx, kube, q, j, nil)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			after, before := e.ObjectNew.(*iotv1.DistributeJob), e.ObjectOld.(*iotv1.DistributeJob)
			enqueueMoved(q, after, before)
			enqueueLedgerRuns(ctx, kube, q, after, before)
		},
	}
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

// enqueueLedgerRuns adds the Devices the job's ledger records as moved by
// a run that completed between before and after.
func enqueueLedgerRuns(ctx context.Context, kube client.Reader, q workqueue.TypedRateLimitingInterface[reconcile.Request], after, before *iotv1.DistributeJob) {
	completed := map[string]bool{}
	for _, run := range after.Status.Jobs {
		if _, _, ok := after.CompletedRun(run.JobID); ok {
			completed[run.JobID] = true
		}
	}
	if before != nil {
		for id := range completed {
			if _, _, ok := before.CompletedRun(id); ok {
				delete(completed, id)
			}
		}
	}
	if len(completed) == 0 {
		return
	}
	var ledgers corev1.ConfigMapList
	if err := kube.List(ctx, &ledgers, client.InNamespace(after.Namespace), client.MatchingLabels{iotv1.LabelOwnerUID: string(after.UID)}, client.UnsafeDisableDeepCopy); err != nil {
		// Only the cache answers here; its List fails for a misuse, not
		// a transient fault.
		log.FromContext(ctx).Error(err, "listing the device ledger of a DistributeJob", "distributeJob", after.Name)
		return
	}
	for i := range ledgers.Items {
		for name, jobID := range distribution.LedgerMoves(&ledgers.Items[i]) {
			if completed[jobID] {
				q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Namespace: after.Namespace, Name: name}})
			}
		}
	}
}

// ledgerMovesHandler wakes the Devices whose move a ledger ConfigMap
// records anew (or records by another run); each Device checks that the
// run has completed (deviceLocator).
var ledgerMovesHandler = handler.Funcs{
	CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueueLedgerMoves(q, e.Object.(*corev1.ConfigMap), nil)
	},
	UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		enqueueLedgerMoves(q, e.ObjectNew.(*corev1.ConfigMap), e.ObjectOld.(*corev1.ConfigMap))
	},
}

func enqueueLedgerMoves(q workqueue.TypedRateLimitingInterface[reconcile.Request], after, before *corev1.ConfigMap) {
	var was map[string]string
	if before != nil {
		was = distribution.LedgerMoves(before)
	}
	for name, jobID := range distribution.LedgerMoves(after) {
		if was[name] != jobID {
			q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Namespace: after.Namespace, Name: name}})
		}
	}
}
