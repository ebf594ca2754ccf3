package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

var _ = Describe("A fleet under one Product", func() {
	ctx := context.Background()

	It("counts its Devices without observing the Product once per Device", func() {
		const fleet = 30
		p := readyProductNamed(unique("Fleet_"))
		productReads := sim.Calls("QueryProduct")
		devices := make([]*iotv1.Device, fleet)
		for i := range devices {
			devices[i] = newDevice(fmt.Sprintf("%s-%02d", p.Name, i), p.Name)
			Expect(k8sClient.Create(ctx, devices[i])).To(Succeed())
		}
		for _, d := range devices {
			readyDevice(d)
		}
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
			g.Expect(p.Status.DeviceCount).To(BeEquivalentTo(fleet))
		}).Should(Succeed())
		// One observation per recount period while the fleet changes, where
		// each Device's change used to cost one (and each of those woke
		// every Device again).
		// (Each Device's change cost one observation before: about 40 here.)
		Expect(sim.Calls("QueryProduct")-productReads).To(BeNumerically("<=", fleet/2),
			"QueryProduct calls while %d Devices were created", fleet)

		for _, d := range devices {
			Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		}
		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
	})

	It("registers 200 Devices in a few batch calls, and resyncs them with a few more", func() {
		const fleet = fleetSpecDevices
		// The fleet is applied with its Product (as one kubectl apply of
		// both would): the Devices wait for it, then register together.
		p := newProduct(unique("Batch_"))
		registration := []string{"RegisterDevice", "BatchCheckDeviceNames", "QueryBatchRegisterDeviceStatus",
			"BatchRegisterDeviceWithApplyId", "QueryPageByApplyId"}
		before := callsOf(registration...)
		devices := make([]*iotv1.Device, fleet)
		for i := range devices {
			devices[i] = newDevice(fmt.Sprintf("%s-%03d", p.Name, i), p.Name)
			devices[i].Spec.Nickname = fmt.Sprintf("unit_%03d", i)
		}
		createAll(devices)
		// Each waits for its Product, as the operator's cache shows: the
		// Product's Ready then wakes 200 reconciles that read up-to-date
		// Devices (one that read a Device older than Kiot's own last write
		// would wait for the cache instead, and join a later batch on a
		// busy machine).
		for _, d := range devices {
			Eventually(func(g Gomega) {
				var cached iotv1.Device
				g.Expect(mgrClient.Get(ctx, client.ObjectKeyFromObject(d), &cached)).To(Succeed())
				g.Expect(readyReason(&cached)).To(Equal(iotv1.ReasonProductNotReady))
			}).Should(Succeed())
		}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		for _, d := range devices {
			readyDevice(d)
			secret := &corev1.Secret{}
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Name + "-device"}, secret)).To(Succeed())
			Expect(secret.Data).To(HaveKeyWithValue("deviceSecret", Not(BeEmpty())))
		}
		// One batch: a check, a register, its status polls and the pages of
		// its results (8 calls seen); a second batch would be five more. The 200
		// are woken together by their Product turning Ready, so they make
		// one batch unless the operator stalls for longer than the
		// Registrar's linger (500 ms in the suite, which also lets a batch
		// gather for up to 5 s while names keep coming: a busy machine
		// reconciles them at about 50 a second). Beside it, the first few
		// go straight to RegisterDevice: as many as it clears (30 QPS) in
		// the expected batch duration and the linger, learned from the
		// batches seen (100 ms of simulator phases here, observed through
		// polls that double from 100 ms, plus this machine's load: up to
		// about 1.5 s, and 30 × (1.5 + 0.5) s is 60 names; 53 were seen on
		// a busy run), so at most a third of the fleet.
		after := callsOf(registration...)
		direct := after["RegisterDevice"] - before["RegisterDevice"]
		Expect(total(after)-total(before)-direct).To(BeNumerically("<=", 10), "batch registration calls for %d Devices (before %v, after %v)", fleet, before, after)
		Expect(direct).To(BeNumerically("<=", fleet/3), "Devices registered alone (before %v, after %v)", before, after)
		for _, d := range devices {
			Expect(simDeviceNamed(p.Status.ProductKey, d.Name).Nickname).To(Equal(d.Spec.Nickname), "the nickname was registered with the device")
		}
		// The batch is reported on the Product, not by 200 events of the
		// Devices' own.
		Eventually(func(g Gomega) {
			created := 0
			for _, e := range managedEvents(g, "Product", p.Name) {
				if e.Reason == iotv1.EventDevicesCreated {
					var n int
					_, err := fmt.Sscanf(e.Note, "Created %d device", &n)
					g.Expect(err).NotTo(HaveOccurred(), "event note %q", e.Note)
					created += n
				}
			}
			g.Expect(created).To(Equal(fleet), "devices the Product's %s events report", iotv1.EventDevicesCreated)
		}).Should(Succeed())
		var all eventsv1.EventList
		Expect(k8sClient.List(ctx, &all, client.InNamespace(p.Namespace))).To(Succeed())
		for _, e := range all.Items {
			if e.Regarding.Kind == "Device" && strings.HasPrefix(e.Regarding.Name, p.Name) {
				Expect(e.Reason).NotTo(Equal("Created"), "Device %s recorded its own Created event", e.Regarding.Name)
			}
		}
		// No batch is left in the journal once every result is stored.
		Eventually(func(g Gomega) {
			var journal corev1.ConfigMapList
			g.Expect(k8sClient.List(ctx, &journal, client.InNamespace(operatorNamespace))).To(Succeed())
			g.Expect(journal.Items).To(BeEmpty())
		}).Should(Succeed())

		// A forced resync: every Device reads its device afresh.
		// The reads a forced resync makes: every Device asks for its device
		// afresh. (QueryDevice is left out: the page-through of a product
		// is what a periodic resync costs, and other specs' products page
		// on the suite's 1-minute period meanwhile, into the same counters.)
		reads := []string{"BatchQueryDeviceDetail", "QueryDeviceDetail", "QueryDeviceInfo", "QueryDeviceProp"}
		before = callsOf(reads...)
		token := unique("sweep")
		inParallel(devices, func(d *iotv1.Device) error {
			patch := client.MergeFrom(d.DeepCopy())
			d.SetAnnotations(map[string]string{iotv1.AnnotationReconcileRequestedAt: token})
			return k8sClient.Patch(ctx, d, patch)
		})
		for _, d := range devices {
			Eventually(func(g Gomega) {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
				g.Expect(d.Status.LastHandledReconcileAt).To(Equal(token))
			}).Should(Succeed())
		}
		after = callsOf(reads...)
		// Each read carries every name that came while the one before it
		// ran, and reads are paced by BatchQueryDeviceDetail's 5 QPS: the
		// number of calls follows how long the reconciles take to arrive
		// (7-8 on a quiet 2-core machine, 12-19 with four busy loops beside
		// it). One read per Device would be 200.
		Expect(total(after)-total(before)).To(BeNumerically("<=", fleet/10), "read calls of a resync of %d Devices (before %v, after %v)", fleet, before, after)

		for _, d := range devices {
			Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		}
		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
	})

	It("registers a lone Device with one RegisterDevice, without any batch call", func() {
		p := readyProductNamed(unique("Lone_"))
		batch := []string{"BatchCheckDeviceNames", "QueryBatchRegisterDeviceStatus", "BatchRegisterDeviceWithApplyId", "QueryPageByApplyId"}
		before := callsOf(append(batch, "RegisterDevice")...)
		d := newDevice(p.Name+"-lone", p.Name)
		d.Spec.Nickname = "lone_unit"
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		readyDevice(d)
		secret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Name + "-device"}, secret)).To(Succeed())
		Expect(string(secret.Data["deviceSecret"])).To(Equal(simDeviceNamed(p.Status.ProductKey, d.Name).DeviceSecret))
		Expect(simDeviceNamed(p.Status.ProductKey, d.Name).Nickname).To(Equal("lone_unit"))
		after := callsOf(append(batch, "RegisterDevice")...)
		Expect(after["RegisterDevice"]-before["RegisterDevice"]).To(BeEquivalentTo(1), "RegisterDevice calls")
		for _, a := range batch {
			Expect(after[a]).To(Equal(before[a]), "%s calls for a lone Device", a)
		}
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
	})
})

