package controllers

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"
)

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// decodeManifest parses a multi-document manifest.
func decodeManifest(text string) []*unstructured.Unstructured {
	GinkgoHelper()
	var out []*unstructured.Unstructured
	for _, doc := range docSeparator.Split(text, -1) {
		var obj map[string]any
		Expect(yaml.Unmarshal([]byte(doc), &obj)).To(Succeed(), doc)
		if len(obj) > 0 {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
	return out
}

// mutatingAdmissionPolicyAPI is the API the chart's finalizer policy needs.
const mutatingAdmissionPolicyAPI = "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy"

// clusterCapabilities is Helm's offline capabilities as a cluster that
// serves MutatingAdmissionPolicy (Kubernetes 1.36+) or not: helm install
// learns them from the cluster's discovery.
func clusterCapabilities(servesPolicies bool) *chartutil.Capabilities {
	caps := *chartutil.DefaultCapabilities
	var versions chartutil.VersionSet
	for _, v := range caps.APIVersions {
		if !strings.HasPrefix(v, "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy") {
			versions = append(versions, v)
		}
	}
	if servesPolicies {
		versions = append(versions, mutatingAdmissionPolicyAPI, mutatingAdmissionPolicyAPI+"Binding")
	}
	caps.APIVersions = versions
	return &caps
}

// renderChart renders dist/chart as `helm install --namespace namespace`
// would on a cluster before Kubernetes 1.36.
func renderChart(namespace string, values map[string]any) string {
	GinkgoHelper()
	return renderChartOn(clusterCapabilities(false), namespace, values)
}

// renderChartOn renders dist/chart through Helm's own library for a
// cluster of caps: the CRDs of crds/ first, then the templates.
func renderChartOn(caps *chartutil.Capabilities, namespace string, values map[string]any) string {
	GinkgoHelper()
	rendered, err := renderChartOrError(caps, namespace, values)
	Expect(err).NotTo(HaveOccurred())
	return rendered
}

// renderChartOrError is renderChartOn that returns the templates' error.
func renderChartOrError(caps *chartutil.Capabilities, namespace string, values map[string]any) (string, error) {
	chart, err := loader.Load(filepath.Join("..", "dist", "chart"))
	if err != nil {
		return "", err
	}
	if err := chartutil.ProcessDependenciesWithMerge(chart, values); err != nil {
		return "", err
	}
	renderValues, err := chartutil.ToRenderValues(chart, values,
		chartutil.ReleaseOptions{Name: "kiot", Namespace: namespace, IsInstall: true, Revision: 1}, caps)
	if err != nil {
		return "", err
	}
	files, err := engine.Render(chart, renderValues)
	if err != nil {
		return "", err
	}
	var docs []string
	for _, crd := range chart.CRDObjects() {
		docs = append(docs, string(crd.File.Data))
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasSuffix(name, ".yaml") && strings.TrimSpace(files[name]) != "" {
			docs = append(docs, files[name])
		}
	}
	return strings.Join(docs, "\n---\n"), nil
}

// dryRunApply applies manifest with --dry-run=server and returns how many
// objects the API server accepted.
func dryRunApply(manifest string) int {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), "manifest.yaml")
	Expect(os.WriteFile(path, []byte(manifest), 0o600)).To(Succeed())
	out, err := kubectlCmd("apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", path)
	Expect(err).NotTo(HaveOccurred(), out)
	return strings.Count(out, "(server dry run)")
}

func ensureNamespace(name string) {
	GinkgoHelper()
	err := k8sClient.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if !apierrors.IsAlreadyExists(err) {
		Expect(err).NotTo(HaveOccurred())
	}
}

// deploymentOf returns the one Deployment of objects, typed.
func deploymentOf(objects []*unstructured.Unstructured) *appsv1.Deployment {
	GinkgoHelper()
	var found []*appsv1.Deployment
	for _, o := range objects {
		if o.GetKind() == "Deployment" {
			data, err := yaml.Marshal(o.Object)
			Expect(err).NotTo(HaveOccurred())
			var d appsv1.Deployment
			Expect(yaml.Unmarshal(data, &d)).To(Succeed())
			found = append(found, &d)
		}
	}
	Expect(found).To(HaveLen(1))
	return found[0]
}

