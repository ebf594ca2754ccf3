package fleet

import (
	"context"

	"github.com/kiot-dev/kiot/internal/iot"
)

// Key names one product of one account: the caller builds it (account or
// endpoint, instance, ProductKey) and hands the matching client with every
// call, so this package never resolves credentials itself.
type Key struct {
	// Account is opaque here: whatever tells the caller's accounts and
	// endpoints apart (for example the ProviderConfig's name and region).
	Account    string
	InstanceID string
	ProductKey string
}

func (k Key) String() string { return k.Account + "/" + k.InstanceID + "/" + k.ProductKey }

// RegistrationAPI is the part of *iot.Client the Registrar calls.
type RegistrationAPI interface {
	RegisterDevice(ctx context.Context, in iot.RegisterDeviceInput) (*iot.DeviceCredentials, error)
	BatchCheckDeviceNames(ctx context.Context, productKey string, devices []iot.NamedDevice) (*iot.BatchCheck, error)
	BatchRegisterDeviceWithApplyID(ctx context.Context, productKey string, applyID int64) (int64, error)
	QueryBatchRegisterDeviceStatus(ctx context.Context, productKey string, applyID int64) (*iot.BatchRegisterStatus, error)
	QueryPageByApplyID(ctx context.Context, applyID int64, page iot.Page) (*iot.AppliedDeviceList, error)
}

// ObservationAPI is the part of *iot.Client the Observer calls.
type ObservationAPI interface {
	QueryDevice(ctx context.Context, in iot.DeviceListInput) (*iot.DeviceList, error)
	BatchQueryDeviceDetail(ctx context.Context, productKey string, deviceNames []string) ([]iot.DeviceDetail, error)
}

var (
	_ RegistrationAPI = (*iot.Client)(nil)
	_ ObservationAPI  = (*iot.Client)(nil)
)
