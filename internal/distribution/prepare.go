package distribution

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/refs"
)

// prepare makes everything the first job needs known, in status: the
// product's key, the source instance and the devices, resolved once. It
// waits for the product and the Device resources to be Ready.
func (e *External) prepare(ctx context.Context, j *iotv1.DistributeJob) error {
	productKey, err := e.productKey(ctx, j)
	if err != nil {
		return err
	}
	source, err := e.sourceInstance(j)
	if err != nil {
		return err
	}
	if _, err := e.targetInstances(j); err != nil {
		return err
	}
	j.Status.ProductKey, j.Status.SourceInstanceID = productKey, source
	if j.ProductOnly() {
		return nil
	}
	var devices iotv1.DeviceList
	if err := e.Kube.List(ctx, &devices, client.InNamespace(j.Namespace)); err != nil {
		return err
	}
	records, err := e.ledger(ctx, j)
	if err != nil {
		return err
	}
	if len(records) == 0 {
		resolved, err := resolveDevices(j, devices.Items, e.retry())
		if err != nil {
			return err
		}
		records = recordsOf(resolved)
		if err := e.saveLedger(ctx, j, records); err != nil {
			return err
		}
		j.Status.Devices = nil // an earlier Kiot's list, now in the ledger
		j.Status.Total = int32(len(records))
	}
	return e.devicesReady(j, records, devices.Items)
}

// productKey is spec.productKey, or the key of the referenced Product once
// that Product is Ready.
func (e *External) productKey(ctx context.Context, j *iotv1.DistributeJob) (string, error) {
	if j.Spec.ProductKey != "" {
		return j.Spec.ProductKey, refs.CheckProductKey(ctx, e.Kube, j.Namespace, j.Spec.ProductKey, e.retry())
	}
	return refs.ReadyProductKey(ctx, e.Kube, j.Namespace, j.Spec.ProductRef.Name, e.retry())
}

// sourceInstance is spec.sourceInstanceId, else the ProviderConfig's
// instance, else the public instance of its region.
func (e *External) sourceInstance(j *iotv1.DistributeJob) (string, error) {
	switch {
	case j.Spec.SourceInstanceID != "":
		return j.Spec.SourceInstanceID, nil
	case e.IotInstanceID != "":
		return e.IotInstanceID, nil
	case iot.PublicInstanceID(e.Region) != "":
		return iot.PublicInstanceID(e.Region), nil
	}
	return "", managed.Terminal(fmt.Errorf(
		"the ProviderConfig's region %s has no public instance Kiot knows: set spec.sourceInstanceId", e.Region))
}

// targetInstances are the targets' instance IDs: each one's instanceId, or
// the public instance of its region.
func (e *External) targetInstances(j *iotv1.DistributeJob) ([]string, error) {
	ids := make([]string, 0, len(j.Spec.Targets))
	for i, t := range j.Spec.Targets {
		id := t.InstanceID
		if id == "" {
			id = iot.PublicInstanceID(t.Region)
		}
		if id == "" {
			return nil, managed.Terminal(fmt.Errorf(
				"spec.targets[%d]: region %s has no public instance Kiot knows: set its instanceId", i, t.Region))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// resolveDevices turns spec.devices, spec.deviceNames and spec.deviceSelector
// into the job's devices, sorted by DeviceName. Every named Device resource
// must exist: recording a partial set would distribute fewer devices than
// asked.
func resolveDevices(j *iotv1.DistributeJob, devices []iotv1.Device, retry time.Duration) ([]iotv1.ResolvedDevice, error) {
	picked, err := refs.SelectDevices(devices, j.Spec.Devices, j.Spec.DeviceSelector)
	if err != nil {
		return nil, err
	}
	if len(picked.Missing) > 0 {
		return nil, managed.Wait(iotv1.ReasonDevicesNotReady, retry, "waiting for %d named Device(s) to exist: %s", len(picked.Missing), managed.ShortList(picked.Missing))
	}
	out := map[string]iotv1.ResolvedDevice{}
	for _, d := range picked.Selected {
		r := iotv1.ResolvedDevice{DeviceName: d.EffectiveDeviceName(), Managed: true}
		if d.Name != r.DeviceName {
			r.Resource = d.Name
		}
		out[r.DeviceName] = r
	}
	// Raw device names, for devices no Device resource manages: a Device
	// that names the same device takes precedence.
	for _, deviceName := range j.Spec.DeviceNames {
		if _, taken := out[deviceName]; !taken {
			out[deviceName] = iotv1.ResolvedDevice{DeviceName: deviceName}
		}
	}
	if len(out) == 0 {
		return nil, managed.Wait(iotv1.ReasonNoDevicesSelected, retry,
			"spec.deviceSelector selects no Device in namespace %s yet; the job starts once it selects some", j.Namespace)
	}
	if len(out) > iotv1.MaxDistributeDevices {
		return nil, managed.Terminal(fmt.Errorf("the spec selects %d devices; a job distributes at most %d: narrow the selector or split the job",
			len(out), iotv1.MaxDistributeDevices))
	}
	resolved := make([]iotv1.ResolvedDevice, 0, len(out))
	for _, r := range out {
		resolved = append(resolved, r)
	}
	slices.SortFunc(resolved, func(a, b iotv1.ResolvedDevice) int { return strings.Compare(a.DeviceName, b.DeviceName) })
	return resolved, nil
}

// devicesReady waits until every Device resource of the job is Ready in the
// job's product.
func (e *External) devicesReady(j *iotv1.DistributeJob, records []deviceRecord, devices []iotv1.Device) error {
	byName := make(map[string]*iotv1.Device, len(devices))
	for i := range devices {
		byName[devices[i].Name] = &devices[i]
	}
	var waiting, elsewhere []string
	for _, r := range records {
		name := r.ResourceName()
		if name == "" {
			continue
		}
		d := byName[name]
		if d == nil || !d.DeletionTimestamp.IsZero() || !apimeta.IsStatusConditionTrue(d.Status.Conditions, iotv1.ConditionReady) || d.Status.ProductKey == "" {
			waiting = append(waiting, name)
			continue
		}
		if d.Status.ProductKey != j.Status.ProductKey {
			elsewhere = append(elsewhere, name+" ("+d.Status.ProductKey+")")
		}
	}
	if len(elsewhere) > 0 {
		return managed.Terminal(fmt.Errorf("a job distributes the devices of one product, %s; these Devices belong to another: %s",
			j.Status.ProductKey, managed.ShortList(elsewhere)))
	}
	if len(waiting) > 0 {
		return managed.Wait(iotv1.ReasonDevicesNotReady, e.retry(), "waiting for %d of %d Devices to be Ready: %s", len(waiting), len(records), managed.ShortList(waiting))
	}
	return nil
}