func kindsAndNames(objects []*unstructured.Unstructured, skipKinds ...string) []string {
	var out []string
	for _, o := range objects {
		if !slicesContains(skipKinds, o.GetKind()) {
			out = append(out, o.GetKind()+"/"+o.GetName())
		}
	}
	return out
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var _ = Describe("The release artifacts (dist/)", func() {
	readManifest := func() string {
		GinkgoHelper()
		data, err := os.ReadFile(filepath.Join("..", "dist", "kiot.yaml"))
		Expect(err).NotTo(HaveOccurred(), "run make release VERSION=...")
		return string(data)
	}
	chartAppVersion := func() string {
		GinkgoHelper()
		chart, err := loader.Load(filepath.Join("..", "dist", "chart"))
		Expect(err).NotTo(HaveOccurred())
		return chart.Metadata.AppVersion
	}

	It("hold one manifest of config/default's objects, image pinned to the version, that the API server accepts whole", func() {
		manifest := readManifest()
		objects := decodeManifest(manifest)
		rendered, err := kubectlCmd("kustomize", filepath.Join("..", "config", "default"))
		Expect(err).NotTo(HaveOccurred(), rendered)
		Expect(kindsAndNames(objects)).To(ConsistOf(kindsAndNames(decodeManifest(rendered))))

		version := chartAppVersion()
		Expect(version).To(MatchRegexp(`^v\d+\.\d+\.\d+`))
		image := deploymentOf(objects).Spec.Template.Spec.Containers[0].Image
		Expect(image).To(HaveSuffix(":" + version))
		Expect(image).NotTo(HavePrefix("kiot:"))

		// A server-side dry run creates nothing, the namespace included, so
		// the namespace's objects need it to exist already.
		ensureNamespace("kiot-system")
		Expect(dryRunApply(manifest)).To(Equal(len(objects)))
	})

	It("hold a Helm chart whose defaults render the manifest's objects in the release's namespace", func() {
		const namespace = "kiot-helm-default"
		ensureNamespace(namespace)
		manifestObjects := decodeManifest(readManifest())
		rendered := renderChart(namespace, map[string]any{})
		objects := decodeManifest(rendered)
		// The chart leaves the namespace to `helm install --create-namespace`.
		Expect(kindsAndNames(objects)).To(ConsistOf(kindsAndNames(manifestObjects, "Namespace")))
		for _, o := range objects {
			if o.GetNamespace() != "" {
				Expect(o.GetNamespace()).To(Equal(namespace), "%s/%s", o.GetKind(), o.GetName())
			}
			Expect(o.GetKind()).NotTo(Equal("ServiceMonitor"))
		}
		// The operator is the manifest's, but for its namespace.
		want := deploymentOf(manifestObjects)
		want.Namespace = namespace
		Expect(deploymentOf(objects)).To(Equal(want))

		Expect(dryRunApply(rendered)).To(Equal(len(objects)))
	})

	It("hold a Helm chart that installs the finalizer policy where the cluster serves it, unless told otherwise", func() {
		policyObjects := func(names []string) []string {
			var out []string
			for _, name := range names {
				if strings.HasPrefix(name, "MutatingAdmissionPolicy") {
					out = append(out, name)
				}
			}
			return out
		}
		policy := []string{"MutatingAdmissionPolicy/kiot-finalizer", "MutatingAdmissionPolicyBinding/kiot-finalizer"}
		for _, tc := range []struct {
			serves  bool
			install any
			want    []string
		}{
			{true, nil, policy}, {false, nil, nil},
			{true, "auto", policy}, {false, "auto", nil},
			{true, false, nil}, {false, true, policy},
		} {
			values := map[string]any{}
			if tc.install != nil {
				values["finalizerPolicy"] = map[string]any{"install": tc.install}
			}
			rendered := renderChartOn(clusterCapabilities(tc.serves), "kiot-helm-policy", values)
			Expect(policyObjects(kindsAndNames(decodeManifest(rendered)))).To(ConsistOf(tc.want),
				"cluster serves the API: %v, finalizerPolicy.install: %v", tc.serves, tc.install)
		}
		// The policy the chart installs is config/admission's, which this
		// API server (1.37) accepts.
		manifest := renderChartOn(clusterCapabilities(true), "kiot-helm-policy", map[string]any{})
		var policyDocs []string
		for _, o := range decodeManifest(manifest) {
			if strings.HasPrefix(o.GetKind(), "MutatingAdmissionPolicy") {
				data, err := yaml.Marshal(o.Object)
				Expect(err).NotTo(HaveOccurred())
				policyDocs = append(policyDocs, string(data))
			}
		}
		admission, err := os.ReadFile(filepath.Join("..", "dist", "kiot-admission.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(kindsAndNames(decodeManifest(strings.Join(policyDocs, "\n---\n")))).To(Equal(kindsAndNames(decodeManifest(string(admission)))))
		Expect(dryRunApply(strings.Join(policyDocs, "\n---\n"))).To(Equal(2))

		_, err = renderChartOrError(clusterCapabilities(true), "kiot-helm-policy", map[string]any{"finalizerPolicy": map[string]any{"install": "yes"}})
		Expect(err).To(MatchError(ContainSubstring("finalizerPolicy.install is \"yes\": use auto, true or false")))
	})

	It("hold a Helm chart that budgets disruptions only when there is a replica to spare", func() {
		for replicas, budgets := range map[int]int{1: 0, 2: 1} {
			names := kindsAndNames(decodeManifest(renderChart("kiot-helm-budget", map[string]any{"replicas": replicas})))
			Expect(names).To(ContainElement("Deployment/kiot-controller-manager"))
			var found int
			for _, name := range names {
				if strings.HasPrefix(name, "PodDisruptionBudget/") {
					found++
				}
			}
			// One replica with minAvailable 1 would block every node drain.
			Expect(found).To(Equal(budgets), "replicas: %d", replicas)
		}
	})

	It("hold a Helm chart whose values set the image, replicas, resources, flags, credentials and a ServiceMonitor", func() {
		const namespace = "kiot-helm-custom"
		ensureNamespace(namespace)
		rendered := renderChart(namespace, map[string]any{
			"image":    map[string]any{"repository": "registry.example.com/kiot", "tag": "v9.9.9", "pullPolicy": "Always"},
			"replicas": 3,
			"resources": map[string]any{
				"requests": map[string]any{"cpu": "250m", "memory": "256Mi"},
				"limits":   map[string]any{"memory": "1Gi"},
			},
			"operator": map[string]any{"resyncPeriod": "30m", "maxConcurrentReconciles": 8, "deviceWorkers": 200,
				"kubeAPIQPS": 500, "kubeAPIBurst": 900, "logLevel": "debug"},
			"extraArgs":      []any{"--distribute-poll-max=1m"},
			"credentials":    map[string]any{"secretName": "aliyun-credentials"},
			"podAnnotations": map[string]any{"example.com/team": "iot"},
			"nodeSelector":   map[string]any{"kubernetes.io/os": "linux"},
			"serviceMonitor": map[string]any{"enabled": true, "interval": "15s", "labels": map[string]any{"release": "prometheus"},
				"endpoint": map[string]any{"honorLabels": true}},
		})
		objects := decodeManifest(rendered)

		d := deploymentOf(objects)
		Expect(*d.Spec.Replicas).To(BeEquivalentTo(3))
		pod := d.Spec.Template.Spec
		Expect(d.Spec.Template.Annotations).To(HaveKeyWithValue("example.com/team", "iot"))
		Expect(pod.NodeSelector).To(HaveKeyWithValue("kubernetes.io/os", "linux"))
		c := pod.Containers[0]
		Expect(c.Image).To(Equal("registry.example.com/kiot:v9.9.9"))
		Expect(c.ImagePullPolicy).To(Equal(corev1.PullAlways))
		Expect(c.Resources.Requests[corev1.ResourceCPU]).To(Equal(resource.MustParse("250m")))
		Expect(c.Resources.Limits[corev1.ResourceMemory]).To(Equal(resource.MustParse("1Gi")))
		Expect(c.Args).To(ContainElements("--leader-elect", "--resync-period=30m", "--max-concurrent-reconciles=8",
			"--device-workers=200", "--kube-api-qps=500", "--kube-api-burst=900", "--zap-log-level=debug", "--distribute-poll-max=1m"))
		Expect(c.EnvFrom).To(ConsistOf(corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "aliyun-credentials"}}}))
		// The operator parses every flag the chart writes.
		for _, arg := range c.Args {
			name := strings.SplitN(strings.TrimPrefix(arg, "--"), "=", 2)[0]
			Expect(operatorFlags()).To(ContainElement(name), "the operator has no flag --%s", name)
		}

		// The ServiceMonitor scrapes the metrics Service's port, by the
		// Service's own labels. Its CRD is the Prometheus Operator's, absent
		// from this API server, so it is checked here and left out of the
		// dry run.
		var monitor, service *unstructured.Unstructured
		var others []string
		for _, o := range objects {
			switch {
			case o.GetKind() == "ServiceMonitor":
				monitor = o
				continue
			case o.GetKind() == "Service" && o.GetName() == "kiot-metrics":
				service = o
			}
			data, err := yaml.Marshal(o.Object)
			Expect(err).NotTo(HaveOccurred())
			others = append(others, string(data))
		}
		Expect(monitor).NotTo(BeNil())
		Expect(service).NotTo(BeNil())
		Expect(monitor.GetNamespace()).To(Equal(namespace))
		Expect(monitor.GetLabels()).To(HaveKeyWithValue("release", "prometheus"))
		selector, _, _ := unstructured.NestedStringMap(monitor.Object, "spec", "selector", "matchLabels")
		Expect(selector).NotTo(BeEmpty())
		for k, v := range selector {
			Expect(service.GetLabels()).To(HaveKeyWithValue(k, v))
		}
		endpoints, _, _ := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
		Expect(endpoints).To(HaveLen(1))
		ports, _, _ := unstructured.NestedSlice(service.Object, "spec", "ports")
		// The metrics are HTTPS for authorized callers: Prometheus sends its
		// ServiceAccount's token and accepts the self-signed certificate.
		Expect(endpoints[0]).To(And(HaveKeyWithValue("scheme", "https"),
			HaveKeyWithValue("bearerTokenFile", "/var/run/secrets/kubernetes.io/serviceaccount/token"),
			HaveKeyWithValue("tlsConfig", HaveKeyWithValue("insecureSkipVerify", true))))
		Expect(endpoints[0]).To(And(HaveKeyWithValue("port", ports[0].(map[string]any)["name"]),
			HaveKeyWithValue("interval", "15s"), HaveKeyWithValue("honorLabels", true), HaveKeyWithValue("path", "/metrics")))

		Expect(dryRunApply(strings.Join(others, "---\n"))).To(Equal(len(others)))
	})
})

