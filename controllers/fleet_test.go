package controllers

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
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
})
