package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/hack/testbed"
)

// phases runs the measurements in order and stops at the first that does
// not finish; each records its results as it completes.
func (b *bench) phases(ctx context.Context, root string, cfg *rest.Config) error {
	n := b.o.devices
	b.logf("apiserver write floor: %d scratch Device creates, Secret creates, status writes, deletes", n)
	floor, err := measureWriteFloor(ctx, cfg, root, n, b.o.workers, b.o.finalizerPolicy)
	if err != nil {
		return fmt.Errorf("apiserver write floor: %w", err)
	}
	b.r.floor = &floor
	if b.tracker, err = startTracker(ctx, cfg); err != nil {
		return err
	}
	if err := b.createProducts(ctx); err != nil {
		return err
	}
	if b.o.finalizerPolicy {
		b.logf("installing the finalizer admission policy (config/admission)")
		if err := b.installFinalizerPolicy(ctx, root); err != nil {
			return err
		}
	}
	rollout := b.rollout
	if b.o.alone > 0 {
		rollout = b.aloneRollout
	}
	if err := rollout(ctx); err != nil {
		return err
	}
	b.r.rssAfterRollout = b.bed.Operator.PeakRSS()
	if err := b.resyncSweep(ctx); err != nil {
		return err
	}
	// Counted after the sweep, which creates nothing: the recorder sends
	// events in the background, and the rollout's last ones are in by now.
	if b.r.events, err = b.eventsByReason(ctx); err != nil {
		return err
	}
	if b.o.keep {
		b.r.deleteSkipped = true
		return nil
	}
	return b.deleteFleet(ctx)
}

// createProducts creates the Products and waits until each is Ready.
func (b *bench) createProducts(ctx context.Context) error {
	if err := b.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return err
	}
	b.logf("creating %d Product(s) and waiting until they are Ready", len(b.fleet.products))
	if _, err := parallel(ctx, b.o.workers, b.fleet.products, func(p *iotv1.Product) string { return p.Name },
		func(ctx context.Context, p *iotv1.Product) error { return b.client.Create(ctx, p.DeepCopy()) }); err != nil {
		return fmt.Errorf("creating the Products: %w", err)
	}
	b.keys = map[string]bool{}
	return b.wait(ctx, "Products Ready", func() (bool, string) {
		for _, p := range b.fleet.products {
			var got iotv1.Product
			if err := b.client.Get(ctx, client.ObjectKeyFromObject(p), &got); err != nil || !testbed.IsReady(got.Status.Conditions) {
				return false, fmt.Sprintf("%d of %d Ready", len(b.keys), len(b.fleet.products))
			}
			b.keys[got.Status.ProductKey] = true
		}
		return true, ""
	})
}

// rollout creates the Devices and waits until each is Ready with its Secret.
func (b *bench) rollout(ctx context.Context) error {
	n := b.o.devices
	before, requestsBefore := countersOf(b.bed.Sim), b.api.snapshot(ctx)
	b.logf("creating %d Devices with %d workers", n, b.o.workers)
	s, err := parallel(ctx, b.o.workers, b.fleet.devices, deviceName,
		func(ctx context.Context, d *iotv1.Device) error { return b.client.Create(ctx, d.DeepCopy()) })
	if err != nil {
		return fmt.Errorf("creating the Devices: %w", err)
	}
	b.r.createSpan = s.accepted()
	b.logf("created in %s; waiting until every Device is Ready with its Secret", s.total().Round(time.Millisecond))
	err = b.wait(ctx, "rollout", func() (bool, string) {
		ready, secrets, complete, _ := b.tracker.rollout()
		return complete == n, fmt.Sprintf("%d of %d Ready, %d Secrets, %d both", ready, n, secrets, complete)
	})
	b.r.rolloutCalls = since(before, countersOf(b.bed.Sim))
	b.r.rolloutRequests = requestsSince(requestsBefore, b.api.snapshot(ctx))
	if err != nil {
		return err
	}
	_, _, _, last := b.tracker.rollout()
	b.r.rollout = last.Sub(s.sent)
	return nil
}

// resyncSweep annotates every Device with a new reconcile-requested-at
// token and waits until every one reports it handled.
func (b *bench) resyncSweep(ctx context.Context) error {
	n := b.o.devices
	token := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	b.tracker.expect(token)
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, iotv1.AnnotationReconcileRequestedAt, token)
	before, requestsBefore := countersOf(b.bed.Sim), b.api.snapshot(ctx)
	b.logf("forced resync: annotating %d Devices with %s=%s", n, iotv1.AnnotationReconcileRequestedAt, token)
	s, err := parallel(ctx, b.o.workers, b.fleet.devices, deviceName, func(ctx context.Context, d *iotv1.Device) error {
		return b.client.Patch(ctx, d.DeepCopy(), client.RawPatch(types.MergePatchType, patch))
	})
	if err != nil {
		return fmt.Errorf("annotating the Devices: %w", err)
	}
	b.r.annotate = s.total()
	err = b.wait(ctx, "resync sweep", func() (bool, string) {
		handled, _ := b.tracker.sweep()
		return handled == n, fmt.Sprintf("%d of %d handled", handled, n)
	})
	b.r.sweepCalls = since(before, countersOf(b.bed.Sim))
	b.r.sweepRequests = requestsSince(requestsBefore, b.api.snapshot(ctx))
	if err != nil {
		return err
	}
	_, last := b.tracker.sweep()
	b.r.sweep = last.Sub(s.sent)
	return nil
}

// deleteFleet deletes the Devices and waits until they are gone from
// Kubernetes and from the simulator.
func (b *bench) deleteFleet(ctx context.Context) error {
	n := b.o.devices
	before, requestsBefore := countersOf(b.bed.Sim), b.api.snapshot(ctx)
	b.logf("deleting %d Devices", n)
	s, err := parallel(ctx, b.o.workers, b.fleet.devices, deviceName,
		func(ctx context.Context, d *iotv1.Device) error { return b.client.Delete(ctx, d.DeepCopy()) })
	if err != nil {
		return fmt.Errorf("deleting the Devices: %w", err)
	}
	var cloudGone time.Time
	err = b.wait(ctx, "deletion", func() (bool, string) {
		left, _ := b.tracker.remaining()
		if left > 0 {
			return false, fmt.Sprintf("%d of %d Devices left in Kubernetes", left, n)
		}
		// Only now ask the simulator: its snapshot copies the whole cloud
		// under the lock its API calls take.
		if inCloud := b.cloudDevices(); inCloud > 0 {
			return false, fmt.Sprintf("%d Devices left in the simulator", inCloud)
		}
		cloudGone = time.Now()
		return true, ""
	})
	b.r.deleteCalls = since(before, countersOf(b.bed.Sim))
	b.r.deleteRequests = requestsSince(requestsBefore, b.api.snapshot(ctx))
	if err != nil {
		return err
	}
	_, k8sGone := b.tracker.remaining()
	end := cloudGone
	if k8sGone.After(end) {
		end = k8sGone
	}
	b.r.del = end.Sub(s.sent)
	return nil
}

// cloudDevices counts the simulator's devices in the fleet's Products.
func (b *bench) cloudDevices() int {
	n := 0
	for _, d := range b.bed.Sim.Snapshot().Devices {
		if b.keys[d.ProductKey] {
			n++
		}
	}
	return n
}
