package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// kubectl runs the toolchain's kubectl against the local control plane,
// as a person following the README would.
type kubectl struct {
	binary     string
	kubeconfig string
}

func (k kubectl) run(args ...string) (string, error) {
	cmd := exec.Command(k.binary, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func createNamespace(ctx context.Context, cfg *rest.Config, name string) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	return c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

// createCredentials makes the Secret the sample ProviderConfig names, with
// the simulator's account.
func createCredentials(ctx context.Context, cfg *rest.Config) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	return c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kiot-system", Name: "iot-sim-credentials"},
		StringData: map[string]string{
			iotv1.SecretKeyAccessKeyID:     iotsim.DefaultAccessKeyID,
			iotv1.SecretKeyAccessKeySecret: iotsim.DefaultAccessKeySecret,
		},
	})
}

// waitForReady polls every Kiot resource until all are Ready, printing
// what it still waits for whenever that changes.
func waitForReady(ctx context.Context, out io.Writer, cfg *rest.Config, timeout time.Duration) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	kinds, err := kiotKinds(cfg)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		waiting, total, err := notReady(ctx, c, kinds)
		if err != nil {
			return err
		}
		if len(waiting) == 0 {
			fmt.Fprintf(out, "  all %d resources are Ready\n", total)
			return nil
		}
		summary := fmt.Sprintf("  %d of %d Ready; waiting for %s", total-len(waiting), total, strings.Join(waiting, ", "))
		if summary != last {
			fmt.Fprintln(out, summary)
			last = summary
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not Ready after %s: %s (see bin/local/operator.log)", timeout, strings.Join(waiting, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// kiotKinds lists the kinds of the iot.kiot.dev group the API server serves,
// so the wait covers whatever kinds this build installs.
func kiotKinds(cfg *rest.Config) ([]schema.GroupVersionKind, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	resources, err := dc.ServerResourcesForGroupVersion(iotv1.GroupVersion.String())
	if err != nil {
		return nil, err
	}
	var kinds []schema.GroupVersionKind
	for _, r := range resources.APIResources {
		if !strings.Contains(r.Name, "/") {
			kinds = append(kinds, iotv1.GroupVersion.WithKind(r.Kind))
		}
	}
	return kinds, nil
}

// notReady names the resources whose Ready condition is not True, with the
// reason when there is one.
func notReady(ctx context.Context, c client.Client, kinds []schema.GroupVersionKind) ([]string, int, error) {
	var waiting []string
	total := 0
	for _, gvk := range kinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := c.List(ctx, list); err != nil {
			return nil, 0, err
		}
		for _, item := range list.Items {
			total++
			conditions, _, _ := unstructured.NestedSlice(item.Object, "status", "conditions")
			var parsed []metav1.Condition
			for _, raw := range conditions {
				m, _ := raw.(map[string]any)
				status, _ := m["status"].(string)
				typ, _ := m["type"].(string)
				reason, _ := m["reason"].(string)
				parsed = append(parsed, metav1.Condition{Type: typ, Status: metav1.ConditionStatus(status), Reason: reason})
			}
			ready := apimeta.FindStatusCondition(parsed, iotv1.ConditionReady)
			if ready == nil || ready.Status != metav1.ConditionTrue {
				name := strings.ToLower(gvk.Kind) + "/" + item.GetName()
				if ready != nil && ready.Reason != "" {
					name += " (" + ready.Reason + ")"
				}
				waiting = append(waiting, name)
			}
		}
	}
	slices.Sort(waiting)
	return waiting, total, nil
}

// samplesDir is config/samples, relative to the repository root.
func samplesDir() string { return filepath.Join("config", "samples") }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
