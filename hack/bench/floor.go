package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/device"
)

// The API server's write floor is measured on a scratch copy of the Device
// CRD: the same schema, CEL rules, defaults and status subresource under
// another group, so each write costs what a Device write costs, while no
// controller watches the objects (a ConfigMap would skip the CRD's
// validation; a Device of a missing ProviderConfig would still be
// reconciled, and the operator's writes would mix into the floor).
const (
	floorGroup     = "bench.kiot.dev"
	floorNamespace = "bench-floor"
)

// writeFloor is how long the benchmark's parallel client takes for N
// writes of each kind a Device's rollout needs at least: its create, its
// Secret's create, one status write; and N deletes.
type writeFloor struct {
	create, secret, status, del time.Duration
	// kiot is the same client's time for Kiot's further writes per Device.
	kiot kiotWrites
}

func (f writeFloor) rollout() time.Duration { return f.create + f.secret + f.status }

// kiotPattern is the client's time for every write of a Device's rollout
// through Kiot: the floor's three and, without the finalizer policy, the
// finalizer's patch.
func (f writeFloor) kiotPattern() time.Duration { return f.rollout() + f.kiot.metadata }

func measureWriteFloor(ctx context.Context, cfg *rest.Config, repoRoot string, n, workers int, finalizerPolicy bool) (writeFloor, error) {
	var floor writeFloor
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return floor, err
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return floor, err
	}
	if err := installScratchCRD(ctx, c, repoRoot); err != nil {
		return floor, err
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: floorNamespace}}); err != nil {
		return floor, err
	}
	// One object through every write first, untimed: the client's discovery
	// of the new group and the API server's first use of the CRD's
	// validators are a start-up cost, not a rate.
	warm := scratchDevice("warmup")
	if err := c.Create(ctx, warm); err != nil {
		return floor, fmt.Errorf("scratch warm-up: %w", err)
	}
	if err := c.Create(ctx, scratchSecret(warm)); err != nil {
		return floor, fmt.Errorf("scratch warm-up: %w", err)
	}
	if err := c.Status().Patch(ctx, warm, client.RawPatch(types.MergePatchType, readyStatus(warm.GetName()))); err != nil {
		return floor, fmt.Errorf("scratch warm-up: %w", err)
	}
	if err := c.Delete(ctx, warm); err != nil {
		return floor, fmt.Errorf("scratch warm-up: %w", err)
	}
	objs := make([]*unstructured.Unstructured, n)
	for i := range objs {
		objs[i] = scratchDevice(fmt.Sprintf("dev-%05d", i))
	}
	name := func(o *unstructured.Unstructured) string { return o.GetName() }
	s, err := parallel(ctx, workers, objs, name, func(ctx context.Context, o *unstructured.Unstructured) error {
		return c.Create(ctx, o)
	})
	if err != nil {
		return floor, fmt.Errorf("scratch creates: %w", err)
	}
	floor.create = s.total()
	s, err = parallel(ctx, workers, objs, name, func(ctx context.Context, o *unstructured.Unstructured) error {
		return c.Create(ctx, scratchSecret(o))
	})
	if err != nil {
		return floor, fmt.Errorf("scratch Secrets: %w", err)
	}
	floor.secret = s.total()
	s, err = parallel(ctx, workers, objs, name, func(ctx context.Context, o *unstructured.Unstructured) error {
		return c.Status().Patch(ctx, o, client.RawPatch(types.MergePatchType, readyStatus(o.GetName())))
	})
	if err != nil {
		return floor, fmt.Errorf("scratch status writes: %w", err)
	}
	floor.status = s.total()
	floor.kiot.policy = finalizerPolicy
	if !finalizerPolicy {
		if floor.kiot.metadata, err = measureFinalizerPatches(ctx, c, objs, workers); err != nil {
			return floor, err
		}
	}
	s, err = parallel(ctx, workers, objs, name, func(ctx context.Context, o *unstructured.Unstructured) error {
		return c.Delete(ctx, o)
	})
	if err != nil {
		return floor, fmt.Errorf("scratch deletes: %w", err)
	}
	floor.del = s.total()
	// The Secrets go too (one collection delete, not measured), so the
	// operator, which watches every Secret, does not hold them meanwhile.
	return floor, c.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(floorNamespace))
}

// installScratchCRD installs config/crd/bases' Device CRD under floorGroup
// and waits until it serves.
func installScratchCRD(ctx context.Context, c client.Client, repoRoot string) error {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "crd", "bases", iotv1.GroupVersion.Group+"_devices.yaml"))
	if err != nil {
		return err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return fmt.Errorf("the Device CRD: %w", err)
	}
	crd.Name = crd.Spec.Names.Plural + "." + floorGroup
	crd.Spec.Group = floorGroup
	crd.Spec.Names.Categories = nil
	if err := c.Create(ctx, &crd); err != nil {
		return fmt.Errorf("the scratch CRD: %w", err)
	}
	for {
		if err := c.Get(ctx, client.ObjectKeyFromObject(&crd), &crd); err != nil {
			return err
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// scratchDevice is a Device of the fleet's shape under floorGroup.
func scratchDevice(name string) *unstructured.Unstructured {
	o := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"productRef": map[string]any{"name": "bench-000"}},
	}}
	o.SetAPIVersion(floorGroup + "/" + iotv1.GroupVersion.Version)
	o.SetKind("Device")
	o.SetNamespace(floorNamespace)
	o.SetName(name)
	return o
}

// scratchSecret has the keys, labels and owner of a Device's Secret, with
// values of the platform's lengths.
func scratchSecret(owner *unstructured.Unstructured) *corev1.Secret {
	const productKey = "a1BenchKey0"
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: floorNamespace, Name: owner.GetName() + "-device",
			Labels: map[string]string{iotv1.LabelOwnerKind: "Device", iotv1.LabelOwnerName: owner.GetName()},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: owner.GetAPIVersion(), Kind: owner.GetKind(),
				Name: owner.GetName(), UID: owner.GetUID(), Controller: new(true), BlockOwnerDeletion: new(true)}},
		},
		StringData: map[string]string{
			device.SecretKeyProductKey:    productKey,
			device.SecretKeyDeviceName:    owner.GetName(),
			device.SecretKeyDeviceSecret:  strings.Repeat("0123456789abcdef", 2),
			device.SecretKeyIotID:         strings.Repeat("IotIdBench", 3) + "00",
			device.SecretKeyRegionID:      "cn-shanghai",
			device.SecretKeyMQTTHost:      productKey + ".iot-as-mqtt.cn-shanghai.aliyuncs.com",
			device.SecretKeyIotInstanceID: "iot-06z00bench0000",
		},
	}
}

// readyStatus is the merge patch of a Ready Device's status.
func readyStatus(name string) []byte {
	now := metav1.Now()
	status := iotv1.DeviceStatus{
		ManagedStatus: iotv1.ManagedStatus{
			ObservedGeneration: 1,
			Conditions: []metav1.Condition{
				{Type: iotv1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: 1, LastTransitionTime: now,
					Reason: iotv1.ReasonAvailable, Message: "The device exists on the platform and matches the spec"},
				{Type: iotv1.ConditionSynced, Status: metav1.ConditionTrue, ObservedGeneration: 1, LastTransitionTime: now,
					Reason: iotv1.ReasonReconcileSuccess, Message: "The last reconcile reached the platform"},
			},
		},
		IotID: strings.Repeat("IotIdBench", 3) + "00", ProductKey: "a1BenchKey0", DeviceName: name,
		State: "UNACTIVE", SecretName: name + "-device",
	}
	body, _ := json.Marshal(map[string]any{"status": status})
	return body
}
