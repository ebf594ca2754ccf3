package refs

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

// DeviceSelection is what a spec's spec.devices (Device resource names)
// and spec.deviceSelector select among a namespace's Devices: the
// DeviceGroup's membership and the DistributeJob's devices both start here.
type DeviceSelection struct {
	// Selected are the Devices named or matched, each once, in the order
	// of the list they came from.
	Selected []*iotv1.Device
	// Missing are the names in spec.devices no Device has (yet), sorted as
	// given.
	Missing []string
}

// SelectDevices selects among devices (one namespace's) those named in
// names or matched by selector (nil: none by label). A selector that does
// not parse is the spec's to fix (managed.Terminal).
func SelectDevices(devices []iotv1.Device, names []string, selector *metav1.LabelSelector) (DeviceSelection, error) {
	var matches labels.Selector
	if selector != nil {
		s, err := metav1.LabelSelectorAsSelector(selector)
		if err != nil {
			return DeviceSelection{}, managed.Terminal(fmt.Errorf("spec.deviceSelector: %w", err))
		}
		matches = s
	}
	named := make(map[string]bool, len(names))
	for _, n := range names {
		named[n] = true
	}
	var sel DeviceSelection
	found := make(map[string]bool, len(names))
	for i := range devices {
		d := &devices[i]
		if named[d.Name] {
			found[d.Name] = true
		} else if matches == nil || !matches.Matches(labels.Set(d.Labels)) {
			continue
		}
		sel.Selected = append(sel.Selected, d)
	}
	for _, n := range names {
		if !found[n] {
			sel.Missing = append(sel.Missing, n)
			found[n] = true // a name given twice is missing once
		}
	}
	return sel, nil
}
