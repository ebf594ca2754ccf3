package kiotmetrics

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// listed is what the collector needs of one object.
type listed struct {
	conditions []metav1.Condition
	device     *iotv1.Device
	job        *iotv1.DistributeJob
}

// kind lists one Kiot kind. The cache's objects are read, never changed,
// so they are not copied (a fleet of 10,000 Devices would be copied at
// every scrape).
type kind struct {
	name string
	list func(context.Context, client.Reader) ([]listed, error)
}

var noCopy = client.UnsafeDisableDeepCopy

var kinds = []kind{
	{"ProviderConfig", func(ctx context.Context, r client.Reader) ([]listed, error) {
		var l iotv1.ProviderConfigList
		err := r.List(ctx, &l, noCopy)
		out := make([]listed, 0, len(l.Items))
		for i := range l.Items {
			out = append(out, listed{conditions: l.Items[i].Status.Conditions})
		}
		return out, err
	}},
	{"Product", func(ctx context.Context, r client.Reader) ([]listed, error) {
		var l iotv1.ProductList
		err := r.List(ctx, &l, noCopy)
		out := make([]listed, 0, len(l.Items))
		for i := range l.Items {
			out = append(out, listed{conditions: l.Items[i].Status.Conditions})
		}
		return out, err
	}},
	{"Device", func(ctx context.Context, r client.Reader) ([]listed, error) {
		var l iotv1.DeviceList
		err := r.List(ctx, &l, noCopy)
		out := make([]listed, 0, len(l.Items))
		for i := range l.Items {
			out = append(out, listed{conditions: l.Items[i].Status.Conditions, device: &l.Items[i]})
		}
		return out, err
	}},
	{"DeviceGroup", func(ctx context.Context, r client.Reader) ([]listed, error) {
		var l iotv1.DeviceGroupList
		err := r.List(ctx, &l, noCopy)
		out := make([]listed, 0, len(l.Items))
		for i := range l.Items {
			out = append(out, listed{conditions: l.Items[i].Status.Conditions})
		}
		return out, err
	}},
	{"DistributeJob", func(ctx context.Context, r client.Reader) ([]listed, error) {
		var l iotv1.DistributeJobList
		err := r.List(ctx, &l, noCopy)
		out := make([]listed, 0, len(l.Items))
		for i := range l.Items {
			out = append(out, listed{conditions: l.Items[i].Status.Conditions, job: &l.Items[i]})
		}
		return out, err
	}},
}