// operatorFlags are the flags main.go defines, and the zap flags it binds.
func operatorFlags() []string {
	GinkgoHelper()
	source, err := os.ReadFile(filepath.Join("..", "main.go"))
	Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, m := range regexp.MustCompile(`flag\.\w+Var\([^,]+, "([a-z0-9-]+)"`).FindAllStringSubmatch(string(source), -1) {
		names = append(names, m[1])
	}
	Expect(names).To(ContainElement("resync-period"))
	fs := flag.NewFlagSet("zap", flag.ContinueOnError)
	(&zap.Options{}).BindFlags(fs)
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

var _ = Describe("config/overlays/tuned", func() {
	It("sets the operator's flags with kustomize, every one of them a flag the operator has", func() {
		rendered, err := kubectlCmd("kustomize", filepath.Join("..", "config", "overlays", "tuned"))
		Expect(err).NotTo(HaveOccurred(), rendered)
		args := deploymentOf(decodeManifest(rendered)).Spec.Template.Spec.Containers[0].Args
		Expect(args).To(ContainElements("--leader-elect", "--resync-period=30m", "--max-concurrent-reconciles=8",
			"--device-workers=200", "--kube-api-qps=500", "--kube-api-burst=1000", "--zap-log-level=debug"))
		for _, arg := range args {
			name := strings.SplitN(strings.TrimPrefix(arg, "--"), "=", 2)[0]
			Expect(operatorFlags()).To(ContainElement(name), "the operator has no flag --%s", name)
		}
	})
})
