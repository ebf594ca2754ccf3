package device

import (
	"context"
	"maps"
	"slices"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
)

// A device's properties (tags) are read with QueryDeviceProp, one device a
// call at 50 QPS (004 L14873): the platform has no batch read, so a read
// is made only where nothing Kiot knows says what holds.
//
//   - A device Kiot has just registered has no properties: registration
//     sets none (RegisterDevice and the batch take names and nicknames
//     only), so Create writes the spec's without reading them first.
//   - SaveDeviceProp upserts the keys it is given (L15086–15088) and
//     answers with Success alone (L15175–15188): no partial
//     success is documented, a refused tag fails the whole call
//     (iot.device.InvalidFormattedDevicePropertiesString and the rest of
//     API-DIGEST §7.18); DeleteDeviceProp removes a key or finds it gone
//     (L15243–15246). After their Success the device's properties are the
//     ones last observed with the writes applied, which syncProperties
//     makes exactly the spec's, so the observation that follows in the same
//     reconcile reads nothing back.
//   - Anyone else (the console, another client, the device itself over
//     MQTT) may change them later; the next observation after that reads
//     them, at resync or on a reconcile-requested-at token, and reports the
//     difference as drift.

// maxPropsPerSave: SaveDeviceProp takes at most 100 tags a call (L15062–15088).
const maxPropsPerSave = 100

// observeProperties reads the device's properties when the Device manages
// them and no write of this reconcile already says what they are.
func (e *External) observeProperties(ctx context.Context, d *iotv1.Device, iotID string) (map[string]string, error) {
	if e.wroteProps {
		return iot.StringMap(d.Spec.Properties), nil
	}
	if len(d.Spec.Properties) == 0 && !d.Status.ManagedProperties {
		// Most devices have none to manage, and a fleet's resync then costs
		// no call per device.
		return nil, nil
	}
	props, err := e.API.QueryDeviceProp(ctx, iot.DeviceRef{IotID: iotID})
	if err != nil {
		return nil, err
	}
	d.Status.ManagedProperties = len(d.Spec.Properties) > 0 || len(props) > 0
	return props, nil
}

// writeNewDeviceProperties gives a device Kiot has just registered the
// spec's properties: it has none yet.
func (e *External) writeNewDeviceProperties(ctx context.Context, d *iotv1.Device, iotID string) error {
	if len(d.Spec.Properties) == 0 {
		return nil
	}
	d.Status.ManagedProperties = true
	e.observedProps = nil
	return e.syncProperties(ctx, iot.DeviceRef{IotID: iotID}, iot.StringMap(d.Spec.Properties))
}

// syncProperties makes the device's tags exactly the desired map from the
// last observed ones: SaveDeviceProp upserts, DeleteDeviceProp removes one
// key a call.
func (e *External) syncProperties(ctx context.Context, ref iot.DeviceRef, desired map[string]string) error {
	changed := map[string]string{}
	for k, v := range desired {
		if current, ok := e.observedProps[k]; !ok || current != v {
			changed[k] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(e.observedProps)) {
		if _, keep := desired[k]; !keep {
			if err := e.API.DeleteDeviceProp(ctx, ref, k); err != nil {
				return err
			}
		}
	}
	keys := slices.Sorted(maps.Keys(changed))
	for chunk := range slices.Chunk(keys, maxPropsPerSave) {
		batch := make(map[string]string, len(chunk))
		for _, k := range chunk {
			batch[k] = changed[k]
		}
		if err := e.API.SaveDeviceProp(ctx, ref, batch); err != nil {
			return err
		}
	}
	e.wroteProps = true
	return nil
}
