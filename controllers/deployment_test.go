package controllers

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
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

	It("serves metrics over HTTPS behind a NetworkPolicy, budgets disruptions, and prefixes every cluster-scoped name with kiot-", func() {
		rendered, err := kubectlCmd("kustomize", filepath.Join("..", "config", "default"))
		Expect(err).NotTo(HaveOccurred(), rendered)
		objects := decodeManifest(rendered)
		typed := func(kind, name string, into any) {
			GinkgoHelper()
			for _, o := range objects {
				if o.GetKind() == kind && o.GetName() == name {
					data, err := yaml.Marshal(o.Object)
					Expect(err).NotTo(HaveOccurred())
					Expect(yaml.Unmarshal(data, into)).To(Succeed())
					return
				}
			}
			Fail(fmt.Sprintf("config/default has no %s %s", kind, name))
		}

		// Cluster-scoped objects (no namespace) cannot collide with
		// another operator's: kiot- names, and CRDs of Kiot's group.
		roles := map[string]bool{}
		for _, o := range objects {
			if o.GetKind() == "ClusterRole" || o.GetKind() == "Role" {
				roles[o.GetKind()+"/"+o.GetName()] = true
			}
			switch {
			case o.GetNamespace() != "":
			case o.GetKind() == "CustomResourceDefinition":
				Expect(o.GetName()).To(HaveSuffix(".iot.kiot.dev"))
			default:
				Expect(o.GetName()).To(HavePrefix("kiot-"), "%s %s", o.GetKind(), o.GetName())
			}
		}
		for _, o := range objects {
			if kind := o.GetKind(); kind == "ClusterRoleBinding" || kind == "RoleBinding" {
				ref, _, _ := unstructured.NestedStringMap(o.Object, "roleRef")
				Expect(roles).To(HaveKey(ref["kind"]+"/"+ref["name"]), "%s %s binds a role config/default has", kind, o.GetName())
			}
		}

		// The operator may ask the API server who a scraper is and what it
		// may do; kiot-metrics-reader lets a scraper GET /metrics.
		var manager, reader rbacv1.ClusterRole
		typed("ClusterRole", "kiot-manager-role", &manager)
		Expect(manager.Rules).To(ContainElements(
			rbacv1.PolicyRule{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
			rbacv1.PolicyRule{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}}))
		typed("ClusterRole", "kiot-metrics-reader", &reader)
		Expect(reader.Rules).To(Equal([]rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}))

		// The operator serves metrics on 8443 with the default
		// --metrics-secure; the Service reaches that port.
		deployment := deploymentOf(objects)
		pod := deployment.Spec.Template
		container := pod.Spec.Containers[0]
		Expect(container.Args).To(ContainElement("--metrics-bind-address=:8443"))
		for _, arg := range container.Args {
			Expect(arg).NotTo(HavePrefix("--metrics-secure"), "HTTPS is the default")
		}
		Expect(container.Ports).To(ContainElement(corev1.ContainerPort{Name: "https", ContainerPort: 8443}))
		var service corev1.Service
		typed("Service", "kiot-metrics", &service)
		Expect(service.Spec.Ports).To(ConsistOf(corev1.ServicePort{Name: "https", Port: 8443, Protocol: corev1.ProtocolTCP,
			TargetPort: intstr.FromString("https")}))

		// Ingress to the operator's pods: the metrics port only, from
		// namespaces labelled metrics: enabled.
		var policies []networkingv1.NetworkPolicy
		for _, o := range objects {
			if o.GetKind() == "NetworkPolicy" {
				var p networkingv1.NetworkPolicy
				typed("NetworkPolicy", o.GetName(), &p)
				policies = append(policies, p)
			}
		}
		Expect(policies).To(HaveLen(1))
		policy := policies[0]
		Expect(policy.Spec.PodSelector.MatchLabels).To(Equal(pod.Labels))
		Expect(policy.Spec.PolicyTypes).To(Equal([]networkingv1.PolicyType{networkingv1.PolicyTypeIngress}))
		tcp, port := corev1.ProtocolTCP, intstr.FromInt32(8443)
		Expect(policy.Spec.Ingress).To(Equal([]networkingv1.NetworkPolicyIngressRule{{
			From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"metrics": "enabled"}}}},
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
		}}))

		// A drain takes one of the two replicas at a time.
		var budget policyv1.PodDisruptionBudget
		typed("PodDisruptionBudget", "kiot-controller-manager", &budget)
		Expect(*deployment.Spec.Replicas).To(BeEquivalentTo(2))
		Expect(budget.Spec.MinAvailable).To(HaveValue(Equal(intstr.FromInt32(1))))
		Expect(budget.Spec.Selector.MatchLabels).To(Equal(deployment.Spec.Selector.MatchLabels))
		Expect(budget.Spec.Selector.MatchLabels).To(Equal(pod.Labels))

		// And the API server takes all of it.
		ensureNamespace("kiot-system")
		Expect(dryRunApply(rendered)).To(Equal(len(objects)))
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
