package distribution

import (
	"context"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
)

// deleteRecord deletes the platform's record of one job; one already gone
// counts as deleted. A job not finished answers aliyun.IsConflict.
func (e *External) deleteRecord(ctx context.Context, run *iotv1.DistributeJobRun) error {
	err := e.API.DeleteDeviceDistributeJob(ctx, run.JobID)
	if err == nil || aliyun.IsNotFound(err) {
		run.RecordDeleted = true
		return nil
	}
	return err
}

// deleteRecords deletes the platform's record of each finished job whose
// results and checks are in status (spec.deleteFinishedJobs).
func (e *External) deleteRecords(ctx context.Context, j *iotv1.DistributeJob) error {
	for i := range j.Status.Jobs {
		run := &j.Status.Jobs[i]
		if run.RecordDeleted || run.FinishedAt == nil || !run.Confirmed {
			continue
		}
		if err := e.deleteRecord(ctx, run); err != nil && !aliyun.IsConflict(err) {
			return err // a conflict: not finished after all; the next observation sees it
		}
	}
	return nil
}
