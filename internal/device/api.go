// Package device is the Device kind's cloud logic: how a Device resource
// maps to IoT Platform calls. The engine in internal/managed drives it.
package device

import (
	"context"

	"github.com/kiot-dev/kiot/internal/iot"
)

// API is the part of the IoT Platform one Device needs. *iot.Client has it;
// a batching layer can implement it too, coalescing the registrations and
// observations of many Devices (BatchCheckDeviceNames /
// BatchRegisterDeviceWithApplyId / QueryPageByApplyId,
// BatchQueryDeviceDetail, BatchGetDeviceState), without this package
// changing.
type API interface {
	RegisterDevice(ctx context.Context, in iot.RegisterDeviceInput) (*iot.DeviceCredentials, error)
	QueryDeviceInfo(ctx context.Context, ref iot.DeviceRef) (*iot.DeviceCredentials, error)
	QueryDeviceDetail(ctx context.Context, ref iot.DeviceRef) (*iot.DeviceDetail, error)
	DeleteDevice(ctx context.Context, ref iot.DeviceRef) error
	DisableThing(ctx context.Context, ref iot.DeviceRef) error
	EnableThing(ctx context.Context, ref iot.DeviceRef) error
	BatchUpdateDeviceNickname(ctx context.Context, changes []iot.NicknameChange) error
	QueryDeviceProp(ctx context.Context, ref iot.DeviceRef) (map[string]string, error)
	SaveDeviceProp(ctx context.Context, ref iot.DeviceRef, props map[string]string) error
	DeleteDeviceProp(ctx context.Context, ref iot.DeviceRef, key string) error
}
