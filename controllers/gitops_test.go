package controllers

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// gitOpsManager is the field manager of the applying GitOps tool.
const gitOpsManager = "argocd-controller"

// readSamplesUnstructured decodes config/samples/<file> as a GitOps tool
// reads it.
func readSamplesUnstructured(file string) []*unstructured.Unstructured {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("..", "config", "samples", file))
	Expect(err).NotTo(HaveOccurred())
	var objects []*unstructured.Unstructured
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		u := &unstructured.Unstructured{}
		Expect(yaml.Unmarshal(doc, &u.Object)).To(Succeed())
		objects = append(objects, u)
	}
	return objects
}

func applyAll(objects []*unstructured.Unstructured) {
	GinkgoHelper()
	for _, obj := range objects {
		Expect(k8sClient.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(obj.DeepCopy()),
			client.FieldOwner(gitOpsManager), client.ForceOwnership)).To(Succeed())
	}
}

// specOwners names the field managers other than the GitOps tool that own
// any field under spec.
func specOwners(obj *unstructured.Unstructured) []string {
	var owners []string
	for _, entry := range obj.GetManagedFields() {
		if entry.Manager == gitOpsManager || entry.FieldsV1 == nil {
			continue
		}
		var fields map[string]any
		Expect(json.Unmarshal(entry.FieldsV1.Raw, &fields)).To(Succeed())
		if _, ok := fields["f:spec"]; ok {
			owners = append(owners, entry.Manager+"/"+entry.Subresource)
		}
	}
	return owners
}

var _ = Describe("GitOps", func() {
	It("sees no diff: Kiot never writes spec, and re-applying the samples changes nothing", func() {
		ctx := context.Background()
		var objects []*unstructured.Unstructured
		for _, file := range []string{"product.yaml", "devices.yaml", "devicegroup.yaml", "distributejob.yaml"} {
			objects = append(objects, readSamplesUnstructured(file)...)
		}
		applyAll(objects)
		for _, obj := range objects {
			Eventually(func(g Gomega) {
				live := obj.DeepCopy()
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), live)).To(Succeed())
				conditions, _, _ := unstructured.NestedSlice(live.Object, "status", "conditions")
				g.Expect(conditions).To(ContainElement(SatisfyAll(HaveKeyWithValue("type", "Ready"), HaveKeyWithValue("status", "True"))),
					"%s/%s is not Ready", live.GetKind(), live.GetName())
			}).Should(Succeed())
		}

		generations := map[string]int64{}
		for _, obj := range objects {
			live := obj.DeepCopy()
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), live)).To(Succeed())
			Expect(live.GetGeneration()).To(BeEquivalentTo(1), "%s/%s: spec was rewritten after it was applied", live.GetKind(), live.GetName())
			Expect(specOwners(live)).To(BeEmpty(), "%s/%s: another manager owns spec fields", live.GetKind(), live.GetName())
			generations[live.GetKind()+"/"+live.GetName()] = live.GetGeneration()
		}

		// Re-applying what is in Git is a no-op on every spec.
		applyAll(objects)
		for _, obj := range objects {
			live := obj.DeepCopy()
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), live)).To(Succeed())
			Expect(live.GetGeneration()).To(Equal(generations[live.GetKind()+"/"+live.GetName()]))
			Expect(specOwners(live)).To(BeEmpty())
		}

		for _, obj := range objects {
			Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, obj.DeepCopy()))).To(Succeed())
		}
		for _, obj := range objects {
			Eventually(func() bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopy()))
			}).Should(BeTrue(), "%s was not deleted", obj.GetName())
		}
	})
})
