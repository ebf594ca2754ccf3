package controllers

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/kiotmetrics"
)

// repoRoot is where the repository's files are, from this package.
const repoRoot = ".."

// A kind lives in many places beside its Go code: its CRD, its RBAC, its
// Argo CD health, the fleet metrics, its docs page and the docs index, and
// a sample. Nothing else catches a new kind forgotten in one of them, so
// this test walks the scheme's kinds and looks in each.
func TestEveryKindOfTheSchemeIsWiredEverywhere(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for kind := range scheme.KnownTypes(iotv1.GroupVersion) {
		// The group's own objects: not its lists, nor the option and
		// watch types every group version registers.
		obj, err := scheme.New(iotv1.GroupVersion.WithKind(kind))
		if _, isObject := obj.(metav1.Object); err != nil || !isObject || meta.IsListType(obj) {
			continue
		}
		kinds = append(kinds, kind)
	}
	slices.Sort(kinds)
	if len(kinds) == 0 {
		t.Fatal("no Kiot kinds in the scheme")
	}
	crds := readCRDs(t)
	argocd := readFile(t, "config/argocd/argocd-cm.yaml")
	rbac := readFile(t, "config/rbac/role.yaml")
	docsIndex := readFile(t, "docs/README.md")
	samples := sampleKinds(t)
	metrics := kiotmetrics.KindNames()
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			crd, ok := crds[kind]
			if !ok {
				t.Fatalf("no CRD in config/crd/bases names kind %s: run make manifests", kind)
			}
			plural := crd.Spec.Names.Plural
			for _, resource := range []string{plural, plural + "/status"} {
				if !regexp.MustCompile(`(?m)^\s*- ` + regexp.QuoteMeta(resource) + `$`).MatchString(rbac) {
					t.Errorf("config/rbac/role.yaml grants nothing on %s: add the kubebuilder:rbac markers to its controller", resource)
				}
			}
			if !strings.Contains(argocd, "resource.customizations.health."+iotv1.GroupVersion.Group+"_"+kind+":") {
				t.Errorf("config/argocd/argocd-cm.yaml has no health check for %s: run make manifests (hack/argocd-cm)", kind)
			}
			if !slices.Contains(metrics, kind) {
				t.Errorf("internal/kiotmetrics/kinds.go does not list %s: the fleet metrics would leave it out", kind)
			}
			page := strings.ToLower(kind) + ".md"
			if _, err := os.Stat(filepath.Join(repoRoot, "docs", page)); err != nil {
				t.Errorf("docs/%s is missing: run make manifests (hack/crd-docs)", page)
			}
			if !strings.Contains(docsIndex, "("+page+")") {
				t.Errorf("docs/README.md does not link %s", page)
			}
			if !samples[kind] {
				t.Errorf("no sample in config/samples is a %s", kind)
			}
		})
	}
	for kind := range crds {
		if !slices.Contains(kinds, kind) {
			t.Errorf("config/crd/bases has a CRD for %s, which the scheme does not know", kind)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// readCRDs maps each CRD of config/crd/bases by its kind.
func readCRDs(t *testing.T) map[string]apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crds := map[string]apiextensionsv1.CustomResourceDefinition{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		crds[crd.Spec.Names.Kind] = crd
	}
	return crds
}

// sampleKinds are the kinds of config/samples' documents.
func sampleKinds(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "samples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	kindLine := regexp.MustCompile(`(?m)^kind:\s*(\S+)\s*$`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range kindLine.FindAllStringSubmatch(string(raw), -1) {
			kinds[m[1]] = true
		}
	}
	return kinds
}
