package controllers

import (
	"context"

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

// teamState is what the simulator holds of one team's product: the
// product (tags and secret included), its devices (secrets, properties)
// and its groups (tags, members), distribution jobs and provisioning.
type teamState struct {
	Products   []iotsim.Product
	Devices    []iotsim.Device
	Groups     []iotsim.Group
	Jobs       []iotsim.Job
	Provisions []iotsim.Provision
}

func stateOf(productKey, groupID string) teamState {
	st := sim.Snapshot()
	var out teamState
	for _, p := range st.Products {
		if p.ProductKey == productKey {
			out.Products = append(out.Products, p)
		}
	}
	for _, d := range st.Devices {
		if d.ProductKey == productKey {
			out.Devices = append(out.Devices, d)
		}
	}
	for _, g := range st.Groups {
		if g.GroupID == groupID {
			out.Groups = append(out.Groups, g)
		}
	}
	for _, j := range st.Jobs {
		if j.ProductKey == productKey {
			out.Jobs = append(out.Jobs, j)
		}
	}
	for _, p := range st.Provisions {
		if p.ProductKey == productKey {
			out.Provisions = append(out.Provisions, p)
		}
	}
	return out
}

// teamNamespace makes a namespace labelled team=<team>.
func teamNamespace(team string) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: unique("team-" + team + "-"), Labels: map[string]string{"team": team}}}
	Expect(k8sClient.Create(context.Background(), ns)).To(Succeed())
	return ns.Name
}

// expectRefused waits until obj is Ready=False and Synced=False with
// reason, its message containing each of says, and a Warning event with
// that reason.
func expectRefused(obj managedObject, kind, reason string, says ...string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		for _, conditionType := range []string{iotv1.ConditionReady, iotv1.ConditionSynced} {
			c := conditionOf(g, obj, conditionType)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse), "%s: %+v", conditionType, c)
			g.Expect(c.Reason).To(Equal(reason), "%s: %+v", conditionType, c)
			for _, s := range says {
				g.Expect(c.Message).To(ContainSubstring(s))
			}
		}
		events := managedEvents(g, kind, obj.GetName())
		g.Expect(countReason(events, reason)).To(BeNumerically(">=", 1), "a %s event", reason)
	}).Should(Succeed())
}

// expectGoneLeavingTheCloud deletes obj and waits until it is gone, with a
// LeftAlone event and no Deleted one when it had a finalizer.
func expectGoneLeavingTheCloud(obj client.Object, kind string, withFinalizer bool) {
	GinkgoHelper()
	Expect(k8sClient.Delete(context.Background(), obj)).To(Succeed())
	expectDeletedFromKubernetes(obj)
	if withFinalizer {
		Eventually(func(g Gomega) {
			g.Expect(countReason(managedEvents(g, kind, obj.GetName()), "LeftAlone")).To(Equal(1))
			g.Expect(countReason(managedEvents(g, kind, obj.GetName()), "Deleted")).To(BeZero())
		}).Should(Succeed())
	}
}

func expectNoSecret(namespace, name string) {
	GinkgoHelper()
	err := k8sClient.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: name}, &corev1.Secret{})
	Expect(apierrors.IsNotFound(err)).To(BeTrue(), "Secret %s/%s exists: %v", namespace, name, err)
}

