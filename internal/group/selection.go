package group

import (
	"context"
	"slices"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
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
	var devices iotv1.DeviceList
	if err := kube.List(ctx, &devices, client.InNamespace(g.Namespace)); err != nil {
		return selection{}, err
	}
	picked, err := refs.SelectDevices(devices.Items, g.Spec.Devices, g.Spec.DeviceSelector)
	if err != nil {
		return selection{}, err
	}
	sel := selection{members: map[iot.GroupDevice]string{}}
	for _, d := range picked.Selected {
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
	sel.selected += len(picked.Missing)
	sel.notReady = append(sel.notReady, picked.Missing...)
	slices.Sort(sel.notReady)
	return sel, nil
}
