// Package distribution is the DistributeJob kind's cloud logic: preparing a
// distribution, creating its platform job exactly once, following the job
// to the end, recording each device's outcome and where devices now live.
// The engine in internal/managed drives it.
package distribution

import (
	"context"
	"iter"

	"github.com/kiot-dev/kiot/internal/iot"
)

// API is the part of the IoT Platform a DistributeJob needs; *iot.Client
// has it.
type API interface {
	CreateDeviceDistributeJob(ctx context.Context, in iot.CreateDeviceDistributeJobInput) (string, error)
	CreateProductDistributeJob(ctx context.Context, in iot.CreateProductDistributeJobInput) (string, error)
	QueryDeviceDistributeJob(ctx context.Context, jobID string) (*iot.DistributeJob, error)
	AllDistributeJobs(ctx context.Context, in iot.DistributeJobListInput) iter.Seq2[iot.DistributeJob, error]
	DeviceDistributeResults(ctx context.Context, jobID string) ([]iot.DistributeResult, error)
	DeleteDeviceDistributeJob(ctx context.Context, jobID string) error
	QueryDeviceProvisioning(ctx context.Context, productKey, deviceName string) (*iot.DeviceProvisioning, error)
}
