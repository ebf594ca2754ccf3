package device

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/refs"
)

// Secret keys of <name>-device (the design card's contract).
const (
	SecretKeyProductKey    = "productKey"
	SecretKeyDeviceName    = "deviceName"
	SecretKeyDeviceSecret  = "deviceSecret"
	SecretKeyIotID         = "iotId"
	SecretKeyRegionID      = "regionId"
	SecretKeyMQTTHost      = "mqttHost"
	SecretKeyIotInstanceID = "iotInstanceId"
	// Where a DistributeJob sent the device (status.location), once it has.
	SecretKeyTargetRegionID      = "targetRegionId"
	SecretKeyTargetIotInstanceID = "targetIotInstanceId"
	SecretKeyTargetMQTTHost      = "targetMqttHost"
)

// ProductRetry is how often a Device waiting for its Product looks again
// (the Product becoming Ready also wakes it at once).
const ProductRetry = 30 * time.Second

// External reconciles one Device.
type External struct {
	API           API
	Region        string
	IotInstanceID string
	// Kube reads the Device's Product resource.
	Kube client.Reader
	// Locator, when set, learns where DistributeJobs sent the device
	// (location.go).
	Locator *Locator
	// Fleet registers and observes devices in batches shared by every
	// Device (register.go, observe.go); the External's writes invalidate
	// what they change.
	Fleet *Fleet

	// What the last Observe read, for Update (an External serves one
	// reconcile).
	observed      *iot.DeviceDetail
	observedProps map[string]string
	// wroteProps: Create or Update made the device's properties exactly
	// the spec's (properties.go), so the observation that follows in the
	// same reconcile needs no read.
	wroteProps bool
	// resolvedProductKey is productKey's answer, kept for the reconcile:
	// Observe and Create both need it.
	resolvedProductKey string
	// product is the Product resource productKey resolved, when the Device
	// names one (productRef): its batch creation is reported on it.
	product *iotv1.Product
	// createdReported: Create handed its device to Fleet.CreatedEvents.
	createdReported bool
}

var (
	_ managed.External         = (*External)(nil)
	_ managed.CreationReporter = (*External)(nil)
)

// recordObserved records what an observation found and compares it to the spec.
func (e *External) recordObserved(ctx context.Context, d *iotv1.Device, detail *iot.DeviceDetail, props map[string]string) (managed.Observation, error) {
	e.observed, e.observedProps = detail, props

	d.Status.IotID = detail.IotID
	d.Status.ProductKey = detail.ProductKey
	d.Status.DeviceName = detail.DeviceName
	d.Status.State = detail.Status
	d.Status.SecretName = SecretName(d)
	if e.Locator != nil {
		if err := e.Locator.locate(ctx, d); err != nil {
			return managed.Observation{}, err
		}
	}
	fields := drift(d, detail, props)
	return managed.Observation{
		Exists:   true,
		UpToDate: len(fields) == 0,
		Drift:    fields,
		Secret:   e.secretData(detail, d.Status.Location),
	}, nil
}

// Update corrects nickname, enabled and properties.
func (e *External) Update(ctx context.Context, obj managed.Object, _ managed.Observation) error {
	d := obj.(*iotv1.Device)
	ref := iot.DeviceRef{IotID: e.observed.IotID}
	if err := e.update(ctx, d, ref); err != nil {
		// Whatever the writes reached, the next observation reads the
		// device afresh.
		e.invalidate(d, e.observed.ProductKey, e.observed.DeviceName)
		return err
	}
	return nil
}

// update makes the writes Update needs. A successful nickname change or
// property write is trusted (properties.go says why); enabling a device
// restores a state only the platform knows (online, offline or inactive),
// so a toggle makes the next observation read the device afresh.
func (e *External) update(ctx context.Context, d *iotv1.Device, ref iot.DeviceRef) error {
	if len(d.Spec.Properties) > 0 {
		d.Status.ManagedProperties = true
	}
	if e.observed.Nickname != d.Spec.Nickname {
		if err := e.API.BatchUpdateDeviceNickname(ctx, []iot.NicknameChange{{Device: ref, Nickname: d.Spec.Nickname}}); err != nil {
			return err
		}
	}
	disabled := e.observed.Status == iot.DeviceStatusDisable
	toggled := d.IsEnabled() == disabled
	switch {
	case d.IsEnabled() && disabled:
		if err := e.API.EnableThing(ctx, ref); err != nil {
			return err
		}
	case !d.IsEnabled() && !disabled:
		if err := e.API.DisableThing(ctx, ref); err != nil {
			return err
		}
	}
	if err := e.syncProperties(ctx, ref, iot.StringMap(d.Spec.Properties)); err != nil {
		return err
	}
	if toggled {
		e.invalidate(d, e.observed.ProductKey, e.observed.DeviceName)
		return nil
	}
	e.Fleet.Observer.Record(e.fleetKey(d, e.observed.ProductKey), fleet.Observation{DeviceName: e.observed.DeviceName,
		IotID: e.observed.IotID, Nickname: d.Spec.Nickname, Status: e.observed.Status, DeviceSecret: e.observed.DeviceSecret})
	return nil
}