var _ = Describe("Tenancy: two teams, one ProviderConfig", Ordered, func() {
	ctx := context.Background()
	var (
		teamA, teamB string
		productB     *iotv1.Product
		deviceB      *iotv1.Device
		groupB       *iotv1.DeviceGroup
		before       teamState
	)

	BeforeAll(func() {
		teamA, teamB = teamNamespace("a"), teamNamespace("b")
		productB = newProduct(unique("TeamB_"))
		productB.Namespace = teamB
		productB.Spec.Tags = map[string]iotv1.ProductTagValue{"team": "b"}
		Expect(k8sClient.Create(ctx, productB)).To(Succeed())
		readyProduct(productB)
		deviceB = newDevice(unique("meter-"), productB.Name)
		deviceB.Namespace = teamB
		deviceB.Spec.Properties = map[string]iotv1.DevicePropertyValue{"site": "b"}
		Expect(k8sClient.Create(ctx, deviceB)).To(Succeed())
		readyDevice(deviceB)
		groupB = newGroup(teamB, unique("TeamB_"))
		groupB.Spec.Devices = []string{deviceB.Name}
		groupB.Spec.Tags = map[string]iotv1.GroupTagValue{"team": "b"}
		Expect(k8sClient.Create(ctx, groupB)).To(Succeed())
		readyGroup(groupB)
	})
	BeforeEach(func() { before = stateOf(productB.Status.ProductKey, groupB.Status.GroupID) })
	AfterEach(func() {
		Expect(stateOf(productB.Status.ProductKey, groupB.Status.GroupID)).To(Equal(before), "team B's cloud resources changed")
	})

	It("marks what Kiot creates with this cluster's identity and the owning resource, never as drift", func() {
		p := simProduct(Default, productB.Status.ProductKey)
		Expect(p.Tags).To(ContainElement(iotsim.Tag{Key: iotv1.OwnerTagKey, Value: kubeSystemUID() + "_" + teamB + "_" + productB.Name}))
		Expect(simTags(p)).To(Equal(map[string]string{"team": "b"}))
		g := simGroup(Default, groupB.Status.GroupID)
		Expect(g.Tags).To(ContainElement(iotsim.Tag{Key: iotv1.OwnerTagKey, Value: kubeSystemUID() + "_" + teamB + "_" + groupB.Name}))
		// A fresh observation finds nothing to correct: the mark is no drift.
		updates := countReason(managedEvents(Default, "Product", productB.Name), "Updated")
		token := requestReconcile(productB)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(productB), productB)).To(Succeed())
			g.Expect(productB.Status.LastHandledReconcileAt).To(Equal(token))
		}).Should(Succeed())
		Expect(countReason(managedEvents(Default, "Product", productB.Name), "Updated")).To(Equal(updates))
		Expect(updatedNotes(Default, "Product", productB.Name)).NotTo(ContainSubstring("ownership mark"))
		Expect(updatedNotes(Default, "DeviceGroup", groupB.Name)).NotTo(ContainSubstring("ownership mark"))
	})

	It("refuses a ProviderConfig whose allowedNamespaces does not select the namespace, with no cloud call", func() {
		pc := &iotv1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: unique("team-b-only-")},
			Spec: iotv1.ProviderConfigSpec{
				Region: "cn-shanghai", Endpoint: simServer.URL,
				Credentials:       iotv1.ProviderCredentials{SecretRef: &iotv1.SecretReference{Namespace: "default", Name: "sim-credentials"}},
				AllowedNamespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "b"}},
			},
		}
		Expect(k8sClient.Create(ctx, pc)).To(Succeed())
		intruder := newProduct(unique("Intruder_"))
		intruder.Namespace = teamA
		intruder.Spec.ProviderConfigRef = &iotv1.ProviderConfigReference{Name: pc.Name}
		Expect(k8sClient.Create(ctx, intruder)).To(Succeed())
		expectRefused(intruder, "Product", iotv1.ReasonProviderConfigNotAllowed, pc.Name, teamA)
		Expect(simProductsNamed(intruder.Spec.ProductName)).To(BeZero())
		expectNoSecret(teamA, intruder.Name+"-product")

		// The team it selects uses it.
		allowed := newProduct(unique("Allowed_"))
		allowed.Namespace = teamB
		allowed.Spec.ProviderConfigRef = &iotv1.ProviderConfigReference{Name: pc.Name}
		Expect(k8sClient.Create(ctx, allowed)).To(Succeed())
		readyProduct(allowed)
		Expect(k8sClient.Delete(ctx, allowed)).To(Succeed())
		expectDeletedFromKubernetes(allowed)
		Expect(simProductsNamed(allowed.Spec.ProductName)).To(BeZero())
	})

	It("refuses an ObserveOnly Device naming the other team's product and device: no secret copied", func() {
		d := &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: teamA, Name: unique("spy-")},
			Spec: iotv1.DeviceSpec{ProductKey: productB.Status.ProductKey, DeviceName: deviceB.Status.DeviceName,
				ManagedSpec: iotv1.ManagedSpec{ManagementPolicy: iotv1.ManagementPolicyObserveOnly}},
		}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		expectRefused(d, "Device", iotv1.ReasonProductNotGranted, productB.Status.ProductKey, teamA)
		expectNoSecret(teamA, d.Name+"-device")
		Expect(d.Status.IotID).To(BeEmpty())
		expectGoneLeavingTheCloud(d, "Device", false)
	})

	It("refuses a managed Device naming the other team's device: no property wiped, nothing deleted with it", func() {
		d := &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: teamA, Name: unique("twin-")},
			Spec:       iotv1.DeviceSpec{ProductKey: productB.Status.ProductKey, DeviceName: deviceB.Status.DeviceName},
		}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		expectRefused(d, "Device", iotv1.ReasonProductNotGranted, productB.Status.ProductKey)
		expectNoSecret(teamA, d.Name+"-device")
		expectGoneLeavingTheCloud(d, "Device", true)
	})

	It("refuses registering a new device under the other team's product", func() {
		d := &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: teamA, Name: unique("squatter-")},
			Spec:       iotv1.DeviceSpec{ProductKey: productB.Status.ProductKey},
		}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		expectRefused(d, "Device", iotv1.ReasonProductNotGranted, productB.Status.ProductKey)
		Expect(simDevicesNamed(productB.Status.ProductKey, d.Name)).To(BeZero())
		expectGoneLeavingTheCloud(d, "Device", true)
	})

	It("refuses a Product of the other team's productName or productKey, naming the owner: no secret read, no tag wiped", func() {
		byName := newProduct(productB.Spec.ProductName)
		byName.Namespace = teamA
		byName.Name = unique("same-name-")
		Expect(k8sClient.Create(ctx, byName)).To(Succeed())
		expectRefused(byName, "Product", iotv1.ReasonOwnedByAnother, teamB+"/"+productB.Name)
		expectNoSecret(teamA, byName.Name+"-product")
		Expect(byName.Status.ProductKey).To(BeEmpty())

		byKey := newProduct(unique("Other_"))
		byKey.Namespace = teamA
		byKey.Spec.ProductKey = productB.Status.ProductKey
		byKey.Annotations = map[string]string{iotv1.AnnotationAdopt: "true"}
		Expect(k8sClient.Create(ctx, byKey)).To(Succeed())
		expectRefused(byKey, "Product", iotv1.ReasonOwnedByAnother, teamB+"/"+productB.Name)
		expectNoSecret(teamA, byKey.Name+"-product")

		expectGoneLeavingTheCloud(byName, "Product", true)
		expectGoneLeavingTheCloud(byKey, "Product", true)
	})

	It("refuses a DeviceGroup of the other team's groupName: no member removed, nothing deleted with it", func() {
		g := newGroup(teamA, groupB.Spec.GroupName)
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		expectRefused(g, "DeviceGroup", iotv1.ReasonOwnedByAnother, teamB+"/"+groupB.Name)
		Expect(g.Status.GroupID).To(BeEmpty())
		expectGoneLeavingTheCloud(g, "DeviceGroup", true)
	})

	It("refuses a DistributeJob naming the other team's productKey and raw deviceNames", func() {
		j := newDistributeJob(teamA, "")
		j.Spec.ProductRef, j.Spec.ProductKey = nil, productB.Status.ProductKey
		j.Spec.DeviceNames = []string{deviceB.Status.DeviceName}
		Expect(k8sClient.Create(ctx, j)).To(Succeed())
		expectRefused(j, "DistributeJob", iotv1.ReasonProductNotGranted, productB.Status.ProductKey)
		Expect(k8sClient.Delete(ctx, j)).To(Succeed())
		expectDeletedFromKubernetes(j)
	})

	It("adopts an unmarked product of its name only when asked, then marks it", func() {
		name := unique("Console_")
		created, err := cloud.CreateProduct(ctx, iot.CreateProductInput{ProductName: name, NodeType: iot.NodeTypeDevice})
		Expect(err).NotTo(HaveOccurred())
		p := newProduct(name)
		p.Namespace = teamA
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		expectRefused(p, "Product", iotv1.ReasonAdoptionRequired, iotv1.AnnotationAdopt)
		expectNoSecret(teamA, p.Name+"-product")
		Expect(simTags(simProduct(Default, created.ProductKey))).To(BeEmpty())
		Expect(simProduct(Default, created.ProductKey).Tags).To(BeEmpty())

		update(p, func() { p.Annotations = map[string]string{iotv1.AnnotationAdopt: "true"} })
		readyProduct(p)
		Expect(p.Status.ProductKey).To(Equal(created.ProductKey))
		Expect(simProduct(Default, created.ProductKey).Tags).To(ConsistOf(iotsim.Tag{Key: iotv1.OwnerTagKey, Value: kubeSystemUID() + "_" + teamA + "_" + p.Name}))
		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		expectDeletedFromKubernetes(p)
		Expect(simProductsNamed(name)).To(BeZero())
	})

	It("lets a namespace use a product it is granted", func() {
		shared := newProduct(unique("Shared_"))
		shared.Namespace = teamB
		Expect(k8sClient.Create(ctx, shared)).To(Succeed())
		readyProduct(shared)
		d := &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: teamA, Name: unique("granted-")},
			Spec:       iotv1.DeviceSpec{ProductKey: shared.Status.ProductKey},
		}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		expectRefused(d, "Device", iotv1.ReasonProductNotGranted)
		var ns corev1.Namespace
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: teamA}, &ns)).To(Succeed())
		update(&ns, func() {
			ns.Annotations = map[string]string{iotv1.AnnotationGrantedProductKeys: shared.Status.ProductKey}
		})
		update(d, func() { d.Annotations = map[string]string{iotv1.AnnotationReconcileRequestedAt: "granted"} })
		readyDevice(d)
		Expect(simDevicesNamed(shared.Status.ProductKey, d.Name)).To(Equal(1))
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		expectDeletedFromKubernetes(d)
		Expect(k8sClient.Delete(ctx, shared)).To(Succeed())
		expectDeletedFromKubernetes(shared)
	})
})

// kubeSystemUID is the cluster id the suite's manager uses by default.
func kubeSystemUID() string {
	GinkgoHelper()
	var ns corev1.Namespace
	Expect(k8sClient.Get(context.Background(), client.ObjectKey{Name: "kube-system"}, &ns)).To(Succeed())
	return string(ns.UID)
}
