package controllers

import (
	"context"
	"maps"
	"slices"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/group"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// +kubebuilder:rbac:groups=iot.kiot.dev,resources=devicegroups,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=devicegroups/status,verbs=get;patch
// +kubebuilder:rbac:groups=iot.kiot.dev,resources=devicegroups/finalizers,verbs=update

// setupDeviceGroup registers the DeviceGroup controller. Membership follows
// Devices without waiting for a resync: a Device created, deleted, relabelled
// or becoming Ready wakes the groups that select it, before and after the
// change. A group wakes its sub-groups (waiting for it to exist) and its
// parent (waiting for it to go).
func setupDeviceGroup(mgr ctrl.Manager, opts Options, connector providerconfig.Connector) error {
	memberships := group.NewMemberships(opts.ResyncPeriod, clock.RealClock{})
	connector.External = func(_ providerconfig.Connection, api *iot.Client) managed.External {
		return &group.External{API: api, Kube: mgr.GetClient(), Retry: opts.ConflictRetry, ClusterID: opts.ClusterID,
			Memberships: memberships}
	}
	b, r := managedController(mgr, managed.Kind{
		Name:      "DeviceGroup",
		New:       func() managed.Object { return &iotv1.DeviceGroup{} },
		Connector: &connector,
	}, opts)
	groups := &groupMapper{kube: mgr.GetClient()}
	return b.
		Watches(&iotv1.Device{}, handler.Funcs{
			CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				groups.enqueueSelecting(ctx, q, e.Object)
			},
			UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				if membershipRelevantChange(e.ObjectOld.(*iotv1.Device), e.ObjectNew.(*iotv1.Device)) {
					groups.enqueueSelecting(ctx, q, e.ObjectOld, e.ObjectNew)
				}
			},
			DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				groups.enqueueSelecting(ctx, q, e.Object)
			},
		}).
		Watches(&iotv1.DeviceGroup{}, handler.EnqueueRequestsFromMapFunc(groups.relatives)).
		Complete(r)
}

// membershipRelevantChange reports whether a Device update can change which
// groups it belongs to: its labels, its readiness, its platform identity.
func membershipRelevantChange(before, after *iotv1.Device) bool {
	return !maps.Equal(before.Labels, after.Labels) ||
		apimeta.IsStatusConditionTrue(before.Status.Conditions, iotv1.ConditionReady) != apimeta.IsStatusConditionTrue(after.Status.Conditions, iotv1.ConditionReady) ||
		before.Status.ProductKey != after.Status.ProductKey || before.Status.DeviceName != after.Status.DeviceName ||
		before.DeletionTimestamp.IsZero() != after.DeletionTimestamp.IsZero()
}

// groupMapper maps events to the DeviceGroups they concern.
type groupMapper struct {
	kube client.Reader
}

// enqueueSelecting enqueues every group of the Devices' namespace that
// selects any of the given versions of a Device.
func (m *groupMapper) enqueueSelecting(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request], versions ...client.Object) {
	enqueue(q, listRequests[iotv1.DeviceGroupList](ctx, m.kube, versions[0], func(obj client.Object) bool {
		return slices.ContainsFunc(versions, func(v client.Object) bool {
			return group.Selects(obj.(*iotv1.DeviceGroup), v.GetName(), v.GetLabels())
		})
	}, client.InNamespace(versions[0].GetNamespace())))
}

// relatives maps a group to its parent and its sub-groups.
func (m *groupMapper) relatives(ctx context.Context, obj client.Object) []reconcile.Request {
	g := obj.(*iotv1.DeviceGroup)
	var requests []reconcile.Request
	if g.Spec.ParentRef != nil {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: g.Namespace, Name: g.Spec.ParentRef.Name}})
	}
	return append(requests, listRequests[iotv1.DeviceGroupList](ctx, m.kube, g, func(obj client.Object) bool {
		ref := obj.(*iotv1.DeviceGroup).Spec.ParentRef
		return ref != nil && ref.Name == g.Name
	}, client.InNamespace(g.Namespace))...)
}