// Delete deletes the device by the identifiers in status, so it works after
// its Product resource is gone. With none there (a delete that overtook a
// registration whose answer or status write was lost) it deletes the device
// Observe would adopt: the effective name in the resolved product.
func (e *External) Delete(ctx context.Context, obj managed.Object) error {
	d := obj.(*iotv1.Device)
	ref, err := e.refToDelete(ctx, d)
	if err != nil {
		return err
	}
	if ref.IotID == "" {
		if ref, err = e.settledRegistration(d, ref); err != nil {
			return err
		}
	}
	err = e.API.DeleteDevice(ctx, ref)
	e.invalidate(d, cmp.Or(d.Status.ProductKey, ref.ProductKey), cmp.Or(d.Status.DeviceName, ref.DeviceName))
	e.forgetRequests(d)
	if aliyun.IsNotFound(err) {
		return managed.ErrAlreadyGone
	}
	return err
}

// refToDelete names the device a Delete removes. Unlike ref it does not
// wait for the Product to be Ready: a Product being deleted keeps its key
// until its Devices are gone. A product key that cannot be resolved at all
// means Kiot never registered the device (registration needs the key).
func (e *External) refToDelete(ctx context.Context, d *iotv1.Device) (iot.DeviceRef, error) {
	if d.Status.IotID != "" {
		return iot.DeviceRef{IotID: d.Status.IotID}, nil
	}
	productKey := cmp.Or(d.Status.ProductKey, d.Spec.ProductKey)
	if productKey == "" && d.Spec.ProductRef != nil {
		var p iotv1.Product
		err := e.Kube.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ProductRef.Name}, &p)
		if err != nil && !apierrors.IsNotFound(err) {
			return iot.DeviceRef{}, err
		}
		productKey = p.Status.ProductKey
	}
	if productKey == "" {
		return iot.DeviceRef{}, managed.ErrAlreadyGone
	}
	if err := mayDeleteUnder(ctx, e.Kube, d, productKey); err != nil {
		return iot.DeviceRef{}, err
	}
	return iot.DeviceRef{ProductKey: productKey, DeviceName: cmp.Or(d.Status.DeviceName, d.EffectiveDeviceName())}, nil
}

// ref names the device on the platform: by IotId once known, else by its
// product's key and its name.
func (e *External) ref(ctx context.Context, d *iotv1.Device) (iot.DeviceRef, error) {
	if d.Status.IotID != "" {
		return iot.DeviceRef{IotID: d.Status.IotID}, nil
	}
	productKey, err := e.productKey(ctx, d)
	if err != nil {
		return iot.DeviceRef{}, err
	}
	return iot.DeviceRef{ProductKey: productKey, DeviceName: d.EffectiveDeviceName()}, nil
}

// productKey resolves the device's product, once per reconcile:
// spec.productKey if its namespace may use it, or the key of the
// referenced Product once that Product is Ready.
func (e *External) productKey(ctx context.Context, d *iotv1.Device) (string, error) {
	if e.resolvedProductKey != "" {
		return e.resolvedProductKey, nil
	}
	var key string
	var err error
	if d.Spec.ProductKey != "" {
		key, err = d.Spec.ProductKey, refs.CheckProductKey(ctx, e.Kube, d.Namespace, d.Spec.ProductKey, ProductRetry)
	} else {
		e.product, err = refs.ReadyProduct(ctx, e.Kube, d.Namespace, d.Spec.ProductRef.Name, ProductRetry)
		if err == nil {
			key = e.product.Status.ProductKey
		}
	}
	if err != nil {
		return "", err
	}
	e.resolvedProductKey = key
	return key, nil
}

// secretData is the content of <name>-device.
func (e *External) secretData(detail *iot.DeviceDetail, location *iotv1.DeviceLocation) map[string][]byte {
	data := map[string][]byte{
		SecretKeyProductKey:   []byte(detail.ProductKey),
		SecretKeyDeviceName:   []byte(detail.DeviceName),
		SecretKeyDeviceSecret: []byte(detail.DeviceSecret.Reveal()),
		SecretKeyIotID:        []byte(detail.IotID),
		SecretKeyRegionID:     []byte(e.Region),
		SecretKeyMQTTHost:     []byte(MQTTHost(detail.ProductKey, e.Region, e.IotInstanceID)),
	}
	if e.IotInstanceID != "" {
		data[SecretKeyIotInstanceID] = []byte(e.IotInstanceID)
	}
	if location != nil {
		data[SecretKeyTargetRegionID] = []byte(location.Region)
		data[SecretKeyTargetIotInstanceID] = []byte(location.InstanceID)
		data[SecretKeyTargetMQTTHost] = []byte(location.MQTTHost)
	}
	return data
}

// MQTTHost is where a device connects: the public instances' per-product
// host, or an Enterprise instance's own.
func MQTTHost(productKey, region, iotInstanceID string) string {
	if iotInstanceID != "" {
		return fmt.Sprintf("%s.mqtt.iothub.aliyuncs.com", iotInstanceID)
	}
	return fmt.Sprintf("%s.iot-as-mqtt.%s.aliyuncs.com", productKey, region)
}

// SecretName is the name of a Device's credentials Secret.
func SecretName(d *iotv1.Device) string { return d.Name + "-device" }

// drift names what of the cloud device differs from the spec.
func drift(d *iotv1.Device, detail *iot.DeviceDetail, props map[string]string) []string {
	var fields []string
	if detail.Nickname != d.Spec.Nickname {
		fields = append(fields, "nickname")
	}
	if (detail.Status == iot.DeviceStatusDisable) == d.IsEnabled() {
		fields = append(fields, "enabled")
	}
	if !maps.Equal(props, iot.StringMap(d.Spec.Properties)) {
		fields = append(fields, "properties")
	}
	return fields
}
