package controllers

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// The fields of an object's main resource (not its status) that a writer
// other than the Device's author set: Kiot's finalizer write shows here.
func mainResourceWriters(d *iotv1.Device, author string) []string {
	var others []string
	for _, mf := range d.ManagedFields {
		if mf.Subresource == "" && mf.Manager != author {
			others = append(others, mf.Manager)
		}
	}
	return others
}

var _ = Describe("The optional finalizer admission policy (config/admission)", Ordered, func() {
	ctx := context.Background()
	const author = "spec-author"
	var authoring client.Client
	var product *iotv1.Product

	BeforeAll(func() {
		authoring = client.WithFieldOwner(k8sClient, author)
		product = readyProductNamed(unique("Admission_"))
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, product)).To(Succeed()) })
	})

	It("is needed: without it Kiot adds the finalizer with a write of its own", func() {
		d := newDevice(unique("no-policy"), product.Name)
		Expect(authoring.Create(ctx, d)).To(Succeed())
		Expect(d.Finalizers).To(BeEmpty())
		readyDevice(d)
		Expect(d.Finalizers).To(ContainElement(iotv1.Finalizer))
		Expect(mainResourceWriters(d, author)).NotTo(BeEmpty())
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
	})

	It("puts the finalizer on at create, so Kiot writes only the Device's status", func() {
		raw, err := os.ReadFile(filepath.Join("..", "config", "admission", "finalizer_policy.yaml"))
		Expect(err).NotTo(HaveOccurred())
		objs := decodeManifest(string(raw))
		Expect(objs).To(HaveLen(2))
		for _, o := range objs {
			Expect(k8sClient.Create(ctx, o)).To(Succeed())
			DeferCleanup(func() { Expect(k8sClient.Delete(ctx, o)).To(Succeed()) })
		}
		// The API server applies a new policy once it has loaded it; a
		// dry-run create runs admission without creating anything.
		Eventually(func(g Gomega) {
			probe := newDevice(unique("probe"), product.Name)
			g.Expect(authoring.Create(ctx, probe, client.DryRunAll)).To(Succeed())
			g.Expect(probe.Finalizers).To(ConsistOf(iotv1.Finalizer))
		}).Should(Succeed())

		d := newDevice(unique("policy"), product.Name)
		Expect(authoring.Create(ctx, d)).To(Succeed())
		Expect(d.Finalizers).To(ConsistOf(iotv1.Finalizer), "the finalizer is there from the first instant")
		readyDevice(d)
		Expect(d.Finalizers).To(ConsistOf(iotv1.Finalizer))
		Expect(mainResourceWriters(d, author)).To(BeEmpty(), "Kiot wrote the Device itself, not only its status")

		// A finalizer of the author's stays; ObserveOnly gets none.
		own := newDevice(unique("own"), product.Name)
		own.Finalizers = []string{"example.com/keep"}
		Expect(authoring.Create(ctx, own, client.DryRunAll)).To(Succeed())
		Expect(own.Finalizers).To(ConsistOf("example.com/keep", iotv1.Finalizer))
		observed := newDevice(unique("observed"), product.Name)
		observed.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly
		Expect(authoring.Create(ctx, observed, client.DryRunAll)).To(Succeed())
		Expect(observed.Finalizers).To(BeEmpty())

		// Deleted as any Device: Kiot deletes the cloud device, then
		// releases the finalizer.
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d))
		}).Should(BeTrue())
	})
})
