package controllers

import (
	"context"
	"maps"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

func newProduct(productName string) *iotv1.Product {
	return &iotv1.Product{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: lowerName(productName)},
		Spec:       iotv1.ProductSpec{ProductName: productName},
	}
}

// lowerName turns a ProductName such as Lamp_7 into a Kubernetes name.
func lowerName(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '_':
			b[i] = '-'
		}
	}
	return string(b)
}

// readyProduct waits until the Product is Ready and Synced and returns it.
func readyProduct(p *iotv1.Product) *iotv1.Product {
	GinkgoHelper()
	waitReady(p)
	return p
}

func simTags(p iotsim.Product) map[string]string {
	out := map[string]string{}
	for _, t := range p.Tags {
		if t.Key == iotv1.OwnerTagKey {
			continue // Kiot's ownership mark, never the spec's (tenancy_test.go)
		}
		out[t.Key] = t.Value
	}
	return out
}

// requestReconcile asks for a reconcile now with the documented annotation.
func requestReconcile(obj client.Object) string {
	GinkgoHelper()
	token := time.Now().Format(time.RFC3339Nano)
	Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	// A merge patch with no resourceVersion: Kiot's status writes between
	// the Get and this write cannot make it conflict.
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[iotv1.AnnotationReconcileRequestedAt] = token
	obj.SetAnnotations(annotations)
	Expect(k8sClient.Patch(context.Background(), obj, patch)).To(Succeed())
	return token
}

// writeCalls sums the simulator's calls of the actions that change state.
func writeCalls(actions ...string) int64 {
	var n int64
	for _, a := range actions {
		n += sim.Calls(a)
	}
	return n
}

var productWriteActions = []string{"CreateProduct", "UpdateProduct", "DeleteProduct", "ReleaseProduct", "CancelReleaseProduct",
	"CreateProductTags", "UpdateProductTags", "DeleteProductTags"}

