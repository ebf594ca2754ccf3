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

// recordsToDelete are the finished jobs whose platform record is to go:
// with spec.deleteFinishedJobs, once their results and checks are in
// status. Observe reports them as drift; Update deletes them.
func recordsToDelete(j *iotv1.DistributeJob) []*iotv1.DistributeJobRun {
	if !j.Spec.DeleteFinishedJobs {
		return nil
	}
	var runs []*iotv1.DistributeJobRun
	for i := range j.Status.Jobs {
		if run := &j.Status.Jobs[i]; !run.RecordDeleted && run.FinishedAt != nil && run.Confirmed {
			runs = append(runs, run)
		}
	}
	return runs
}

// deleteRecords deletes the records recordsToDelete names.
func (e *External) deleteRecords(ctx context.Context, j *iotv1.DistributeJob) error {
	for _, run := range recordsToDelete(j) {
		if err := e.deleteRecord(ctx, run); err != nil && !aliyun.IsConflict(err) {
			return err // a conflict: not finished after all; the next observation sees it
		}
	}
	return nil
}
