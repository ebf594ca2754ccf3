package controllers

import (
	"context"
	"fmt"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// listRequests is how a watch finds whom an event concerns: it lists L
// (from the manager's cache) with opts and returns a request for every
// listed object keep accepts (nil keeps all). A List that fails is logged,
// naming the object whose event was being mapped (cause, when there is
// one), and wakes nothing: the resync period catches up.
func listRequests[L any, PL interface {
	*L
	client.ObjectList
}](ctx context.Context, kube client.Reader, cause client.Object, keep func(client.Object) bool, opts ...client.ListOption) []reconcile.Request {
	list := PL(new(L))
	if err := kube.List(ctx, list, opts...); err != nil {
		l := log.FromContext(ctx)
		if cause != nil {
			l = l.WithValues("cause", fmt.Sprintf("%T %s", cause, client.ObjectKeyFromObject(cause)))
		}
		l.Error(err, "Listing to map a watched event", "list", fmt.Sprintf("%T", list))
		return nil
	}
	var requests []reconcile.Request
	_ = apimeta.EachListItem(list, func(item runtime.Object) error {
		if obj := item.(client.Object); keep == nil || keep(obj) {
			requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
		}
		return nil
	})
	return requests
}

// mapListed turns a List into a handler.MapFunc: an event on an object
// wakes every L that the options selectedBy(object) gives select.
func mapListed[L any, PL interface {
	*L
	client.ObjectList
}](kube client.Reader, selectedBy func(client.Object) []client.ListOption) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		return listRequests[L, PL](ctx, kube, obj, nil, selectedBy(obj)...)
	}
}
