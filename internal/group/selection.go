package group

import (
	"context"
	"fmt"
	"slices"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/refs"
)

// membersFollowTheirProduct refuses a membership with a device of a product
// the group's namespace may not use (refs.CheckProductKey), so a group
// never groups, nor names, another team's devices.
func membersFollowTheirProduct(ctx context.Context, kube client.Reader, g *iotv1.DeviceGroup, members map[iot.GroupDevice]string) error {
	checked := map[string]bool{}
	for m := range members {
		if checked[m.ProductKey] {
			continue
		}
		checked[m.ProductKey] = true
		if err := refs.CheckProductKey(ctx, kube, g.Namespace, m.ProductKey, DefaultRetry); err != nil {
			return err
		}
	}
	return nil
}

// selection is what a group's spec selects: the platform identity of each
// selected Device that is Ready, by Device name, and the names of those that
// are not yet (Devices named in spec.devices that do not exist included).
type selection struct {
	members  map[iot.GroupDevice]string
	selected int
	notReady []string
}

// Selects reports whether a group's spec selects a Device with these labels
// and name; the controller uses it to map Device events to groups.
func Selects(g *iotv1.DeviceGroup, deviceName string, deviceLabels map[string]string) bool {
	for _, name := range g.Spec.Devices {
		if name == deviceName {
			return true
		}
	}
	selector, err := selectorOf(g)
	return err == nil && selector != nil && selector.Matches(labels.Set(deviceLabels))
}

func selectorOf(g *iotv1.DeviceGroup) (labels.Selector, error) {
	if g.Spec.DeviceSelector == nil {
		return nil, nil
	}
	return metav1.LabelSelectorAsSelector(g.Spec.DeviceSelector)
}

// selectDevices resolves the spec's devices and selector over the Device
// resources of the group's namespace.
func selectDevices(ctx context.Context, kube client.Reader, g *iotv1.DeviceGroup) (selection, error) {
	selector, err := selectorOf(g)
	if err != nil {
		return selection{}, managed.Terminal(fmt.Errorf("spec.deviceSelector: %w", err))
	}
	var devices iotv1.DeviceList
	if err := kube.List(ctx, &devices, client.InNamespace(g.Namespace)); err != nil {
		return selection{}, err
	}
	named := make(map[string]bool, len(g.Spec.Devices))
	for _, n := range g.Spec.Devices {
		named[n] = true
	}
	sel := selection{members: map[iot.GroupDevice]string{}}
	for i := range devices.Items {
		d := &devices.Items[i]
		byName := named[d.Name]
		delete(named, d.Name)
		if !byName && (selector == nil || !selector.Matches(labels.Set(d.Labels))) {
			continue
		}
		sel.selected++
		ready := apimeta.IsStatusConditionTrue(d.Status.Conditions, iotv1.ConditionReady)
		if !ready || !d.DeletionTimestamp.IsZero() || d.Status.ProductKey == "" || d.Status.DeviceName == "" {
			sel.notReady = append(sel.notReady, d.Name)
			continue
		}
		sel.members[iot.GroupDevice{ProductKey: d.Status.ProductKey, DeviceName: d.Status.DeviceName}] = d.Name
	}
	if err := membersFollowTheirProduct(ctx, kube, g, sel.members); err != nil {
		return selection{}, err
	}
	// Named Devices that do not exist (yet) count as selected and not ready.
	for name := range named {
		sel.selected++
		sel.notReady = append(sel.notReady, name)
	}
	slices.Sort(sel.notReady)
	return sel, nil
}
