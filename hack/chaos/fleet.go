package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// namespace holds the whole fleet.
const namespace = "chaos"

// The fleet: two products, devices split 60/40 between them, a group by
// label (every other device), a group by names (the first 40 meters and
// the first 10 lamps), and a DistributeJob of the first 20 lamps to
// Singapore. Every object is known in advance, so the invariants compare
// the platform with what was asked, not with what Kiot reported.
type fleet struct {
	products []*iotv1.Product
	devices  []*iotv1.Device
	groups   []*iotv1.DeviceGroup
	job      *iotv1.DistributeJob
	// productOf maps a Device to its Product resource.
	productOf map[string]*iotv1.Product
	// members maps a DeviceGroup to the Device resources it must hold.
	members map[string][]string
}

const (
	labelZone       = "chaos.kiot.dev/zone"
	labelDistribute = "chaos.kiot.dev/distribute"
	distributed     = 20
)

func newFleet(devices int) *fleet {
	lamp := product("chaos-lamp", "Chaos_lamp")
	meter := product("chaos-meter", "Chaos_meter")
	f := &fleet{products: []*iotv1.Product{lamp, meter}, productOf: map[string]*iotv1.Product{}, members: map[string][]string{}}
	lamps := devices * 6 / 10
	var named []string
	for i := range devices {
		p, name := lamp, fmt.Sprintf("lamp-%04d", i)
		if i >= lamps {
			p, name = meter, fmt.Sprintf("meter-%04d", i-lamps)
		}
		labels := map[string]string{}
		if i%2 == 0 {
			labels[labelZone] = "north"
			f.members["north"] = append(f.members["north"], name)
		}
		if p == lamp && i < distributed {
			labels[labelDistribute] = "yes"
		}
		if (p == lamp && i < 10) || (p == meter && i-lamps < 40) {
			named = append(named, name)
		}
		f.devices = append(f.devices, &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: labels},
			Spec:       iotv1.DeviceSpec{ProductRef: &iotv1.LocalReference{Name: p.Name}},
		})
		f.productOf[name] = p
	}
	f.members["named"] = named
	f.groups = []*iotv1.DeviceGroup{
		{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "north"},
			Spec: iotv1.DeviceGroupSpec{GroupName: "Chaos_north",
				DeviceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelZone: "north"}}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "named"},
			Spec:       iotv1.DeviceGroupSpec{GroupName: "Chaos_named", Devices: slices.Clone(named)},
		},
	}
	f.job = &iotv1.DistributeJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "lamps-to-singapore"},
		Spec: iotv1.DistributeJobSpec{
			ProductRef:     &iotv1.LocalReference{Name: lamp.Name},
			DeviceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelDistribute: "yes"}},
			Strategy:       iotv1.DistributeStrategyRegion,
			Targets:        []iotv1.DistributeTarget{{Region: "ap-southeast-1"}},
			TargetUID:      iotsim.DefaultUID,
		},
	}
	return f
}

func product(name, productName string) *iotv1.Product {
	return &iotv1.Product{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       iotv1.ProductSpec{ProductName: productName, NodeType: "Device", DataFormat: "AlinkJSON"},
	}
}

// objects lists the fleet in creation order: the first product, the groups,
// the devices, the second product, and the DistributeJob last, once every
// Device it selects exists (it resolves its selection once).
func (f *fleet) objects() [][]client.Object {
	var devices []client.Object
	for _, d := range f.devices {
		devices = append(devices, d)
	}
	return [][]client.Object{
		{f.products[0], f.groups[0], f.groups[1]},
		devices,
		{f.products[1]},
		{f.job},
	}
}

// create creates the fleet in waves, each wave by parallel workers, like
// a GitOps tool applying a directory. Transient API errors (an API server
// restarting) are retried until ctx ends.
func (f *fleet) create(ctx context.Context, c client.Client) error {
	if err := retry(ctx, func() error {
		err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}); err != nil {
		return err
	}
	for _, wave := range f.objects() {
		if err := parallel(ctx, wave, func(o client.Object) error {
			return retry(ctx, func() error {
				err := c.Create(ctx, o.DeepCopyObject().(client.Object))
				if apierrors.IsAlreadyExists(err) {
					return nil
				}
				return err
			})
		}); err != nil {
			return err
		}
	}
	return nil
}

// deleteAll deletes every Kiot object of the namespace, kind by kind.
func deleteAll(ctx context.Context, c client.Client) error {
	for _, o := range []client.Object{&iotv1.DistributeJob{}, &iotv1.DeviceGroup{}, &iotv1.Device{}, &iotv1.Product{}} {
		if err := retry(ctx, func() error { return c.DeleteAllOf(ctx, o, client.InNamespace(namespace)) }); err != nil {
			return err
		}
	}
	return nil
}

const workers = 16

func parallel(ctx context.Context, objs []client.Object, do func(client.Object) error) error {
	work := make(chan client.Object)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				if err := do(o); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("%s: %w", o.GetName(), err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, o := range objs {
		select {
		case work <- o:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// retry repeats do every 200ms while it fails for a reason that may pass
// (an API server restarting), until ctx ends.
func retry(ctx context.Context, do func() error) error {
	for {
		err := do()
		if err == nil || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
			return err // done, or refused for good
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
