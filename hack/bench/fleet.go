package main

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// namespace holds the measured fleet.
const namespace = "bench"

// fleet is the Products and the Devices split among them in order.
type fleet struct {
	products []*iotv1.Product
	devices  []*iotv1.Device
}

// newFleet splits devices into Products of perProduct. withProperties
// gives each Device what a real fleet tags its devices with: a nickname and
// two properties (site and floor).
func newFleet(devices, perProduct int, withProperties bool) *fleet {
	f := &fleet{}
	for i := range devices {
		if i%perProduct == 0 {
			n := len(f.products)
			f.products = append(f.products, &iotv1.Product{
				ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("bench-%03d", n)},
				Spec:       iotv1.ProductSpec{ProductName: fmt.Sprintf("Bench_%03d", n), NodeType: "Device", DataFormat: "AlinkJSON"},
			})
		}
		d := &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("dev-%05d", i)},
			Spec:       iotv1.DeviceSpec{ProductRef: &iotv1.LocalReference{Name: f.products[len(f.products)-1].Name}},
		}
		if withProperties {
			d.Spec.Nickname = fmt.Sprintf("bench_device_%05d", i)
			d.Spec.Properties = map[string]iotv1.DevicePropertyValue{
				"site":  "bench",
				"floor": iotv1.DevicePropertyValue(fmt.Sprint(i % 10)),
			}
		}
		f.devices = append(f.devices, d)
	}
	return f
}

func deviceName(d *iotv1.Device) string { return d.Name }
