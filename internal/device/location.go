package device

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
)

// Provisioning reads where a device was distributed; *iot.Client has it.
type Provisioning interface {
	QueryDeviceProvisioning(ctx context.Context, productKey, deviceName string) (*iot.DeviceProvisioning, error)
}

// Locator lets a Device learn where DistributeJobs sent it and record it
// in its own status.location (and so in its Secret's target keys): only
// the Device controller writes a Device's status.
type Locator struct {
	API Provisioning
	// Movers are the finished moves of the Device resource name by the
	// DistributeJobs of namespace: from the jobs' device ledgers, or from
	// status.devices of jobs an earlier Kiot wrote.
	Movers func(ctx context.Context, namespace, name string) ([]Move, error)
	// Clock stamps observedAt; nil is the wall clock.
	Clock clock.PassiveClock
}

// Move is a DistributeJob's word that it moved a Device: the job's name,
// the platform's JobId of the run that moved it and when that run's
// results were recorded.
type Move struct {
	DistributeJob string
	JobID         string
	Finished      time.Time
}

// locate records where the latest DistributeJob that moved the device sent
// it. It asks QueryDeviceProvisioning once per job: a location already
// recorded for that job stands.
func (l *Locator) locate(ctx context.Context, d *iotv1.Device) error {
	moves, err := l.Movers(ctx, d.Namespace, d.Name)
	if err != nil {
		return err
	}
	var mover *Move
	for i := range moves {
		if mover == nil || moves[i].Finished.After(mover.Finished) {
			mover = &moves[i]
		}
	}
	if mover == nil {
		return nil
	}
	if loc := d.Status.Location; loc != nil && loc.DistributeJob == mover.DistributeJob && loc.JobID == mover.JobID {
		return nil
	}
	prov, err := l.API.QueryDeviceProvisioning(ctx, d.Status.ProductKey, d.Status.DeviceName)
	if aliyun.IsNotFound(err) {
		return nil // the DistributeJob reports the disagreement
	}
	if err != nil || prov.TargetIotInstanceID == "" {
		return err
	}
	region := prov.TargetRegion
	if region == "" {
		region = iot.PublicInstanceRegion(prov.TargetIotInstanceID)
	}
	enterpriseID := prov.TargetIotInstanceID
	if iot.PublicInstanceRegion(enterpriseID) != "" {
		enterpriseID = ""
	}
	d.Status.Location = &iotv1.DeviceLocation{
		InstanceID: prov.TargetIotInstanceID, Region: region,
		MQTTHost:      MQTTHost(d.Status.ProductKey, region, enterpriseID),
		DistributeJob: mover.DistributeJob, JobID: mover.JobID, ObservedAt: metav1.NewTime(l.now()),
	}
	return nil
}

func (l *Locator) now() time.Time {
	if l.Clock != nil {
		return l.Clock.Now()
	}
	return time.Now()
}
