package controllers

import (
	"context"
	"maps"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
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
	connector.External = func(_ providerconfig.Connection, api *iot.Client) managed.External {
		return &group.External{API: api, Kube: mgr.GetClient(), Retry: opts.ConflictRetry}
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
	var groups iotv1.DeviceGroupList
	if err := m.kube.List(ctx, &groups, client.InNamespace(versions[0].GetNamespace())); err != nil {
		log.FromContext(ctx).Error(err, "Listing DeviceGroups for a Device", "device", client.ObjectKeyFromObject(versions[0]))
		return
	}
	for i := range groups.Items {
		g := &groups.Items[i]
		for _, v := range versions {
			if group.Selects(g, v.GetName(), v.GetLabels()) {
				q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(g)})
				break
			}
		}
	}
}

// relatives maps a group to its parent and its sub-groups.
func (m *groupMapper) relatives(ctx context.Context, obj client.Object) []reconcile.Request {
	g := obj.(*iotv1.DeviceGroup)
	var requests []reconcile.Request
	if g.Spec.ParentRef != nil {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: g.Namespace, Name: g.Spec.ParentRef.Name}})
	}
	var groups iotv1.DeviceGroupList
	if err := m.kube.List(ctx, &groups, client.InNamespace(g.Namespace)); err != nil {
		log.FromContext(ctx).Error(err, "Listing sub-groups", "group", client.ObjectKeyFromObject(g))
		return requests
	}
	for i := range groups.Items {
		if ref := groups.Items[i].Spec.ParentRef; ref != nil && ref.Name == g.Name {
			requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&groups.Items[i])})
		}
	}
	return requests
}
