package controllers

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
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

// argoHealth runs a health script on the resource as the API server has it.
func argoHealth(script string, obj client.Object) (status, message string) {
	GinkgoHelper()
	Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	Expect(err).NotTo(HaveOccurred())
	return argoHealthOf(script, u)
}

// argoHealthOf runs a health script as Argo CD does: with the standard
// libraries Argo CD opens, and the resource as the global table obj.
func argoHealthOf(script string, u map[string]any) (status, message string) {
	GinkgoHelper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, open := range []lua.LGFunction{lua.OpenBase, lua.OpenTable, lua.OpenString, lua.OpenMath} {
		L.Push(L.NewFunction(open))
		L.Call(0, 0)
	}
	L.SetGlobal("obj", toLua(L, u))
	Expect(L.DoString(script)).To(Succeed())
	hs, ok := L.Get(-1).(*lua.LTable)
	Expect(ok).To(BeTrue(), "the script must return a table")
	return hs.RawGetString("status").String(), hs.RawGetString("message").String()
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for i, e := range v {
			t.RawSetInt(i+1, toLua(L, e))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	default:
		return lua.LNil
	}
}

var _ = Describe("Argo CD health checks", func() {
	ctx := context.Background()

	It("are embedded unchanged in the argocd-cm snippet, one per kind", func() {
		var cm struct{ Data map[string]string }
		data, err := os.ReadFile(filepath.Join("..", "config", "argocd", "argocd-cm.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(yaml.Unmarshal(data, &cm)).To(Succeed())
		managed, job := argoScript("managed-health.lua"), argoScript("distributejob-health.lua")
		for _, kind := range []string{"Product", "Device", "DeviceGroup"} {
			Expect(cm.Data).To(HaveKeyWithValue("resource.customizations.health.iot.kiot.dev_"+kind, managed))
		}
		Expect(cm.Data).To(HaveKeyWithValue("resource.customizations.health.iot.kiot.dev_DistributeJob", job))
	})

	It("report Ready resources Healthy, waiting ones Progressing, refused ones Degraded, paused ones Suspended", func() {
		script := argoScript("managed-health.lua")

		p := readyProductNamed(unique("Argo_"))
		d := readyDevice(createdDevice(unique("argo-"), p.Name))
		g := newGroup("default", unique("Argo_group_"))
		g.Spec.Devices = []string{d.Name}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		readyGroup(g)
		for _, obj := range []client.Object{p, d, g} {
			status, _ := argoHealth(script, obj)
			Expect(status).To(Equal("Healthy"), "%s", obj.GetName())
		}

		waiting := createdDevice(unique("argo-waiting-"), "no-such-product")
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, waiting, iotv1.ConditionReady).Reason).To(Equal("ProductNotReady"))
		}).Should(Succeed())
		status, message := argoHealth(script, waiting)
		Expect(status).To(Equal("Progressing"))
		Expect(message).To(ContainSubstring("no-such-product"))

		sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
			"CreateProduct": {ErrorRate: 1, Code: "iot.prod.InvalidFormattedCatId", HTTPStatus: 200},
		}})
		DeferCleanup(func() { sim.SetFaults(iotsim.Faults{}) })
		refused := newProduct(unique("Argo_refused_"))
		Expect(k8sClient.Create(ctx, refused)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, refused, iotv1.ConditionSynced).Reason).To(Equal(iotv1.ReasonInvalidSpec))
		}).Should(Succeed())
		status, message = argoHealth(script, refused)
		Expect(status).To(Equal("Degraded"))
		Expect(message).To(ContainSubstring("iot.prod.InvalidFormattedCatId"))

		update(p, func() { p.Annotations = map[string]string{iotv1.AnnotationPaused: "true"} })
		status, _ = argoHealth(script, p)
		Expect(status).To(Equal("Suspended"))

		// Right after a spec change, before Kiot has seen it, Argo CD sees a
		// newer generation than the status describes: Progressing.
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
		Expect(err).NotTo(HaveOccurred())
		Expect(unstructured.SetNestedField(u, d.Generation+1, "metadata", "generation")).To(Succeed())
		status, _ = argoHealthOf(script, u)
		Expect(status).To(Equal("Progressing"))
	})
})

var _ = Describe("The Argo CD health check of a DistributeJob", func() {
	ctx := context.Background()

	It("follows the job: Progressing while it waits or runs, Healthy when every device made it, Degraded otherwise", func() {
		script := argoScript("distributejob-health.lua")
		ns := jobNamespace()
		p, devices := labelledFleet(ns, 2, nil)

		waiting := newDistributeJob(ns, "no-such-product", byName(devices[0])...)
		Expect(k8sClient.Create(ctx, waiting)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, waiting)).To(Succeed()) })
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, waiting, iotv1.ConditionReady).Reason).To(Equal(iotv1.ReasonProductNotReady))
		}).Should(Succeed())
		status, message := argoHealth(script, waiting)
		Expect(status).To(Equal("Progressing"))
		Expect(message).To(ContainSubstring("no-such-product"))

		setFaults(iotsim.Faults{HoldJobs: true})
		running := newDistributeJob(ns, p.Name, byName(devices[0])...)
		Expect(k8sClient.Create(ctx, running)).To(Succeed())
		waitPhase(running, iotv1.PhaseRunning)
		status, message = argoHealth(script, running)
		Expect(status).To(Equal("Progressing"))
		Expect(message).To(ContainSubstring("Running"))
		sim.SetFaults(iotsim.Faults{})
		waitReady(running)
		status, _ = argoHealth(script, running)
		Expect(status).To(Equal("Healthy"))

		partial := newDistributeJob(ns, p.Name, iotv1.DistributeDevice{Name: devices[1].Name}, iotv1.DistributeDevice{DeviceName: "never-registered"})
		Expect(k8sClient.Create(ctx, partial)).To(Succeed())
		waitPhase(partial, iotv1.PhaseCompleted)
		status, message = argoHealth(script, partial)
		Expect(status).To(Equal("Degraded"))
		Expect(message).To(ContainSubstring("never-registered"))

		setFaults(iotsim.Faults{InterruptJobs: true})
		interrupted := newDistributeJob(ns, p.Name, byName(devices[1])...)
		Expect(k8sClient.Create(ctx, interrupted)).To(Succeed())
		waitPhase(interrupted, iotv1.PhaseInterrupted)
		status, _ = argoHealth(script, interrupted)
		Expect(status).To(Equal("Degraded"))
		sim.SetFaults(iotsim.Faults{})

		refused := newDistributeJob(ns, p.Name, byName(devices[1])...)
		refused.Spec.TargetUID = "1234567890123456" // no such account
		Expect(k8sClient.Create(ctx, refused)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, refused)).To(Succeed()) })
		waitPhase(refused, iotv1.PhaseFailed)
		status, message = argoHealth(script, refused)
		Expect(status).To(Equal("Degraded"))
		Expect(message).To(ContainSubstring("AccountNotFound"))

		update(running, func() { running.Annotations = map[string]string{iotv1.AnnotationPaused: "true"} })
		status, _ = argoHealth(script, running)
		Expect(status).To(Equal("Suspended"))
	})
})
