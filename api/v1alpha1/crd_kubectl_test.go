package v1alpha1_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

func generatedCRDs(t *testing.T) []apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "bases", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no CRDs: %v", err)
	}
	var crds []apiextensionsv1.CustomResourceDefinition
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatal(err)
		}
		crds = append(crds, crd)
	}
	return crds
}

// lineCitation matches the references to the platform's documentation that
// Kiot's Go comments carry ("L10655–10670", "001:L40–47"): they mean nothing
// to a reader of kubectl explain.
var lineCitation = regexp.MustCompile(`\bL[0-9]{2,}|[0-9]{3}:L[0-9]`)

func walkDescriptions(path string, s *apiextensionsv1.JSONSchemaProps, visit func(path, description string)) {
	if s == nil {
		return
	}
	visit(path, s.Description)
	for name, p := range s.Properties {
		walkDescriptions(path+"."+name, &p, visit)
	}
	if s.Items != nil {
		walkDescriptions(path+"[]", s.Items.Schema, visit)
	}
	if s.AdditionalProperties != nil {
		walkDescriptions(path+"{}", s.AdditionalProperties.Schema, visit)
	}
}

func TestKubectlExplainShowsNoInternalLineCitations(t *testing.T) {
	for _, crd := range generatedCRDs(t) {
		for _, v := range crd.Spec.Versions {
			walkDescriptions(crd.Spec.Names.Kind, v.Schema.OpenAPIV3Schema, func(path, description string) {
				if lineCitation.MatchString(description) {
					t.Errorf("%s: description carries a line citation: %q", path, description)
				}
			})
		}
	}
}

// kubectl get shows Ready, Synced (every kind) and,
// with -o wide, Ready's reason, under column names that are all distinct
// (kubectl adds NAME itself).
func TestKubectlColumns(t *testing.T) {
	for _, crd := range generatedCRDs(t) {
		kind := crd.Spec.Names.Kind
		for _, v := range crd.Spec.Versions {
			seen := map[string]bool{"NAME": true}
			byName := map[string]apiextensionsv1.CustomResourceColumnDefinition{}
			for _, c := range v.AdditionalPrinterColumns {
				upper := strings.ToUpper(c.Name)
				if seen[upper] {
					t.Errorf("%s: two columns named %s", kind, upper)
				}
				seen[upper] = true
				byName[c.Name] = c
			}
			if c, ok := byName["Reason"]; !ok || c.JSONPath != `.status.conditions[?(@.type=="Ready")].reason` {
				t.Errorf("%s: no Reason column showing Ready's reason: %+v", kind, c)
			}
			if _, ok := byName["Synced"]; !ok {
				t.Errorf("%s: no Synced column", kind)
			}
		}
	}
}
