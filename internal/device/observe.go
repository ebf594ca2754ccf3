package device

import (
	"cmp"
	"context"
	"sync"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// Fleet is what every Device of the manager shares to reach the platform
// in bulk: one Observer (per-product snapshots, QueryDevice 50 devices a
// call), one Registrar (BatchCheckDeviceNames then
// BatchRegisterDeviceWithApplyId, up to 10,000 names a batch), the
// Devices waiting for a registration, and the reconcile requests already
// acted on.
type Fleet struct {
	Observer  *fleet.Observer
	Registrar Registrar
	Waiters   *Waiters
	// CreatedEvents, when set, reports batch-registered Devices on their
	// Product instead of one Created event per Device.
	CreatedEvents *CreatedEvents

	// requests holds, per Device, the last reconcile-requested-at token
	// that made it read its device afresh: a token asks for the platform
	// as it is now, not as the snapshot saw it.
	requests sync.Map
}

// NewFleet returns the Fleet every External of the manager shares.
func NewFleet(observer *fleet.Observer, registrar Registrar, waiters *Waiters) *Fleet {
	return &Fleet{Observer: observer, Registrar: registrar, Waiters: waiters}
}

// fleetKey names the device's product for the Observer: the account is the
// ProviderConfig, so two accounts' products never share a snapshot.
func (e *External) fleetKey(d *iotv1.Device, productKey string) fleet.Key {
	return fleet.Key{Account: d.Managed().ProviderConfigName(), InstanceID: e.IotInstanceID, ProductKey: productKey}
}

// invalidate marks a device Kiot just wrote, so its next observation reads
// it afresh.
func (e *External) invalidate(d *iotv1.Device, productKey, deviceName string) {
	if productKey != "" && deviceName != "" {
		e.Fleet.Observer.Invalidate(e.fleetKey(d, productKey), deviceName)
	}
}

// Observe reads the device through the shared snapshots: by the product and
// name in status once registered, else by the resolved product and the
// effective name (which adopts a device registered earlier, by an
// interrupted attempt or outside Kiot).
func (e *External) Observe(ctx context.Context, obj managed.Object) (managed.Observation, error) {
	d := obj.(*iotv1.Device)
	productKey, deviceName := d.Status.ProductKey, d.Status.DeviceName
	if d.Status.IotID == "" || productKey == "" || deviceName == "" {
		var err error
		if productKey, err = e.productKey(ctx, d); err != nil {
			return managed.Observation{}, err
		}
		deviceName = cmp.Or(deviceName, d.EffectiveDeviceName())
	}
	key := e.fleetKey(d, productKey)
	if e.newRequest(d) {
		e.Fleet.Observer.Invalidate(key, deviceName)
	}
	obs, found, err := e.Fleet.Observer.Get(ctx, e.API, key, deviceName)
	if err != nil {
		return managed.Observation{}, err
	}
	if !found {
		// Never registered, or deleted behind Kiot's back: registered
		// (again) by Create, with a new secret.
		d.Status.IotID = ""
		return managed.Observation{}, nil
	}
	detail := &iot.DeviceDetail{IotID: obs.IotID, ProductKey: productKey, DeviceName: obs.DeviceName,
		DeviceSecret: obs.DeviceSecret, Nickname: obs.Nickname, Status: obs.Status}
	props, err := e.observeProperties(ctx, d, obs.IotID)
	if err != nil {
		return managed.Observation{}, err
	}
	return e.recordObserved(ctx, d, detail, props)
}

// newRequest reports a reconcile-requested-at token this Device has not
// yet acted on (once per token and process).
func (e *External) newRequest(d *iotv1.Device) bool {
	token, ok := d.GetAnnotations()[iotv1.AnnotationReconcileRequestedAt]
	if !ok {
		return false
	}
	previous, seen := e.Fleet.requests.Swap(d.GetUID(), token)
	return !seen || previous != token
}

// forgetRequests drops a deleted Device's last token.
func (e *External) forgetRequests(d *iotv1.Device) {
	e.Fleet.requests.Delete(d.GetUID())
}
