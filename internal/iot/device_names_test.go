package iot

import (
	"testing"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

func TestNamedDeviceValidate(t *testing.T) {
	for _, tc := range []struct {
		d    NamedDevice
		good bool
	}{
		{NamedDevice{DeviceName: "lamp-01"}, true},
		{NamedDevice{DeviceName: "lamp-01", Nickname: "hall_lamp"}, true},
		{NamedDevice{DeviceName: "ab"}, false},
		{NamedDevice{DeviceName: "lamp$01"}, false},
		{NamedDevice{DeviceName: "lamp-01", Nickname: "hall lamp"}, false},
	} {
		err := tc.d.Validate()
		if (err == nil) != tc.good {
			t.Errorf("%+v: Validate() = %v, want good=%v", tc.d, err, tc.good)
		}
		if err != nil && !aliyun.IsTerminal(err) {
			t.Errorf("%+v: %v is not terminal", tc.d, err)
		}
	}
}
