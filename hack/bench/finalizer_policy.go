package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// installFinalizerPolicy applies config/admission (the API server puts
// Kiot's finalizer on each Device at create) and waits until a dry-run
// create of a Device shows it in effect.
func (b *bench) installFinalizerPolicy(ctx context.Context, root string) error {
	raw, err := os.ReadFile(filepath.Join(root, "config", "admission", "finalizer_policy.yaml"))
	if err != nil {
		return err
	}
	for _, doc := range docSeparator.Split(string(raw), -1) {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return fmt.Errorf("config/admission: %w", err)
		}
		if len(obj) == 0 {
			continue
		}
		if err := b.client.Create(ctx, &unstructured.Unstructured{Object: obj}); err != nil {
			return fmt.Errorf("config/admission: %w", err)
		}
	}
	return b.wait(ctx, "finalizer policy in effect", func() (bool, string) {
		probe := &iotv1.Device{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "policy-probe"},
			Spec: iotv1.DeviceSpec{ProductRef: &iotv1.LocalReference{Name: "bench-000"}}}
		if err := b.client.Create(ctx, probe, client.DryRunAll); err != nil {
			return false, err.Error()
		}
		return len(probe.Finalizers) > 0, "a dry-run Device has no finalizer yet"
	})
}
