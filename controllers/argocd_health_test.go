package controllers

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

func argoScript(file string) string {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("..", "config", "argocd", file))
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

// health is what the GitOps tools make of one resource as the API server
// has it: Flux's kstatus and the shipped Argo CD script, run as Argo CD v3
// runs it.
type health struct {
	Kstatus, KstatusMessage string
	Argo, ArgoMessage       string
	ready                   metav1.Condition
}

func healthOf(g Gomega, script string, obj client.Object) health {
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	g.Expect(err).NotTo(HaveOccurred())
	return healthOfUnstructured(g, script, u)
}

func healthOfUnstructured(g Gomega, script string, u map[string]any) health {
	res, err := kstatus.Compute(&unstructured.Unstructured{Object: u})
	g.Expect(err).NotTo(HaveOccurred())
	argo, argoMessage, err := runArgoHealth(script, u)
	g.Expect(err).NotTo(HaveOccurred(), "the Argo CD script fails: Argo CD would show a script error")
	h := health{Kstatus: res.Status.String(), KstatusMessage: res.Message, Argo: argo, ArgoMessage: argoMessage}
	conditions, _, _ := unstructured.NestedSlice(u, "status", "conditions")
	for _, c := range conditions {
		if m := c.(map[string]any); m["type"] == iotv1.ConditionReady {
			h.ready = metav1.Condition{Status: metav1.ConditionStatus(m["status"].(string)), Reason: m["reason"].(string)}
		}
	}
	return h
}

// expectHealth waits until both tools read a resource as want says.
func expectHealth(script string, obj client.Object, wantKstatus, wantArgo string, messageHas ...string) health {
	GinkgoHelper()
	var h health
	Eventually(func(g Gomega) {
		h = healthOf(g, script, obj)
		g.Expect([]string{h.Kstatus, h.Argo}).To(Equal([]string{wantKstatus, wantArgo}), "%+v", h)
		for _, m := range messageHas {
			g.Expect(h.KstatusMessage + " | " + h.ArgoMessage).To(ContainSubstring(m))
		}
	}).Should(Succeed())
	return h
}

// expectWarning waits for one Warning event of reason about obj.
func expectWarning(kind string, obj client.Object, reason string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		var warnings int
		for _, e := range managedEvents(g, kind, obj.GetName()) {
			if e.Reason == reason && e.Type == "Warning" {
				warnings++
			}
		}
		g.Expect(warnings).To(Equal(1), "Warning %s events about %s", reason, obj.GetName())
	}).Should(Succeed())
}

