package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// sampleObjects are the Kiot resources config/samples declares, read from
// what kustomize renders: the local run waits for these alone, so a fleet a
// person applies meanwhile neither delays it nor floods its progress line.
func sampleObjects(k kubectl) ([]*unstructured.Unstructured, error) {
	rendered, err := k.run("kustomize", samplesDir())
	if err != nil {
		return nil, err
	}
	decoder := yaml.NewYAMLOrJSONDecoder(strings.NewReader(rendered), 4096)
	var objects []*unstructured.Unstructured
	for {
		var raw map[string]any
		if err := decoder.Decode(&raw); err == io.EOF {
			return objects, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading the rendered samples: %w", err)
		}
		u := &unstructured.Unstructured{Object: raw}
		if u.GroupVersionKind().Group == iotv1.GroupVersion.Group {
			if u.GetNamespace() == "" && u.GetKind() != "ProviderConfig" {
				u.SetNamespace("default")
			}
			objects = append(objects, u)
		}
	}
}

// waitForSamples polls the samples until all are Ready, printing a summary
// whenever it changes. It reports whether they became Ready in time; a slow
// run is not a failure, so the caller keeps everything running either way.
func waitForSamples(ctx context.Context, out io.Writer, cfg *rest.Config, samples []*unstructured.Unstructured, timeout time.Duration) (bool, error) {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return false, err
	}
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		waiting, err := notReady(ctx, c, samples)
		if err != nil {
			return false, err
		}
		if len(waiting) == 0 {
			fmt.Fprintf(out, "  all %d samples are Ready\n", len(samples))
			return true, nil
		}
		summary := "  " + summarize(waiting, len(samples))
		if summary != last {
			fmt.Fprintln(out, summary)
			last = summary
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(out, "  the samples are not all Ready after %s: %s\n  Kiot keeps running; see bin/local/operator.log and `kubectl get kiot -A`.\n",
				timeout, summarize(waiting, len(samples)))
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// pending is one sample that is not Ready yet.
type pending struct {
	kind, name, reason string
}

// notReady lists the samples whose Ready condition is not True.
func notReady(ctx context.Context, c client.Client, samples []*unstructured.Unstructured) ([]pending, error) {
	var waiting []pending
	for _, sample := range samples {
		current := &unstructured.Unstructured{}
		current.SetGroupVersionKind(sample.GroupVersionKind())
		err := c.Get(ctx, client.ObjectKeyFromObject(sample), current)
		if client.IgnoreNotFound(err) != nil {
			return nil, err
		}
		ready := readyCondition(current)
		if ready != nil && ready.Status == metav1.ConditionTrue {
			continue
		}
		p := pending{kind: strings.ToLower(sample.GetKind()), name: sample.GetName(), reason: "NoStatusYet"}
		if ready != nil && ready.Reason != "" {
			p.reason = ready.Reason
		}
		waiting = append(waiting, p)
	}
	return waiting, nil
}

func readyCondition(u *unstructured.Unstructured) *metav1.Condition {
	raw, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status")
	var status struct {
		Conditions []metav1.Condition `json:"conditions"`
	}
	if m, ok := raw.(map[string]any); ok {
		_ = runtime.DefaultUnstructuredConverter.FromUnstructured(m, &status)
	}
	return apimeta.FindStatusCondition(status.Conditions, iotv1.ConditionReady)
}

// summarize counts what is still waiting by kind and reason and names a
// few: "5 of 8 Ready; waiting: device ×3 (ProductNotReady), product ×1
// (Creating), …; e.g. device/light-0001, device/light-0002, …".
func summarize(waiting []pending, total int) string {
	counts := map[string]int{}
	for _, p := range waiting {
		counts[p.kind+" ("+p.reason+")"]++
	}
	var groups []string
	for _, key := range slices.Sorted(maps.Keys(counts)) {
		kind, reason, _ := strings.Cut(key, " ")
		groups = append(groups, fmt.Sprintf("%s ×%d %s", kind, counts[key], reason))
	}
	const named = 3
	var names []string
	for _, p := range waiting[:min(named, len(waiting))] {
		names = append(names, p.kind+"/"+p.name)
	}
	if len(waiting) > named {
		names = append(names, "…")
	}
	return fmt.Sprintf("%d of %d Ready; waiting: %s; e.g. %s", total-len(waiting), total, strings.Join(groups, ", "), strings.Join(names, ", "))
}
