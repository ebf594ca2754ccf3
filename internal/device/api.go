// Package device is the Device kind's cloud logic: how a Device resource
// maps to IoT Platform calls. The engine in internal/managed drives it.
package device

import (
	"context"

	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
)

// API is the part of the IoT Platform one Device needs. *iot.Client has it.
// Registration and observation go through the batches every Device of a
// product shares (fleet.Registrar, fleet.Observer); what stays per device
// are the writes no batch covers and the properties.
type API interface {
	fleet.ObservationAPI
	fleet.RegistrationAPI
	DeleteDevice(ctx context.Context, ref iot.DeviceRef) error
	DisableThing(ctx context.Context, ref iot.DeviceRef) error
	EnableThing(ctx context.Context, ref iot.DeviceRef) error
	BatchUpdateDeviceNickname(ctx context.Context, changes []iot.NicknameChange) error
	QueryDeviceProp(ctx context.Context, ref iot.DeviceRef) (map[string]string, error)
	SaveDeviceProp(ctx context.Context, ref iot.DeviceRef, props map[string]string) error
	DeleteDeviceProp(ctx context.Context, ref iot.DeviceRef, key string) error
}

// Registrar is the part of *fleet.Registrar a Device calls.
type Registrar interface {
	Register(api fleet.RegistrationAPI, key fleet.Key, deviceName, nickname string) fleet.Registration
	Peek(key fleet.Key, deviceName string) fleet.Registration
	Forget(key fleet.Key, deviceName string)
}

var _ Registrar = (*fleet.Registrar)(nil)
