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

// Fleet is what every Device of the manager shares to observe the platform
// in bulk: one Observer (per-product snapshots, QueryDevice 50 devices a
// call) and the reconcile requests already acted on.
type Fleet struct {
	Observer *fleet.Observer
	// API reads the platform for the Observer (the reconcile's client).
	API fleet.ObservationAPI

	// requests holds, per Device, the last reconcile-requested-at token
	// that made it read its device afresh: a token asks for the platform
	// as it is now, not as the snapshot saw it.
	requests *sync.Map
}

// NewFleet returns a Fleet over observer for one reconcile's client; every
// External built for the manager shares requests (NewFleetRequests).
func NewFleet(observer *fleet.Observer, api fleet.ObservationAPI, requests *sync.Map) *Fleet {
	return &Fleet{Observer: observer, API: api, requests: requests}
}

// fleetKey names the device's product for the Observer: the account is the
// ProviderConfig, so two accounts' products never share a snapshot.
func (e *External) fleetKey(d *iotv1.Device, productKey string) fleet.Key {
	return fleet.Key{Account: d.Managed().ProviderConfigName(), InstanceID: e.IotInstanceID, ProductKey: productKey}
}

// invalidate marks a device Kiot just wrote, so its next observation reads
// it afresh.
func (e *External) invalidate(d *iotv1.Device, productKey, deviceName string) {
	if e.Fleet != nil && productKey != "" && deviceName != "" {
		e.Fleet.Observer.Invalidate(e.fleetKey(d, productKey), deviceName)
	}
}

// observeFleet is Observe through the shared snapshots: by the product and
// name in status once registered, else by the resolved product and the
// effective name (which adopts a device registered earlier).
func (e *External) observeFleet(ctx context.Context, d *iotv1.Device) (managed.Observation, error) {
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
	obs, found, err := e.Fleet.Observer.Get(ctx, e.Fleet.API, key, deviceName)
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
	var props map[string]string
	if len(d.Spec.Properties) > 0 || d.Status.ManagedProperties {
		// Properties are read only for a Device that manages them: most
		// devices have none, and a fleet's resync then costs no call per
		// device.
		if props, err = e.API.QueryDeviceProp(ctx, iot.DeviceRef{IotID: obs.IotID}); err != nil {
			return managed.Observation{}, err
		}
		d.Status.ManagedProperties = len(d.Spec.Properties) > 0 || len(props) > 0
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
	if e.Fleet != nil {
		e.Fleet.requests.Delete(d.GetUID())
	}
}

// record seeds the Observer with a device Kiot just registered.
func (e *External) record(d *iotv1.Device, creds *iot.DeviceCredentials, nickname string) {
	if e.Fleet != nil {
		e.Fleet.Observer.Record(e.fleetKey(d, creds.ProductKey), fleet.Observation{DeviceName: creds.DeviceName,
			IotID: creds.IotID, Nickname: nickname, Status: iot.DeviceStatusUnactive, DeviceSecret: creds.DeviceSecret})
	}
}
