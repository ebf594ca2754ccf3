package distribution

import (
	"context"
	"fmt"
	"slices"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
)

const (
	// checksPerPass bounds the QueryDeviceProvisioning calls of one
	// reconcile (2 s at the action's 50 QPS); a large job is checked over
	// several passes.
	checksPerPass = 100
	// unmanagedSample is how many devices Kiot does not manage are checked:
	// no Device waits on them, so a sample confirms the job.
	unmanagedSample = 5
	// maxMismatches bounds status.mismatches.
	maxMismatches = 20
)

// checkTargets confirms where a completed job's devices went with
// QueryDeviceProvisioning: every distributed Device resource and a sample
// of the other devices. It writes only this resource's status: each
// Device records its own status.location (internal/device, location.go).
func (e *External) checkTargets(ctx context.Context, j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) error {
	if run.Phase != iotv1.PhaseCompleted || j.ProductOnly() {
		run.Confirmed = true
		return nil
	}
	records, err := e.ledger(ctx, j)
	if err != nil {
		return err
	}
	var managedDone, unmanagedDone []deviceRecord
	for _, d := range records {
		switch {
		case d.failed():
		case d.Managed:
			managedDone = append(managedDone, d)
		default:
			unmanagedDone = append(unmanagedDone, d)
		}
	}
	targets, err := e.targetInstances(j)
	if err != nil {
		return err
	}
	for budget := checksPerPass; int(run.Checked) < len(managedDone) && budget > 0; budget-- {
		if _, err := e.provisioning(ctx, j, managedDone[run.Checked].DeviceName, targets); err != nil {
			return err
		}
		run.Checked++
	}
	if int(run.Checked) < len(managedDone) {
		return nil
	}
	for _, d := range unmanagedDone[:min(unmanagedSample, len(unmanagedDone))] {
		if _, err := e.provisioning(ctx, j, d.DeviceName, targets); err != nil {
			return err
		}
	}
	run.Confirmed = true
	return nil
}

// provisioning reads a device's distribution and records a disagreement
// with the job's targets.
func (e *External) provisioning(ctx context.Context, j *iotv1.DistributeJob, deviceName string, targets []string) (*iot.DeviceProvisioning, error) {
	prov, err := e.API.QueryDeviceProvisioning(ctx, j.Status.ProductKey, deviceName)
	if aliyun.IsNotFound(err) {
		e.mismatch(j, deviceName+": QueryDeviceProvisioning does not know the device")
		return &iot.DeviceProvisioning{}, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case prov.TargetIotInstanceID == "":
		e.mismatch(j, deviceName+": QueryDeviceProvisioning reports it not distributed")
	case !slices.Contains(targets, prov.TargetIotInstanceID):
		e.mismatch(j, fmt.Sprintf("%s: QueryDeviceProvisioning places it in %s, not a target", deviceName, prov.TargetIotInstanceID))
	}
	return prov, nil
}

func (e *External) mismatch(j *iotv1.DistributeJob, what string) {
	if len(j.Status.Mismatches) < maxMismatches && !slices.Contains(j.Status.Mismatches, what) {
		j.Status.Mismatches = append(j.Status.Mismatches, what)
	}
}
