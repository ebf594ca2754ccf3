package distribution

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// poll reads the latest job's status (QueryDeviceDistributeJob; the
// client keeps every poll of the account within the action's 10 QPS).
func (e *External) poll(ctx context.Context, j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) error {
	job, err := e.API.QueryDeviceDistributeJob(ctx, run.JobID)
	if aliyun.IsNotFound(err) {
		// Deleted outside Kiot before it finished: nothing more can be
		// learned of it. Its devices count as failed, so a retry can
		// distribute them again.
		return e.lose(ctx, j, run)
	}
	if err != nil {
		return err
	}
	run.Phase = phaseOf(int(job.Status))
	j.Status.Phase = run.Phase
	return nil
}

// phaseOf maps the platform's job status (001:L40–47).
func phaseOf(status int) iotv1.DistributeJobPhase {
	switch status {
	case iot.JobStatusInitializing:
		return iotv1.PhaseInitializing
	case iot.JobStatusRunning:
		return iotv1.PhaseRunning
	case iot.JobStatusCompleted:
		return iotv1.PhaseCompleted
	case iot.JobStatusInterrupted:
		return iotv1.PhaseInterrupted
	}
	return iotv1.PhaseRunning // an undocumented status: keep following the job
}

// running is the verdict on a job still running: not Ready, look again
// soon.
func (e *External) running(j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) managed.Observation {
	reason := iotv1.ReasonRunning
	if run.Phase == iotv1.PhaseInitializing {
		reason = iotv1.ReasonInitializing
	}
	return managed.Observation{Exists: true, UpToDate: true, Readiness: &managed.Readiness{
		Reason:       reason,
		Message:      "job " + run.JobID + " is " + string(run.Phase) + " on the platform",
		RecheckAfter: e.pollInterval(run),
	}}
}

// pollInterval is a quarter of the job's age, within PollMin and PollMax:
// a backoff that needs no state.
func (e *External) pollInterval(run *iotv1.DistributeJobRun) time.Duration {
	lo, hi := e.pollMin(), e.Timing.PollMax
	if hi < lo {
		hi = max(lo, DefaultTiming.PollMax)
	}
	return min(max(e.now().Sub(run.CreatedAt.Time)/4, lo), hi)
}

// lose records a job the platform no longer knows before it finished.
func (e *External) lose(ctx context.Context, j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) error {
	records, err := e.ledger(ctx, j)
	if err != nil {
		return err
	}
	names := runDevices(records, run)
	results := make([]iotv1.DeviceDistributeResult, 0, len(names))
	for _, n := range names {
		results = append(results, iotv1.DeviceDistributeResult{DeviceName: n, Code: codeJobLost, JobID: run.JobID,
			Message: "the platform has no record of job " + run.JobID + " (deleted outside Kiot before it finished)"})
	}
	merge(j, run, records, results)
	if len(records) > 0 {
		if err := e.saveLedger(ctx, j, records); err != nil {
			return err
		}
	}
	now := metav1.NewTime(e.now())
	run.Phase, run.FinishedAt, run.Confirmed, run.RecordDeleted = iotv1.PhaseFailed, &now, true, true
	j.Status.Phase = iotv1.PhaseFailed
	return nil
}
