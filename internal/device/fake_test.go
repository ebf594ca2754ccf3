package device

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/kiot-dev/kiot/internal/iot"
)

// fakeAPI is an in-memory IoT Platform holding devices and their
// properties. It answers as the platform does (not found, name taken) with
// the errors the real client builds; fail injects an error for one action
// instead of acting.
type fakeAPI struct {
	t       *testing.T
	devices map[string]*iot.DeviceDetail // by IotId
	props   map[string]map[string]string // by IotId
	fail    map[string]error
	calls   []string
}

func newFakeAPI(t *testing.T, devices ...iot.DeviceDetail) *fakeAPI {
	f := &fakeAPI{t: t, devices: map[string]*iot.DeviceDetail{}, props: map[string]map[string]string{}, fail: map[string]error{}}
	for _, d := range devices {
		f.devices[d.IotID] = &d
		f.props[d.IotID] = map[string]string{}
	}
	return f
}

func (f *fakeAPI) call(action string) error {
	f.calls = append(f.calls, action)
	return f.fail[action]
}

func (f *fakeAPI) find(ref iot.DeviceRef) (*iot.DeviceDetail, error) {
	for _, d := range f.devices {
		if d.IotID == ref.IotID || (ref.IotID == "" && d.ProductKey == ref.ProductKey && d.DeviceName == ref.DeviceName) {
			return d, nil
		}
	}
	return nil, platformError(f.t, "iot.device.NotExistedDevice")
}

// register creates a device as a finished batch registration would.
func (f *fakeAPI) register(productKey, name, nickname string) *iot.DeviceDetail {
	id := fmt.Sprintf("iot-%s-%s", productKey, name)
	d := &iot.DeviceDetail{IotID: id, ProductKey: productKey, DeviceName: name,
		DeviceSecret: iot.Secret("secret-" + id), Nickname: nickname, Status: iot.DeviceStatusUnactive}
	f.devices[id], f.props[id] = d, map[string]string{}
	return d
}

func (f *fakeAPI) DeleteDevice(_ context.Context, ref iot.DeviceRef) error {
	if err := f.call("DeleteDevice"); err != nil {
		return err
	}
	d, err := f.find(ref)
	if err != nil {
		return err
	}
	delete(f.devices, d.IotID)
	return nil
}

func (f *fakeAPI) setStatus(action string, ref iot.DeviceRef, status string) error {
	if err := f.call(action); err != nil {
		return err
	}
	d, err := f.find(ref)
	if err != nil {
		return err
	}
	d.Status = status
	return nil
}

func (f *fakeAPI) DisableThing(_ context.Context, ref iot.DeviceRef) error {
	return f.setStatus("DisableThing", ref, iot.DeviceStatusDisable)
}

func (f *fakeAPI) EnableThing(_ context.Context, ref iot.DeviceRef) error {
	return f.setStatus("EnableThing", ref, iot.DeviceStatusUnactive)
}

func (f *fakeAPI) BatchUpdateDeviceNickname(_ context.Context, changes []iot.NicknameChange) error {
	if err := f.call("BatchUpdateDeviceNickname"); err != nil {
		return err
	}
	for _, c := range changes {
		d, err := f.find(c.Device)
		if err != nil {
			return err
		}
		d.Nickname = c.Nickname
	}
	return nil
}

func (f *fakeAPI) QueryDeviceProp(_ context.Context, ref iot.DeviceRef) (map[string]string, error) {
	if err := f.call("QueryDeviceProp"); err != nil {
		return nil, err
	}
	d, err := f.find(ref)
	if err != nil {
		return nil, err
	}
	return maps.Clone(f.props[d.IotID]), nil
}

func (f *fakeAPI) SaveDeviceProp(_ context.Context, ref iot.DeviceRef, props map[string]string) error {
	if err := f.call("SaveDeviceProp"); err != nil {
		return err
	}
	d, err := f.find(ref)
	if err != nil {
		return err
	}
	maps.Copy(f.props[d.IotID], props)
	return nil
}

func (f *fakeAPI) DeleteDeviceProp(_ context.Context, ref iot.DeviceRef, key string) error {
	if err := f.call("DeleteDeviceProp"); err != nil {
		return err
	}
	d, err := f.find(ref)
	if err != nil {
		return err
	}
	delete(f.props[d.IotID], key)
	return nil
}
