package iotsim

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// crdPropertyKeyRule is the regular expression the Device CRD's CEL rule
// applies to every spec.properties key, read from the generated CRD.
func crdPropertyKeyRule(t *testing.T) *regexp.Regexp {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "iot.kiot.dev_devices.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	props := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["properties"]
	for _, rule := range props.XValidations {
		if _, pattern, ok := strings.Cut(rule.Rule, "k.matches('"); ok {
			pattern, _, _ = strings.Cut(pattern, "')")
			return regexp.MustCompile(pattern)
		}
	}
	t.Fatal("the Device CRD has no k.matches rule on spec.properties keys")
	return nil
}

// The CRD admits exactly the property keys the simulator accepts, so a key
// that passes admission is never refused at reconcile time. Both follow the
// platform's documented tag-key rule: 1–30 letters, digits and periods.
func TestTheDeviceCRDAndTheSimulatorAgreeOnPropertyKeys(t *testing.T) {
	crd := crdPropertyKeyRule(t)
	keys := []string{
		"pole", "pole.number", "P0le.2", "a", strings.Repeat("k", 30), // the rule's
		"pole-number", "pole_number", "pole number", "", strings.Repeat("k", 31), "höhe", "a:b", // not
	}
	for _, k := range keys {
		admitted, accepted := crd.MatchString(k), validDevicePropKey(k)
		if admitted != accepted {
			t.Errorf("key %q: the CRD admits it: %v, the simulator accepts it: %v", k, admitted, accepted)
		}
	}
	if !crd.MatchString("pole.number") || crd.MatchString("pole-number") || crd.MatchString(strings.Repeat("k", 31)) {
		t.Error("the rule is not the platform's tag-key rule (1–30 letters, digits and periods)")
	}
}