// readyReason is the reason of d's Ready condition, if any.
func readyReason(d *iotv1.Device) string {
	if c := apimeta.FindStatusCondition(d.Status.Conditions, iotv1.ConditionReady); c != nil {
		return c.Reason
	}
	return ""
}

// callsOf counts the simulator's calls of each action so far.
func callsOf(actions ...string) map[string]int64 {
	out := map[string]int64{}
	for _, a := range actions {
		out[a] = sim.Calls(a)
	}
	return out
}

func total(calls map[string]int64) int64 {
	var n int64
	for _, c := range calls {
		n += c
	}
	return n
}

// simDeviceNamed returns the simulator's device of that product and name.
func simDeviceNamed(productKey, name string) iotsim.Device {
	GinkgoHelper()
	for _, d := range sim.Snapshot().Devices {
		if d.ProductKey == productKey && d.DeviceName == name {
			return d
		}
	}
	Fail(fmt.Sprintf("the simulator has no device %s/%s", productKey, name))
	return iotsim.Device{}
}

// createAll creates the Devices from a few parallel clients.
func createAll(devices []*iotv1.Device) {
	GinkgoHelper()
	inParallel(devices, func(d *iotv1.Device) error { return k8sClient.Create(context.Background(), d) })
}

// inParallel runs write on every Device from 8 parallel clients, as a
// fleet's manifests are applied.
func inParallel(devices []*iotv1.Device, write func(*iotv1.Device) error) {
	GinkgoHelper()
	var wg sync.WaitGroup
	errs := make(chan error, len(devices))
	for part := range slices.Chunk(devices, (len(devices)+7)/8) {
		wg.Go(func() {
			for _, d := range part {
				errs <- write(d)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		Expect(err).NotTo(HaveOccurred())
	}
}
