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
	{"ProviderConfig", lister(func(l *iotv1.ProviderConfigList) []iotv1.ProviderConfig { return l.Items },
		func(o *iotv1.ProviderConfig) listed { return listed{conditions: o.Status.Conditions} })},
	{"Product", lister(func(l *iotv1.ProductList) []iotv1.Product { return l.Items },
		func(o *iotv1.Product) listed { return listed{conditions: o.Status.Conditions} })},
	{"Device", lister(func(l *iotv1.DeviceList) []iotv1.Device { return l.Items },
		func(o *iotv1.Device) listed { return listed{conditions: o.Status.Conditions, device: o} })},
	{"DeviceGroup", lister(func(l *iotv1.DeviceGroupList) []iotv1.DeviceGroup { return l.Items },
		func(o *iotv1.DeviceGroup) listed { return listed{conditions: o.Status.Conditions} })},
	{"DistributeJob", lister(func(l *iotv1.DistributeJobList) []iotv1.DistributeJob { return l.Items },
		func(o *iotv1.DistributeJob) listed { return listed{conditions: o.Status.Conditions, job: o} })},
}

// lister lists a kind from the cache (not copied) and takes what the
// collector needs of each item.
func lister[L any, PL interface {
	*L
	client.ObjectList
}, T any](items func(PL) []T, take func(*T) listed) func(context.Context, client.Reader) ([]listed, error) {
	return func(ctx context.Context, r client.Reader) ([]listed, error) {
		list := PL(new(L))
		err := r.List(ctx, list, noCopy)
		objs := items(list)
		out := make([]listed, 0, len(objs))
		for i := range objs {
			out = append(out, take(&objs[i]))
		}
		return out, err
	}
}

// KindNames are the kinds the collector reports, for the test that holds
// every place a kind must appear against the scheme.
func KindNames() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}