var _ = Describe("The Argo CD health environment", func() {
	It("opens what Argo CD v3 opens for argocd-cm scripts and nothing more", func() {
		obj := map[string]any{"metadata": map[string]any{"name": "x"}}
		for _, script := range []string{
			`return { status = string.lower("Healthy") }`,
			`return { status = "Healthy", message = tostring(math.floor(1.5)) }`,
			`return { status = "Healthy", message = os.getenv("HOME") }`,
			`return { status = "Healthy", message = io.read() }`,
		} {
			_, _, err := runArgoHealth(script, obj)
			Expect(err).To(HaveOccurred(), "%s must fail as in Argo CD", script)
		}
		status, message, err := runArgoHealth(`local t = {} table.insert(t, obj.metadata.name) return { status = "Healthy", message = t[1] .. tostring(os.time() > 0) }`, obj)
		Expect(err).NotTo(HaveOccurred())
		Expect([]string{status, message}).To(Equal([]string{"Healthy", "xtrue"}))
		status, _, err = runArgoHealth(`return { status = "Fine" }`, obj)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal("Unknown"), "Argo CD reads a status outside its codes as Unknown")
	})

	It("ships scripts that use no library Argo CD leaves out, embedded unchanged in the argocd-cm snippet", func() {
		var cm struct{ Data map[string]string }
		data, err := os.ReadFile(filepath.Join("..", "config", "argocd", "argocd-cm.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(yaml.Unmarshal(data, &cm)).To(Succeed())
		managed, pc := argoScript("managed-health.lua"), argoScript("providerconfig-health.lua")
		for _, kind := range []string{"Product", "Device", "DeviceGroup", "DistributeJob"} {
			Expect(cm.Data).To(HaveKeyWithValue("resource.customizations.health.iot.kiot.dev_"+kind, managed))
		}
		Expect(cm.Data).To(HaveKeyWithValue("resource.customizations.health.iot.kiot.dev_ProviderConfig", pc))
		Expect(cm.Data).NotTo(HaveKey(ContainSubstring("useOpenLibs")))
	})
})

var _ = Describe("GitOps health of the managed kinds, read by kstatus (Flux) and Argo CD", func() {
	ctx := context.Background()
	var script string
	BeforeEach(func() { script = argoScript("managed-health.lua") })

	It("never reads a resource that is not Ready as Current or Healthy, and reads refusals as Failed and Degraded", func() {
		// Just created, before Kiot has written anything: the schema's
		// status default (observedGeneration 0) is already in the API
		// server's answer to the create, so kstatus reads InProgress.
		fresh, err := runtime.DefaultUnstructuredConverter.ToUnstructured(newProduct(unique("Fresh_")))
		Expect(err).NotTo(HaveOccurred())
		delete(fresh, "status")
		created := &unstructured.Unstructured{Object: fresh}
		created.SetGroupVersionKind(iotv1.GroupVersion.WithKind("Product"))
		Expect(k8sClient.Create(ctx, created)).To(Succeed())
		seen, found, err := unstructured.NestedInt64(created.Object, "status", "observedGeneration")
		Expect(err).NotTo(HaveOccurred())
		Expect(found).To(BeTrue(), "the create's answer carries no status.observedGeneration: %v", created.Object["status"])
		Expect(seen).To(BeZero())
		Expect(created.GetGeneration()).To(BeNumerically(">", seen))
		h0 := healthOfUnstructured(Default, script, created.Object)
		Expect([]string{h0.Kstatus, h0.Argo}).To(Equal([]string{"InProgress", "Progressing"}))

		// Created already paused: nothing in the cloud, so not Ready.
		paused := newProduct(unique("Born_paused_"))
		paused.Annotations = map[string]string{iotv1.AnnotationPaused: "true"}
		Expect(k8sClient.Create(ctx, paused)).To(Succeed())
		h := expectHealth(script, paused, "InProgress", "Suspended")
		Expect(h.ready).To(Equal(metav1.Condition{Status: metav1.ConditionFalse, Reason: iotv1.ReasonReconcilePaused}))

		// Just created, its cloud product on the way: not Ready yet.
		sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{"CreateProduct": {AnswerDelay: iotsim.Duration(5 * time.Second)}}})
		DeferCleanup(releaseFaults)
		creating := newProduct(unique("Creating_"))
		Expect(k8sClient.Create(ctx, creating)).To(Succeed())
		Eventually(func(g Gomega) {
			h := healthOf(g, script, creating)
			g.Expect(h.ready.Status).To(Equal(metav1.ConditionFalse), "%+v", h)
			g.Expect([]string{h.Kstatus, h.Argo}).To(Equal([]string{"InProgress", "Progressing"}))
		}).Should(Succeed())
		releaseFaults()
		expectHealth(script, creating, "Current", "Healthy")

		// A spec only the platform refuses: Failed and Degraded, with the
		// platform's message, and one Warning event.
		sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
			"CreateProduct": {ErrorRate: 1, Code: "iot.prod.InvalidFormattedCatId", HTTPStatus: 200},
		}})
		refused := newProduct(unique("Refused_"))
		Expect(k8sClient.Create(ctx, refused)).To(Succeed())
		expectHealth(script, refused, "Failed", "Degraded", "iot.prod.InvalidFormattedCatId")
		expectWarning("Product", refused, iotv1.ReasonInvalidSpec)
		// Once the spec is fixed (here: the platform relents, and a spec
		// change asks again), Stalled clears.
		releaseFaults()
		update(refused, func() { refused.Spec.Description = "fixed" })
		expectHealth(script, refused, "Current", "Healthy")
		Expect(conditionOf(Default, refused, iotv1.ConditionStalled).Type).To(BeEmpty())

		// A transient failure shows its Synced message where the tools
		// show health.
		waiting := createdDevice(unique("argo-waiting-"), "no-such-product")
		expectHealth(script, waiting, "InProgress", "Progressing", "no-such-product")

		// Paused after it was Ready: Suspended in Argo CD; kstatus keeps
		// Current, the cloud resource being there and as specified.
		p := readyProductNamed(unique("Argo_"))
		update(p, func() { p.Annotations = map[string]string{iotv1.AnnotationPaused: "true"} })
		expectHealth(script, p, "Current", "Suspended")

		// Right after a spec change, before Kiot has seen it: neither tool
		// reads it as done.
		d := readyDevice(createdDevice(unique("argo-"), readyProductNamed(unique("Argo_d_")).Name))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
		Expect(err).NotTo(HaveOccurred())
		Expect(unstructured.SetNestedField(u, d.Generation+1, "metadata", "generation")).To(Succeed())
		h = healthOfUnstructured(Default, script, u)
		Expect([]string{h.Kstatus, h.Argo}).To(Equal([]string{"InProgress", "Progressing"}))
	})

	It("reads a DistributeJob as Failed and Degraded when it failed, was interrupted or left devices behind, and warns once", func() {
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 2, nil)

		waiting := newDistributeJob(ns, "no-such-product", byName(devices[0])...)
		Expect(k8sClient.Create(ctx, waiting)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, waiting)).To(Succeed()) })
		expectHealth(script, waiting, "InProgress", "Progressing", "no-such-product")

		setFaults(iotsim.Faults{HoldJobs: true})
		running := newDistributeJob(ns, p.Name, byName(devices[0])...)
		Expect(k8sClient.Create(ctx, running)).To(Succeed())
		waitPhase(running, iotv1.PhaseRunning)
		expectHealth(script, running, "InProgress", "Progressing", "Running")
		sim.SetFaults(iotsim.Faults{})
		expectHealth(script, running, "Current", "Healthy")
		Expect(running.Status.Succeeded).To(BeEquivalentTo(1))

		partial := newDistributeJob(ns, p.Name, devices[1].Name)
		partial.Spec.DeviceNames = []string{"never-registered"}
		Expect(k8sClient.Create(ctx, partial)).To(Succeed())
		waitPhase(partial, iotv1.PhaseCompleted)
		expectHealth(script, partial, "Failed", "Degraded", "never-registered")
		expectWarning("DistributeJob", partial, iotv1.ReasonDevicesFailed)

		setFaults(iotsim.Faults{InterruptJobs: true})
		interrupted := newDistributeJob(ns, p.Name, byName(devices[1])...)
		Expect(k8sClient.Create(ctx, interrupted)).To(Succeed())
		waitPhase(interrupted, iotv1.PhaseInterrupted)
		expectHealth(script, interrupted, "Failed", "Degraded", "interrupted")
		expectWarning("DistributeJob", interrupted, iotv1.ReasonJobInterrupted)
		sim.SetFaults(iotsim.Faults{})

		refused := newDistributeJob(ns, p.Name, byName(devices[1])...)
		refused.Spec.TargetUID = "1234567890123456" // no such account
		Expect(k8sClient.Create(ctx, refused)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, refused)).To(Succeed()) })
		waitPhase(refused, iotv1.PhaseFailed)
		expectHealth(script, refused, "Failed", "Degraded", "AccountNotFound")
		expectWarning("DistributeJob", refused, iotv1.ReasonInvalidSpec)

		update(running, func() { running.Annotations = map[string]string{iotv1.AnnotationPaused: "true"} })
		expectHealth(script, running, "Current", "Suspended")
	})

	It("warns when a Product's deletion is held by its Devices", func() {
		p := readyProductNamed(unique("Held_"))
		d := readyDevice(createdDevice(unique("holder-"), p.Name))
		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		expectWarning("Product", p, iotv1.ReasonDependentsExist)
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		expectDeletedFromKubernetes(p)
	})
})

var _ = Describe("The Argo CD health of a ProviderConfig", func() {
	It("is Healthy when its credentials load and Degraded, with the reason, when they do not", func() {
		script := argoScript("providerconfig-health.lua")
		Eventually(func(g Gomega) {
			h := healthOf(g, script, &iotv1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "default"}})
			g.Expect(h.Argo).To(Equal("Healthy"))
		}).Should(Succeed())

		pc := secretPC(unique("argo-pc-"), "no-such-secret")
		Expect(k8sClient.Create(context.Background(), pc)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(context.Background(), pc)).To(Succeed()) })
		Eventually(func(g Gomega) {
			h := healthOf(g, script, pc)
			g.Expect(h.Argo).To(Equal("Degraded"))
			g.Expect(h.ArgoMessage).To(ContainSubstring(iotv1.ReasonSecretNotFound))
		}).Should(Succeed())
	})
})
