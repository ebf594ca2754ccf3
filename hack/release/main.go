// Command release renders Kiot's install artifacts from config/default, so
// they cannot drift from what the tests apply:
//
//   - dist/kiot.yaml, one manifest with the image pinned to the version;
//   - dist/kiot-admission.yaml, the optional finalizer admission policy
//     of config/admission (Kubernetes 1.36+);
//   - dist/chart, a Helm chart whose templates are the same objects with
//     the image, replicas, resources, operator flags, credentials,
//     scheduling and an optional ServiceMonitor made values, and the
//     finalizer policy where the cluster serves it.
//
// Whatever config/default holds (RBAC, Service, NetworkPolicy, ...) flows
// into both. `make release VERSION=v0.2.0` runs it; hack/verify-generated.sh
// runs it again with the committed version and fails when dist/ is stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Options of one release.
type Options struct {
	Kustomize string // the kustomize binary
	Version   string // v0.2.0
	Image     string // the image repository, without tag
	Out       string // the output directory (dist)
}

var semver = regexp.MustCompile(`^v(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$`)

func main() {
	var o Options
	flag.StringVar(&o.Kustomize, "kustomize", "kustomize", "The kustomize binary.")
	flag.StringVar(&o.Version, "version", "", "The release version, v<major>.<minor>.<patch>.")
	flag.StringVar(&o.Image, "image", "ghcr.io/kiot-dev/kiot", "The operator image repository; the tag is the version.")
	flag.StringVar(&o.Out, "out", "dist", "The output directory.")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(o Options) error {
	if !semver.MatchString(o.Version) {
		return fmt.Errorf("version %q is not v<major>.<minor>.<patch>", o.Version)
	}
	rendered, err := kustomize(o)
	if err != nil {
		return err
	}
	objects, err := splitObjects(rendered)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(o.Out); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	header := fmt.Sprintf("# Kiot %s: CRDs, RBAC, the operator and its Service, rendered by `make release`\n"+
		"# from config/default. Do not edit: change config/ and run `make release VERSION=%s`.\n"+
		"# Install: kubectl apply --server-side -f kiot.yaml\n", o.Version, o.Version)
	if err := os.WriteFile(filepath.Join(o.Out, "kiot.yaml"), append([]byte(header), rendered...), 0o644); err != nil {
		return err
	}
	if err := writeAdmission(o); err != nil {
		return err
	}
	return writeChart(filepath.Join(o.Out, "chart"), o, objects)
}

// admissionPolicy is config/admission's finalizer policy as it is: it names
// no image or namespace, so nothing in it depends on the release.
func admissionPolicy() ([]byte, error) {
	return os.ReadFile(filepath.Join("config", "admission", "finalizer_policy.yaml"))
}

// writeAdmission copies config/admission's policy.
func writeAdmission(o Options) error {
	policy, err := admissionPolicy()
	if err != nil {
		return err
	}
	header := fmt.Sprintf("# Kiot %s: the optional finalizer admission policy (Kubernetes 1.36+), from\n"+
		"# config/admission by `make release`. Install: kubectl apply -f kiot-admission.yaml\n", o.Version)
	return os.WriteFile(filepath.Join(o.Out, "kiot-admission.yaml"), append([]byte(header), policy...), 0o644)
}

// kustomize builds config/default through a temporary overlay that pins
// the image, next to config/ (kustomize refuses absolute resource paths).
func kustomize(o Options) ([]byte, error) {
	overlay, err := os.MkdirTemp(".", ".release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(overlay)
	kustomization := fmt.Sprintf("resources:\n- ../config/default\nimages:\n- name: kiot\n  newName: %s\n  newTag: %s\n", o.Image, o.Version)
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd := exec.Command(o.Kustomize, "build", overlay)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w: %s", err, stderr.String())
	}
	return out, nil
}

// object is one rendered object, as a map (the generator edits a few
// fields and writes the rest as kustomize made it).
type object map[string]any

func (o object) kind() string { s, _ := o["kind"].(string); return s }

func (o object) name() string {
	meta, _ := o["metadata"].(map[string]any)
	s, _ := meta["name"].(string)
	return s
}

func splitObjects(rendered []byte) ([]object, error) {
	var out []object
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(rendered), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