var _ = Describe("Product", func() {
	ctx := context.Background()

	It("creates the product with every spec field and writes its Secret", func() {
		p := newProduct(unique("Gateway_"))
		p.Spec.NodeType = iotv1.NodeTypeGateway
		p.Spec.DataFormat = iotv1.DataFormatCustom
		p.Spec.NetType = "ETHERNET"
		p.Spec.ProtocolType = "modbus"
		p.Spec.Description = "Edge gateways"
		p.Spec.Published = true
		p.Spec.Tags = map[string]iotv1.ProductTagValue{"site": "hangzhou", "hw.rev": "b2"}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)

		Expect(p.Status.ProductKey).NotTo(BeEmpty())
		Expect(p.Status.ProductStatus).To(Equal(iot.ProductStatusRelease))
		Expect(p.Status.SecretName).To(Equal(p.Name + "-product"))
		cloudProduct := simProduct(Default, p.Status.ProductKey)
		Expect(cloudProduct.ProductName).To(Equal(p.Spec.ProductName))
		Expect(cloudProduct.NodeType).To(Equal(iot.NodeTypeGateway))
		Expect(cloudProduct.DataFormat).To(HaveValue(Equal(iot.DataFormatCustom)))
		Expect(cloudProduct.NetType).To(Equal("ETHERNET"))
		Expect(cloudProduct.ProtocolType).To(Equal("modbus"))
		Expect(cloudProduct.AuthType).To(Equal("secret"))
		Expect(cloudProduct.Description).To(Equal("Edge gateways"))
		Expect(cloudProduct.Status).To(Equal(iot.ProductStatusRelease))
		Expect(simTags(cloudProduct)).To(Equal(map[string]string{"site": "hangzhou", "hw.rev": "b2"}))

		var secret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: p.Status.SecretName}, &secret)).To(Succeed())
		Expect(secret.Type).To(Equal(corev1.SecretTypeOpaque))
		Expect(secret.Data).To(Equal(map[string][]byte{
			"productKey":    []byte(cloudProduct.ProductKey),
			"productSecret": []byte(cloudProduct.ProductSecret),
			"regionId":      []byte("cn-shanghai"),
		}))
		Expect(secret.Labels).To(HaveKeyWithValue(iotv1.LabelOwnerKind, "Product"))
		Expect(secret.Labels).To(HaveKeyWithValue(iotv1.LabelOwnerName, p.Name))
		Expect(metav1.GetControllerOf(&secret)).To(HaveField("UID", p.UID))
	})

	It("updates name, description, tags and release state, and deletes the product", func() {
		p := newProduct(unique("Meter_"))
		p.Spec.Tags = map[string]iotv1.ProductTagValue{"keep": "1", "change": "old", "drop": "x"}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		key := p.Status.ProductKey

		newName := p.Spec.ProductName + "_v2"
		update(p, func() {
			p.Spec.ProductName = newName
			p.Spec.Description = "renamed"
			p.Spec.Published = true
			p.Spec.Tags = map[string]iotv1.ProductTagValue{"keep": "1", "change": "new", "add": "y"}
		})
		Eventually(func(g Gomega) {
			cloudProduct := simProduct(g, key)
			g.Expect(cloudProduct.ProductName).To(Equal(p.Spec.ProductName))
			g.Expect(cloudProduct.Description).To(Equal("renamed"))
			g.Expect(cloudProduct.Status).To(Equal(iot.ProductStatusRelease))
			g.Expect(simTags(cloudProduct)).To(Equal(map[string]string{"keep": "1", "change": "new", "add": "y"}))
		}).Should(Succeed())
		readyProduct(p)

		update(p, func() {
			p.Spec.Published = false
			p.Spec.Tags = nil
		})
		Eventually(func(g Gomega) {
			cloudProduct := simProduct(g, key)
			g.Expect(cloudProduct.Status).To(Equal(iot.ProductStatusDevelopment))
			g.Expect(simTags(cloudProduct)).To(BeEmpty())
		}).Should(Succeed())

		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), p))
		}).Should(BeTrue())
		Expect(simProductsNamed(p.Spec.ProductName)).To(BeZero())
	})

	It("reverts changes made behind its back and records them in an event", func() {
		p := newProduct(unique("Drift_"))
		p.Spec.Description = "as declared"
		p.Spec.Tags = map[string]iotv1.ProductTagValue{"owner": "kiot"}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		key := p.Status.ProductKey

		Expect(cloud.UpdateProduct(ctx, iot.UpdateProductInput{ProductKey: key, ProductName: p.Spec.ProductName + "_x", Description: "edited in the console"})).To(Succeed())
		Expect(cloud.CreateProductTags(ctx, key, []iot.Tag{{TagKey: "intruder", TagValue: "1"}})).To(Succeed())
		Expect(cloud.ReleaseProduct(ctx, key)).To(Succeed())

		token := requestReconcile(p)
		Eventually(func(g Gomega) {
			cloudProduct := simProduct(g, key)
			g.Expect(cloudProduct.ProductName).To(Equal(p.Spec.ProductName))
			g.Expect(cloudProduct.Description).To(Equal("as declared"))
			g.Expect(cloudProduct.Status).To(Equal(iot.ProductStatusDevelopment))
			g.Expect(simTags(cloudProduct)).To(Equal(map[string]string{"owner": "kiot"}))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
			g.Expect(p.Status.LastHandledReconcileAt).To(Equal(token))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			// A reconcile already under way may correct the first change
			// before the others land, so the corrections may span events.
			g.Expect(updatedNotes(g, "Product", p.Name)).To(SatisfyAll(ContainSubstring("productName"), ContainSubstring("tags"), ContainSubstring("published")))
		}).Should(Succeed())
	})

	It("adopts an existing product by productKey", func() {
		name := unique("Adopted_")
		created, err := cloud.CreateProduct(ctx, iot.CreateProductInput{ProductName: name, NodeType: iot.NodeTypeDevice})
		Expect(err).NotTo(HaveOccurred())

		p := newProduct(name)
		p.Spec.ProductKey = created.ProductKey
		p.Spec.Description = "adopted"
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		Expect(p.Status.ProductKey).To(Equal(created.ProductKey))
		Expect(simProductsNamed(name)).To(Equal(1))
		Expect(simProduct(Default, created.ProductKey).Description).To(Equal("adopted"))
	})

	It("adopts the product an interrupted create left behind instead of making a second", func() {
		// CreateProduct takes effect but its answer is lost: the state a
		// crash or a timeout between the create and the status write
		// leaves. The product carries no mark yet; its creation after the
		// create Kiot recorded proves it is Kiot's own.
		name := unique("Crash_")
		loseAnswer("CreateProduct")
		createsBefore := sim.Calls("CreateProduct")

		p := newProduct(name)
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		Expect(simProductsNamed(name)).To(Equal(1))
		Expect(sim.Calls("CreateProduct")).To(BeNumerically(">", createsBefore))
		cloudProduct := simProduct(Default, p.Status.ProductKey)
		Expect(cloudProduct.ProductName).To(Equal(name))
		Expect(cloudProduct.Tags).To(ContainElement(iotsim.Tag{Key: iotv1.OwnerTagKey, Value: kubeSystemUID() + "_default_" + p.Name}))
		Expect(p.Status.CreateRequestedAt).To(BeNil())
	})

	It("deletes the product of a create that its deletion overtook", func() {
		// CreateProduct takes effect but its answer is held: the resource is
		// deleted while Kiot has not learned the ProductKey yet.
		holdAnswers("CreateProduct")
		p := newProduct(unique("Overtaken_"))
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		Eventually(func() int { return simProductsNamed(p.Spec.ProductName) }).Should(Equal(1))
		releaseFaults()
		Expect(k8sClient.Delete(ctx, p)).To(Succeed())

		expectDeletedFromKubernetes(p)
		Expect(simProductsNamed(p.Spec.ProductName)).To(BeZero(), "the product the overtaken create made is orphaned")
		expectOneDeletedEvent("Product", p.Name)
	})

	It("waits to delete a product that still has devices registered outside Kiot", func() {
		p := readyProductNamed(unique("Shared_"))
		outsider, err := cloud.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: p.Status.ProductKey, DeviceName: "made-elsewhere"})
		Expect(err).NotTo(HaveOccurred())

		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		Eventually(func(g Gomega) {
			synced := conditionOf(g, p, iotv1.ConditionSynced)
			g.Expect(synced.Reason).To(Equal(iotv1.ReasonDependentsExist))
			g.Expect(synced.Message).To(ContainSubstring("iot.prod.ProductHasDevices"))
		}).Should(Succeed())

		Expect(cloud.DeleteDevice(ctx, iot.DeviceRef{IotID: outsider.IotID})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &iotv1.Product{}))
		}).Should(BeTrue())
		Expect(simProductsNamed(p.Spec.ProductName)).To(BeZero())
	})

	It("leaves the product and its Secret with deletionPolicy Orphan", func() {
		p := newProduct(unique("Orphan_"))
		p.Spec.DeletionPolicy = iotv1.DeletionPolicyOrphan
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		key := p.Status.ProductKey

		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &iotv1.Product{}))
		}).Should(BeTrue())
		Expect(simProduct(Default, key).ProductKey).To(Equal(key))
		var secret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: p.Name + "-product"}, &secret)).To(Succeed())
		Expect(metav1.GetControllerOf(&secret)).To(BeNil(), "the garbage collector must not take the orphan's Secret")
	})

	It("restores its Secret when it is deleted or edited by hand", func() {
		p := readyProductNamed(unique("Secretive_"))
		key := client.ObjectKey{Namespace: "default", Name: p.Status.SecretName}
		var secret corev1.Secret
		Expect(k8sClient.Get(ctx, key, &secret)).To(Succeed())
		want := maps.Clone(secret.Data)

		secret.Data["productSecret"] = []byte("tampered")
		Expect(k8sClient.Update(ctx, &secret)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key, &secret)).To(Succeed())
			g.Expect(secret.Data).To(Equal(want))
		}).Should(Succeed())

		Expect(k8sClient.Delete(ctx, &secret)).To(Succeed())
		Eventually(func(g Gomega) {
			var restored corev1.Secret
			g.Expect(k8sClient.Get(ctx, key, &restored)).To(Succeed())
			g.Expect(restored.UID).NotTo(Equal(secret.UID))
			g.Expect(restored.Data).To(Equal(want))
		}).Should(Succeed())
	})

	It("observes an existing product read-only with managementPolicy ObserveOnly", func() {
		name := unique("Watched_")
		created, err := cloud.CreateProduct(ctx, iot.CreateProductInput{ProductName: name, NodeType: iot.NodeTypeDevice, Description: "theirs"})
		Expect(err).NotTo(HaveOccurred())
		writesBefore := writeCalls(productWriteActions...)

		p := newProduct(name)
		p.Spec.ProductKey = created.ProductKey
		p.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly
		p.Spec.Description = "ours, but never written"
		p.Spec.Tags = map[string]iotv1.ProductTagValue{"never": "written"}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		Expect(p.Finalizers).To(BeEmpty())
		var secret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: p.Name + "-product"}, &secret)).To(Succeed())
		Expect(string(secret.Data["productKey"])).To(Equal(created.ProductKey))

		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &iotv1.Product{}))
		}).Should(BeTrue())
		Expect(writeCalls(productWriteActions...)).To(Equal(writesBefore), "ObserveOnly made a write call")
		Expect(simProduct(Default, created.ProductKey).Description).To(Equal("theirs"))
	})

	It("stops while paused and catches up when resumed", func() {
		p := readyProductNamed(unique("Paused_"))
		key := p.Status.ProductKey
		update(p, func() { p.Annotations = map[string]string{iotv1.AnnotationPaused: "true"} })
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, p, iotv1.ConditionSynced).Reason).To(Equal(iotv1.ReasonReconcilePaused))
		}).Should(Succeed())

		update(p, func() { p.Spec.Description = "changed while paused" })
		Consistently(func(g Gomega) {
			g.Expect(simProduct(g, key).Description).To(BeEmpty())
		}, "1s", "100ms").Should(Succeed())

		update(p, func() { delete(p.Annotations, iotv1.AnnotationPaused) })
		Eventually(func(g Gomega) {
			g.Expect(simProduct(g, key).Description).To(Equal("changed while paused"))
		}).Should(Succeed())
		readyProduct(p)
	})

	It("resyncs at the poll-interval annotation's period, clamped to the floor", func() {
		p := newProduct(unique("Polled_"))
		p.Spec.Description = "declared"
		// 1ms would hot-loop the platform: Kiot observes at the floor
		// (testMinPollInterval, 1s here; 30s in production) and says so.
		p.Annotations = map[string]string{iotv1.AnnotationPollInterval: "1ms"}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		Eventually(func(g Gomega) {
			g.Expect(managedEvents(g, "Product", p.Name)).To(ContainElement(SatisfyAll(
				HaveField("Reason", iotv1.EventPollIntervalClamped),
				HaveField("Type", corev1.EventTypeWarning))))
		}).Should(Succeed())
		// Drift with no Kubernetes event at all: only the clamped 1s
		// resync (the suite's default is a minute) can notice it.
		Expect(cloud.UpdateProduct(ctx, iot.UpdateProductInput{ProductKey: p.Status.ProductKey, ProductName: p.Spec.ProductName, Description: "drifted"})).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(simProduct(g, p.Status.ProductKey).Description).To(Equal("declared"))
		}, "10s").Should(Succeed())
	})

	It("reports a spec the platform refuses and waits for a change instead of retrying", func() {
		p := newProduct(unique("Refused_"))
		sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
			"CreateProduct": {ErrorRate: 1, Code: "iot.prod.InvalidFormattedCatId", Message: "The category ID is invalid.", HTTPStatus: 200},
		}})
		DeferCleanup(func() { sim.SetFaults(iotsim.Faults{}) })
		before := sim.Calls("CreateProduct")
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		Eventually(func(g Gomega) {
			synced := conditionOf(g, p, iotv1.ConditionSynced)
			g.Expect(synced.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(synced.Reason).To(Equal(iotv1.ReasonInvalidSpec))
			g.Expect(synced.Message).To(ContainSubstring("iot.prod.InvalidFormattedCatId"))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(managedEvents(g, "Product", p.Name)).To(ContainElement(HaveField("Reason", iotv1.ReasonInvalidSpec)))
		}).Should(Succeed())
		// No hot loop: the refused create is not repeated on its own.
		Consistently(func() int64 { return sim.Calls("CreateProduct") - before }, "2s", "100ms").Should(BeNumerically("<=", 1))
		Expect(countReason(managedEvents(Default, "Product", p.Name), iotv1.ReasonInvalidSpec)).To(Equal(1),
			"a repeated failure is no news: one event")

		// A change of the spec is what makes Kiot try again.
		sim.SetFaults(iotsim.Faults{})
		update(p, func() { p.Spec.Description = "fixed" })
		readyProduct(p)
	})

	It("survives throttled answers", func() {
		// The next three QueryProduct calls are refused by flow control.
		sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
			"QueryProduct": {ErrorRate: 1, Count: 3, Code: "Throttling.User", Message: "Request was denied due to user flow control.", HTTPStatus: 400},
		}})
		DeferCleanup(func() { sim.SetFaults(iotsim.Faults{}) })
		p := readyProductNamed(unique("Throttled_"))
		Expect(sim.Faults().Actions["QueryProduct"].ErrorRate).To(BeZero(), "the throttled answers were not all served")
		Expect(p.Status.ProductKey).NotTo(BeEmpty())
	})

	DescribeTable("refuses an invalid spec at admission",
		func(mutate func(*iotv1.Product), wantMessage string) {
			p := newProduct("Valid_name")
			p.Name = unique("invalid-")
			mutate(p)
			err := k8sClient.Create(ctx, p)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("a metadata.name too long for the Secret's owner-name label", func(p *iotv1.Product) { p.Name = strings.Repeat("p", 64) }, "metadata.name must be at most 63 characters"),
		Entry("productName too short", func(p *iotv1.Product) { p.Spec.ProductName = "abc" }, "spec.productName"),
		Entry("productName too long", func(p *iotv1.Product) { p.Spec.ProductName = "a234567890123456789012345678901" }, "spec.productName"),
		Entry("productName with a space", func(p *iotv1.Product) { p.Spec.ProductName = "Street light" }, "spec.productName"),
		Entry("unknown nodeType", func(p *iotv1.Product) { p.Spec.NodeType = "Sensor" }, "spec.nodeType"),
		Entry("unknown dataFormat", func(p *iotv1.Product) { p.Spec.DataFormat = "XML" }, "spec.dataFormat"),
		Entry("unknown authType", func(p *iotv1.Product) { p.Spec.AuthType = "password" }, "spec.authType"),
		Entry("unknown netType", func(p *iotv1.Product) { p.Spec.NetType = "5G" }, "spec.netType"),
		Entry("unknown protocolType", func(p *iotv1.Product) { p.Spec.ProtocolType = "mqtt" }, "spec.protocolType"),
		Entry("description over 100 characters", func(p *iotv1.Product) {
			p.Spec.Description = string(make([]byte, 101))
		}, "spec.description"),
		Entry("a tag key with a hyphen", func(p *iotv1.Product) { p.Spec.Tags = map[string]iotv1.ProductTagValue{"bad-key": "v"} }, "tag keys must be"),
		Entry("a tag value with a dot", func(p *iotv1.Product) { p.Spec.Tags = map[string]iotv1.ProductTagValue{"k": "v.1"} }, "spec.tags"),
		Entry("x509 on a LORA product", func(p *iotv1.Product) { p.Spec.NetType = "LORA"; p.Spec.AuthType = "x509" }, "not available for LORA"),
		Entry("an unknown deletionPolicy", func(p *iotv1.Product) { p.Spec.DeletionPolicy = "Keep" }, "spec.deletionPolicy"),
		Entry("an unknown managementPolicy", func(p *iotv1.Product) { p.Spec.ManagementPolicy = "ReadOnly" }, "spec.managementPolicy"),
	)

	DescribeTable("refuses changes to what the platform cannot change",
		func(mutate func(*iotv1.Product), wantMessage string) {
			p := newProduct(unique("Immutable_"))
			p.Spec.NetType = "WIFI"
			p.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly
			Expect(k8sClient.Create(ctx, p)).To(Succeed())
			err := tryUpdate(p, func() { mutate(p) })
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("nodeType", func(p *iotv1.Product) { p.Spec.NodeType = iotv1.NodeTypeGateway }, "nodeType is immutable"),
		Entry("dataFormat", func(p *iotv1.Product) { p.Spec.DataFormat = iotv1.DataFormatCustom }, "dataFormat is immutable"),
		Entry("authType", func(p *iotv1.Product) { p.Spec.AuthType = "x509" }, "authType is immutable"),
		Entry("netType", func(p *iotv1.Product) { p.Spec.NetType = "CELLULAR" }, "netType is immutable"),
		Entry("netType removed", func(p *iotv1.Product) { p.Spec.NetType = "" }, "netType is immutable"),
	)

	It("refuses changing a productKey once set", func() {
		p := newProduct(unique("Keyed_"))
		p.Spec.ProductKey = "a1First"
		p.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		err := tryUpdate(p, func() { p.Spec.ProductKey = "a1Second" })
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
		Expect(err.Error()).To(ContainSubstring("productKey cannot be changed"))
	})
})

