package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// The chart's templates are the kustomize objects, marshalled as they are,
// with a few fields set to placeholders that become template blocks once
// written: the objects stay kustomize's, only the knobs are the chart's.
const (
	phReplicas    = "__KIOT_REPLICAS__"
	phImage       = "__KIOT_IMAGE__"
	phPullPolicy  = "__KIOT_PULL_POLICY__"
	phResources   = "__KIOT_RESOURCES__"
	phArgs        = "__KIOT_ARGS__"
	phEnvFrom     = "__KIOT_ENV_FROM__"
	phScheduling  = "__KIOT_SCHEDULING__"
	phAnnotations = "__KIOT_POD_ANNOTATIONS__"
)

// blocks replace the line holding a placeholder; %[1]s is its indentation
// and %[2]d the indentation of a nested block.
var blocks = map[string]string{
	phReplicas:   "%[1]sreplicas: {{ .Values.replicas }}",
	phImage:      `%[1]simage: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"`,
	phPullPolicy: "%[1]s{{- with .Values.image.pullPolicy }}\n%[1]simagePullPolicy: {{ . }}\n%[1]s{{- end }}",
	phResources:  "%[1]sresources:\n%[1]s  {{- toYaml .Values.resources | nindent %[2]d }}",
	phArgs: strings.Join([]string{
		"%[1]s{{- with .Values.operator.resyncPeriod }}", `%[1]s- {{ printf "--resync-period=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- with .Values.operator.maxConcurrentReconciles }}", `%[1]s- {{ printf "--max-concurrent-reconciles=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- with .Values.operator.deviceWorkers }}", `%[1]s- {{ printf "--device-workers=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- with .Values.operator.kubeAPIQPS }}", `%[1]s- {{ printf "--kube-api-qps=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- with .Values.operator.kubeAPIBurst }}", `%[1]s- {{ printf "--kube-api-burst=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- with .Values.operator.logLevel }}", `%[1]s- {{ printf "--zap-log-level=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- with .Values.operator.clusterID }}", `%[1]s- {{ printf "--cluster-id=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- with .Values.operator.quotaSharePercent }}", `%[1]s- {{ printf "--quota-share-percent=%%v" . | quote }}`, "%[1]s{{- end }}",
		"%[1]s{{- range .Values.extraArgs }}", "%[1]s- {{ . | quote }}", "%[1]s{{- end }}",
	}, "\n"),
	phEnvFrom: strings.Join([]string{
		"%[1]s{{- with .Values.credentials.secretName }}",
		"%[1]s- secretRef:", "%[1]s    name: {{ . | quote }}",
		"%[1]s{{- end }}",
	}, "\n"),
	phScheduling: strings.Join([]string{
		"%[1]s{{- with .Values.nodeSelector }}", "%[1]snodeSelector:", "%[1]s  {{- toYaml . | nindent %[2]d }}", "%[1]s{{- end }}",
		"%[1]s{{- with .Values.tolerations }}", "%[1]stolerations:", "%[1]s  {{- toYaml . | nindent %[2]d }}", "%[1]s{{- end }}",
		"%[1]s{{- with .Values.affinity }}", "%[1]saffinity:", "%[1]s  {{- toYaml . | nindent %[2]d }}", "%[1]s{{- end }}",
		"%[1]s{{- with .Values.priorityClassName }}", "%[1]spriorityClassName: {{ . | quote }}", "%[1]s{{- end }}",
	}, "\n"),
	phAnnotations: strings.Join([]string{
		"%[1]s{{- with .Values.podAnnotations }}", "%[1]sannotations:", "%[1]s  {{- toYaml . | nindent %[2]d }}", "%[1]s{{- end }}",
	}, "\n"),
}

var placeholderLine = regexp.MustCompile(`(?m)^( *)(?:- |[A-Za-z_]+: )?(__KIOT_[A-Z_]+__)(?:: x)?$`)

// templateText marshals o and turns its placeholders and its namespace
// into template expressions.
func templateText(o object, namespace string) (string, error) {
	data, err := yaml.Marshal(o)
	if err != nil {
		return "", err
	}
	text := strings.ReplaceAll(string(data), "{{", `{{ "{{" }}`)
	text = placeholderLine.ReplaceAllStringFunc(text, func(line string) string {
		m := placeholderLine.FindStringSubmatch(line)
		indent := m[1]
		return fmt.Sprintf(blocks[m[2]], indent, len(indent)+2)
	})
	if namespace != "" {
		ns := regexp.MustCompile(`(?m)(: |- )` + regexp.QuoteMeta(namespace) + `$`)
		text = ns.ReplaceAllString(text, "${1}{{ .Release.Namespace }}")
	}
	if strings.Contains(text, "__KIOT_") {
		return "", fmt.Errorf("%s %s: a placeholder was left in the template", o.kind(), o.name())
	}
	return text, nil
}

// templatizeDeployment sets the chart's knobs on the operator's Deployment
// and returns the defaults they had, for values.yaml.
func templatizeDeployment(d object) (defaults chartDefaults, err error) {
	spec, _ := d["spec"].(map[string]any)
	template, _ := spec["template"].(map[string]any)
	podMeta, _ := template["metadata"].(map[string]any)
	pod, _ := template["spec"].(map[string]any)
	containers, _ := pod["containers"].([]any)
	if spec == nil || podMeta == nil || pod == nil || len(containers) == 0 {
		return defaults, fmt.Errorf("deployment %s has no pod template with a container", d.name())
	}
	var manager map[string]any
	for _, c := range containers {
		if c := c.(map[string]any); c["name"] == "manager" {
			manager = c
		}
	}
	if manager == nil {
		return defaults, fmt.Errorf("deployment %s has no container named manager", d.name())
	}
	defaults.Replicas = spec["replicas"]
	defaults.Resources = manager["resources"]
	defaults.PullPolicy, _ = manager["imagePullPolicy"].(string)
	if _, ok := podMeta["annotations"]; ok {
		return defaults, fmt.Errorf("the pod template has annotations: merge podAnnotations with them in hack/release")
	}
	for _, key := range []string{"nodeSelector", "tolerations", "affinity", "priorityClassName"} {
		if _, ok := pod[key]; ok {
			return defaults, fmt.Errorf("the pod sets %s: make hack/release merge it with the chart's value", key)
		}
	}
	spec["replicas"] = phReplicas
	podMeta[phAnnotations] = "x"
	pod[phScheduling] = "x"
	manager["image"] = phImage
	manager["imagePullPolicy"] = phPullPolicy
	manager["resources"] = phResources
	args, _ := manager["args"].([]any)
	manager["args"] = append(args, phArgs)
	envFrom, _ := manager["envFrom"].([]any)
	manager["envFrom"] = append(envFrom, phEnvFrom)
	return defaults, nil
}

// chartDefaults are config/default's values of the chart's knobs.
type chartDefaults struct {
	Replicas   any
	Resources  any
	PullPolicy string
}

func writeChart(dir string, o Options, objects []object) error {
	for _, sub := range []string{"crds", "templates"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	namespace := ""
	for _, obj := range objects {
		if obj.kind() == "Namespace" {
			namespace = obj.name()
		}
	}
	var crds []string
	var defaults *chartDefaults
	var metricsService object
	for _, obj := range objects {
		switch obj.kind() {
		case "Namespace":
			// helm install --namespace ... --create-namespace.
			continue
		case "CustomResourceDefinition":
			data, err := yaml.Marshal(obj)
			if err != nil {
				return err
			}
			crds = append(crds, string(data))
			continue
		case "Deployment":
			if defaults != nil {
				return fmt.Errorf("config/default has more than one Deployment")
			}
			d, err := templatizeDeployment(obj)
			if err != nil {
				return err
			}
			defaults = &d
		case "Service":
			if labels, _ := obj["metadata"].(map[string]any)["labels"].(map[string]any); labels["app.kubernetes.io/component"] == "metrics" {
				metricsService = obj
			}
		}
		text, err := templateText(obj, namespace)
		if err != nil {
			return err
		}
		if obj.kind() == "PodDisruptionBudget" {
			// With one replica a budget keeping one would block every
			// node drain; there is no disruption to budget for.
			text = "{{- if gt (int .Values.replicas) 1 }}\n" + text + "{{- end }}\n"
		}
		file := filepath.Join(dir, "templates", strings.ToLower(obj.kind())+"-"+obj.name()+".yaml")
		if err := os.WriteFile(file, []byte(generatedNote+text), 0o644); err != nil {
			return err
		}
	}
	if defaults == nil {
		return fmt.Errorf("config/default has no Deployment")
	}
	if metricsService == nil {
		return fmt.Errorf("config/default has no Service labelled app.kubernetes.io/component: metrics")
	}
	monitor, err := serviceMonitorTemplate(metricsService)
	if err != nil {
		return err
	}
	policy, err := admissionPolicy()
	if err != nil {
		return err
	}
	values, err := valuesYAML(*defaults, o.Image)
	if err != nil {
		return err
	}
	files := map[string]string{
		"Chart.yaml":                      chartYAML(o),
		"values.yaml":                     values,
		"crds/crds.yaml":                  generatedNote + strings.Join(crds, "---\n"),
		"templates/servicemonitor.yaml":   monitor,
		"templates/finalizer-policy.yaml": finalizerPolicyTemplate(policy),
		"templates/NOTES.txt":             notes,
		"README.md":                       chartReadme,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// mutatingAdmissionPolicyAPI is what a cluster serves when it can run the
// finalizer policy (Kubernetes 1.36+, or earlier with the beta enabled
// under v1beta1, which the chart does not try).
const mutatingAdmissionPolicyAPI = "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy"

// finalizerPolicyTemplate installs config/admission's policy as
// .Values.finalizerPolicy.install says: auto where the cluster serves the
// API, so one chart suits clusters before and after 1.36.
func finalizerPolicyTemplate(policy []byte) string {
	text := strings.ReplaceAll(string(policy), "{{", `{{ "{{" }}`)
	return fmt.Sprintf(`{{- $install := toString .Values.finalizerPolicy.install }}
{{- if not (has $install (list "auto" "true" "false")) }}
{{- fail (printf "finalizerPolicy.install is %%q: use auto, true or false" $install) }}
{{- end }}
{{- if or (eq $install "true") (and (eq $install "auto") (.Capabilities.APIVersions.Has %q)) }}
# Generated by hack/release from config/admission; do not edit.
%s{{- end }}
`, mutatingAdmissionPolicyAPI, text)
}

const generatedNote = "# Generated by hack/release from config/default; do not edit.\n"

func chartYAML(o Options) string {
	return fmt.Sprintf(`# Generated by hack/release; do not edit.
apiVersion: v2
name: kiot
description: Kiot, the Kubernetes operator that makes Alibaba Cloud IoT Platform declarative.
type: application
version: %s
appVersion: %s
kubeVersion: ">=1.30.0-0"
home: https://github.com/kiot-dev/kiot
sources:
- https://github.com/kiot-dev/kiot
`, strings.TrimPrefix(o.Version, "v"), o.Version)
}
