package refs

import (
	"errors"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

func labelled(name string, labels map[string]string) iotv1.Device {
	return iotv1.Device{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: labels}}
}

func names(devices []*iotv1.Device) []string {
	var out []string
	for _, d := range devices {
		out = append(out, d.Name)
	}
	return out
}

func TestSelectDevicesByNameAndLabelEachOnce(t *testing.T) {
	devices := []iotv1.Device{
		labelled("gate", map[string]string{"site": "harbour"}),
		labelled("quay", map[string]string{"site": "harbour"}),
		labelled("tower", map[string]string{"site": "hill"}),
		labelled("pump", nil),
	}
	harbour := &metav1.LabelSelector{MatchLabels: map[string]string{"site": "harbour"}}
	for _, tc := range []struct {
		name         string
		named        []string
		selector     *metav1.LabelSelector
		want, absent []string
	}{
		{"names alone", []string{"pump", "tower"}, nil, []string{"tower", "pump"}, nil},
		{"a selector alone", nil, harbour, []string{"gate", "quay"}, nil},
		{"both, a Device named and matched counted once", []string{"gate", "pump"}, harbour, []string{"gate", "quay", "pump"}, nil},
		{"a name no Device has, given twice", []string{"ghost", "tower", "ghost"}, nil, []string{"tower"}, []string{"ghost"}},
		{"an empty selector matches every Device", nil, &metav1.LabelSelector{}, []string{"gate", "quay", "tower", "pump"}, nil},
		{"neither", nil, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := SelectDevices(devices, tc.named, tc.selector)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(sel.Selected); !slices.Equal(got, tc.want) {
				t.Errorf("selected %v, want %v", got, tc.want)
			}
			if !slices.Equal(sel.Missing, tc.absent) {
				t.Errorf("missing %v, want %v", sel.Missing, tc.absent)
			}
		})
	}
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "site", Operator: "Near"}}}
	var terminal *managed.TerminalError
	if _, err := SelectDevices(devices, nil, bad); !errors.As(err, &terminal) {
		t.Errorf("a selector that does not parse: %v, want the spec's to fix", err)
	}
}
