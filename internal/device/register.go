package device

import (
	"context"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// RegisteringRetry is how often a Device whose registration is under way
// looks again in case its wake was lost; the Registrar's notice wakes it as
// soon as its result is in. A look costs no platform call.
const RegisteringRetry = 30 * time.Second

// RegisteringQuietly is how long a new Device waits for its batch
// registration without writing a status (managed.Kind.FirstWait): a batch
// answers within a second or two, so a new Device's first status write is
// usually its Ready one, and one that waits longer says Registering.
const RegisteringQuietly = 5 * time.Second

// Create asks the shared Registrar for the device, which registers the
// Devices of a product with their nicknames, alone or in batches, and
// then writes its properties. No worker waits for a batch: the Device reports
// Registering and is woken when its result is in. A name already taken in
// the product is adopted; one the platform refuses is this Device's
// InvalidSpec alone.
func (e *External) Create(ctx context.Context, obj managed.Object) error {
	d := obj.(*iotv1.Device)
	productKey, err := e.productKey(ctx, d)
	if err != nil {
		return err
	}
	key, name, who := e.fleetKey(d, productKey), d.EffectiveDeviceName(), client.ObjectKeyFromObject(d)
	// Awaited before asking, so a result that comes at once still wakes it.
	e.Fleet.Waiters.Await(key, name, who)
	reg := e.Fleet.Registrar.Register(e.API, key, name, d.Spec.Nickname)
	if reg.Pending() {
		return registering(productKey, name, reg)
	}
	e.Fleet.Waiters.Cancel(key, name, who)
	defer e.Fleet.Registrar.Forget(key, name)
	switch reg.Phase {
	case fleet.PhaseRegistered:
		d.Status.IotID, d.Status.ProductKey, d.Status.DeviceName = reg.IotID, productKey, name
		if err := e.completeCreation(ctx, d, key, reg); err != nil {
			return err
		}
		e.reportCreated(reg.ApplyID, name)
		return nil
	case fleet.PhaseExists:
		return e.adopt(ctx, d, key, name)
	case fleet.PhaseRefused:
		return managed.Terminal(fmt.Errorf("the platform refuses to register device %q in product %s: %s; change spec.deviceName or spec.nickname",
			name, productKey, reg.Reason))
	default:
		return fmt.Errorf("registering device %q in product %s failed: %s", name, productKey, reg.Reason)
	}
}

// completeCreation makes what registration cannot set part of creating
// the device, so its Created event stands for them: the disabled state
// (DisableThing) and the properties. A new device is UNACTIVE with what
// registration returned, DISABLE once disabled; recorded so, the engine's
// next observation needs no call. A failed write leaves a registered
// device the next reconcile finds and completes; a failed disable, whose
// answer may have been lost, is read afresh.
func (e *External) completeCreation(ctx context.Context, d *iotv1.Device, key fleet.Key, reg fleet.Registration) error {
	obs := fleet.Observation{DeviceName: d.Status.DeviceName, IotID: reg.IotID,
		Nickname: d.Spec.Nickname, Status: iot.DeviceStatusUnactive, DeviceSecret: reg.DeviceSecret}
	e.Fleet.Observer.Record(key, obs)
	if !d.IsEnabled() {
		if err := e.API.DisableThing(ctx, iot.DeviceRef{IotID: reg.IotID}); err != nil {
			e.Fleet.Observer.Invalidate(key, obs.DeviceName)
			return err
		}
		obs.Status = iot.DeviceStatusDisable
		e.Fleet.Observer.Record(key, obs)
	}
	return e.writeNewDeviceProperties(ctx, d, reg.IotID)
}

// reportCreated hands a device the Registrar created to its Product's
// CreatedEvents, when the Device names a Product (productKey resolved it);
// a Device that names a productKey records its own Created event.
func (e *External) reportCreated(applyID int64, name string) {
	if e.Fleet.CreatedEvents == nil || e.product == nil {
		return
	}
	e.Fleet.CreatedEvents.Add(e.product, applyID, name)
	e.createdReported = true
}

// CreationReported says the last Create's device is reported on its
// Product with the rest of its batch (managed.CreationReporter).
func (e *External) CreationReported() bool { return e.createdReported }

// adopt takes over a device the batch check found already registered (by
// an interrupted attempt of Kiot's, or outside Kiot): read afresh, it is
// the Device's from now on.
func (e *External) adopt(ctx context.Context, d *iotv1.Device, key fleet.Key, name string) error {
	e.Fleet.Observer.Invalidate(key, name)
	obs, found, err := e.Fleet.Observer.Get(ctx, e.API, key, name)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("device %q in product %s was reported registered but is gone; registering it again", name, key.ProductKey)
	}
	d.Status.IotID, d.Status.ProductKey, d.Status.DeviceName = obs.IotID, key.ProductKey, name
	return nil
}

// registering is the wait of a Device whose registration is under way.
func registering(productKey, name string, reg fleet.Registration) error {
	msg := fmt.Sprintf("Registering device %q in a batch of product %s (%s)", name, productKey, reg.Phase)
	if reg.Phase == fleet.PhaseDirect {
		msg = fmt.Sprintf("Registering device %q in product %s (RegisterDevice)", name, productKey)
	}
	if reg.ApplyID != 0 {
		msg += fmt.Sprintf(", ApplyId %d", reg.ApplyID)
	}
	if reg.Reason != "" {
		msg += "; retrying after: " + reg.Reason
	}
	return managed.InProgress(iotv1.ReasonRegistering, RegisteringRetry, "%s", msg)
}

// settledRegistration makes a Delete of a Device with no IotId wait for a
// registration of its name still in flight, which would otherwise create
// the device after the Delete found nothing; a finished one gives the IotId
// to delete.
func (e *External) settledRegistration(d *iotv1.Device, ref iot.DeviceRef) (iot.DeviceRef, error) {
	key := e.fleetKey(d, ref.ProductKey)
	reg := e.Fleet.Registrar.Peek(key, ref.DeviceName)
	switch {
	case reg.Pending():
		e.Fleet.Waiters.Await(key, ref.DeviceName, client.ObjectKeyFromObject(d))
		return ref, registering(ref.ProductKey, ref.DeviceName, reg)
	case reg.Phase == fleet.PhaseRegistered:
		// Forgotten at once: were this Delete to fail, the next one finds
		// the same device by its name.
		e.Fleet.Registrar.Forget(key, ref.DeviceName)
		return iot.DeviceRef{IotID: reg.IotID}, nil
	}
	return ref, nil
}