func readyProductNamed(productName string) *iotv1.Product {
	GinkgoHelper()
	p := newProduct(productName)
	Expect(k8sClient.Create(context.Background(), p)).To(Succeed())
	return readyProduct(p)
}

// holdAnswers makes calls of action take effect at once but answer only
// seconds later: the window in which a delete overtakes a create in flight.
// releaseFaults, or the spec's end, clears it for calls made afterwards.
func holdAnswers(action string) {
	sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
		action: {AnswerDelay: iotsim.Duration(3 * time.Second)},
	}})
	DeferCleanup(releaseFaults)
}

// loseAnswer makes the next call of action take effect and then fail, as
// a lost answer (a timeout, a gateway 5xx) would.
func loseAnswer(action string) {
	sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
		action: {ErrorRate: 1, Count: 1, AfterEffect: true},
	}})
	DeferCleanup(releaseFaults)
}

// releaseFaults clears the simulator's faults; a call already held keeps
// its delay.
func releaseFaults() { sim.SetFaults(iotsim.Faults{}) }

// expectDeletedFromKubernetes waits until obj is gone: its finalizer was
// released.
func expectDeletedFromKubernetes(obj client.Object) {
	GinkgoHelper()
	Eventually(func() bool {
		return apierrors.IsNotFound(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	}).Should(BeTrue(), "the finalizer was not released")
}

// expectOneDeletedEvent waits for the one "Deleted" event of an object whose
// cloud resource was deleted, and checks that it was not reported as gone
// already.
func expectOneDeletedEvent(kind, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		events := managedEvents(g, kind, name)
		g.Expect(countReason(events, "Deleted")).To(Equal(1))
		g.Expect(countReason(events, "AlreadyGone")).To(BeZero())
	}).Should(Succeed())
}
