package controllers

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// kubectlCmd runs the toolchain's kubectl against the suite's API server as
// an administrator, as a person deploying Kiot would.
func kubectlCmd(args ...string) (string, error) {
	GinkgoHelper()
	admin, err := testEnv.AddUser(envtest.User{Name: "deployer", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	kubeconfig, err := admin.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(os.WriteFile(path, kubeconfig, 0o600)).To(Succeed())
	kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	out, err := exec.Command(kubectl, append([]string{"--kubeconfig", path}, args...)...).CombinedOutput()
	return string(out), err
}

var _ = Describe("config/default", func() {
	ctx := context.Background()

	It("is accepted whole by the API server, and deploys the operator hardened", func() {
		rendered, err := kubectlCmd("kustomize", filepath.Join("..", "config", "default"))
		Expect(err).NotTo(HaveOccurred(), rendered)
		objects := strings.Count(rendered, "\n---\n") + 1
		out, err := kubectlCmd("apply", "-k", filepath.Join("..", "config", "default"))
		Expect(err).NotTo(HaveOccurred(), out)
		accepted := 0
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if strings.HasSuffix(line, " created") || strings.HasSuffix(line, " configured") || strings.HasSuffix(line, " unchanged") {
				accepted++
			}
		}
		Expect(accepted).To(Equal(objects), "every rendered object is accepted:\n%s", out)

		var deployment appsv1.Deployment
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "kiot-system", Name: "kiot-controller-manager"}, &deployment)).To(Succeed())
		pod := deployment.Spec.Template.Spec
		Expect(pod.ServiceAccountName).To(Equal("kiot-controller-manager"))
		Expect(pod.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
		container := pod.Containers[0]
		Expect(container.Args).To(ContainElement("--leader-elect"))
		Expect(container.SecurityContext.AllowPrivilegeEscalation).To(HaveValue(BeFalse()))
		Expect(container.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
		Expect(container.SecurityContext.Capabilities.Drop).To(ContainElement(corev1.Capability("ALL")))
		Expect(container.LivenessProbe).NotTo(BeNil())
		Expect(container.ReadinessProbe).NotTo(BeNil())
		Expect(container.Resources.Requests).To(HaveKey(corev1.ResourceCPU))
		Expect(container.Resources.Requests).To(HaveKey(corev1.ResourceMemory))

		var metrics corev1.Service
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "kiot-system", Name: "kiot-metrics"}, &metrics)).To(Succeed())
	})

	It("grants the operator least privilege: no wildcards, Secrets without delete", func() {
		var role rbacv1.ClusterRole
		data, err := os.ReadFile(filepath.Join("..", "config", "rbac", "role.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(yaml.Unmarshal(data, &role)).To(Succeed())
		Expect(role.Rules).NotTo(BeEmpty())
		for _, rule := range role.Rules {
			Expect(rule.Verbs).NotTo(ContainElement("*"))
			Expect(rule.Resources).NotTo(ContainElement("*"))
			Expect(rule.APIGroups).NotTo(ContainElement("*"))
			if slices.Contains(rule.Resources, "secrets") {
				// Secrets Kiot writes are owned by their resource; the garbage
				// collector deletes them, never Kiot.
				Expect(rule.Verbs).NotTo(ContainElement("delete"))
			}
		}
	})

	It("lists every generated CRD in config/crd", func() {
		generated, err := filepath.Glob(filepath.Join("..", "config", "crd", "bases", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		data, err := os.ReadFile(filepath.Join("..", "config", "crd", "kustomization.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var kustomization struct{ Resources []string }
		Expect(yaml.Unmarshal(data, &kustomization)).To(Succeed())
		var want []string
		for _, path := range generated {
			want = append(want, "bases/"+filepath.Base(path))
		}
		Expect(kustomization.Resources).To(ConsistOf(want))
	})
})
