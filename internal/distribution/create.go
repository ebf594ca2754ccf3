package distribution

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// Codes of a job that cannot start yet because a device or the product is
// in another unfinished job (004 L4925, L4957, L4964).
var busyCodes = []string{
	"iot.provisioning.DeviceIsInAnotherTask",
	"iot.provisioning.DeviceIsDistributing",
	"iot.provisioning.ProductIsDistributing",
}

// clockSkew widens the window in which a job found after a crash is taken
// for the one a lost create made: the platform's GmtCreate and Kiot's
// clock need not agree to the second.
const clockSkew = time.Minute

// startJob creates a job for names (none: the product alone) and records
// it. CreateDeviceDistributeJob makes a new job on every call, so the intent
// is written to status first: after a crash the next reconcile looks for
// the job instead of making a second.
func (e *External) startJob(ctx context.Context, j *iotv1.DistributeJob, retryToken string, names []string) error {
	targets, err := e.targetInstances(j)
	if err != nil {
		return err
	}
	j.Status.PendingCreate = &iotv1.PendingJobCreate{StartedAt: metav1.NewTime(e.now()), RetryToken: retryToken, Total: int32(len(names))}
	if err := managed.Checkpoint(ctx); err != nil {
		return err
	}
	var jobID string
	if j.ProductOnly() {
		jobID, err = e.API.CreateProductDistributeJob(ctx, iot.CreateProductDistributeJobInput{
			ProductKey: j.Status.ProductKey, SourceInstanceID: j.Status.SourceInstanceID, TargetInstanceID: targets[0],
			TargetUID: j.Spec.TargetUID, TargetAliyunID: j.Spec.TargetAliyunID,
		})
	} else {
		strategy := iot.StrategyRegion
		if j.Spec.Strategy == iotv1.DistributeStrategyNearest {
			strategy = iot.StrategyNearest
		}
		jobID, err = e.API.CreateDeviceDistributeJob(ctx, iot.CreateDeviceDistributeJobInput{
			ProductKey: j.Status.ProductKey, DeviceNames: names, SourceInstanceID: j.Status.SourceInstanceID,
			Strategy: strategy, TargetInstanceIDs: targets, TargetUID: j.Spec.TargetUID, TargetAliyunID: j.Spec.TargetAliyunID,
		})
	}
	if err != nil {
		return e.createFailed(j, retryToken, err)
	}
	e.recordRun(j, jobID, retryToken, int32(len(names)), e.now())
	return nil
}

// createFailed answers a refused create. An answer from the platform means
// no job was made, so the intent is dropped; a lost answer (a timeout, a
// 5xx) keeps it for the next reconcile to resolve.
func (e *External) createFailed(j *iotv1.DistributeJob, retryToken string, err error) error {
	if answered(err) {
		j.Status.PendingCreate = nil
	}
	code := aliyun.ErrorCode(err)
	switch {
	case code == aliyun.CodeRunningTaskExceedLimit:
		return managed.Wait(iotv1.ReasonQuotaExceeded, e.retry(),
			"the account already runs 10 distribution jobs, the platform's limit (%s): the job starts when one finishes", code)
	case slices.Contains(busyCodes, code):
		return managed.Wait(strings.TrimPrefix(code, "iot.provisioning."), e.retry(),
			"%s: waiting for the other job to finish", err.Error())
	case aliyun.IsTerminal(err):
		if len(j.Status.Jobs) == 0 {
			j.Status.Phase = iotv1.PhaseFailed
			return managed.Terminal(fmt.Errorf("%w; %s", err, refusedHint))
		}
		// A refused retry is not repeated at every resync: the
		// annotation's value has been answered.
		j.Status.RetryToken = retryToken
		return managed.Terminal(err)
	}
	return err
}

// answered reports an error the platform answered, after which it surely
// made no job.
func answered(err error) bool {
	switch aliyun.ClassOf(err) {
	case aliyun.ClassRetryable, aliyun.ClassUnknown:
		return false
	}
	return true
}

// recordRun records a job that now exists.
func (e *External) recordRun(j *iotv1.DistributeJob, jobID, retryToken string, total int32, created time.Time) {
	j.Status.Jobs = append(j.Status.Jobs, iotv1.DistributeJobRun{
		JobID: jobID, RetryToken: retryToken, Phase: iotv1.PhaseInitializing, Total: total, CreatedAt: metav1.NewTime(created),
	})
	if len(j.Status.Jobs) == 1 {
		j.Status.JobID = jobID
	}
	if retryToken != "" {
		j.Status.RetryToken = retryToken
	}
	j.Status.Phase = iotv1.PhaseInitializing
	j.Status.PendingCreate = nil
}

// recoverPendingCreate resolves a create whose answer was lost: a job of
// the same product, source, targets and size, made since the call and not
// claimed by any DistributeJob, is the one it made. Without one, no job was
// made and the create runs again.
func (e *External) recoverPendingCreate(ctx context.Context, j *iotv1.DistributeJob) error {
	pending := j.Status.PendingCreate
	if pending == nil {
		return nil
	}
	claimed, err := e.claimedJobs(ctx)
	if err != nil {
		return err
	}
	targets, err := e.targetInstances(j)
	if err != nil {
		return err
	}
	since := pending.StartedAt.Add(-clockSkew)
	for job, err := range e.API.AllDistributeJobs(ctx, iot.DistributeJobListInput{Page: iot.Page{PageSize: 50}, ProductKey: j.Status.ProductKey}) {
		if err != nil {
			return err
		}
		created := time.UnixMilli(int64(job.GmtCreate))
		if created.Before(since) {
			break // newest first: the rest are older
		}
		if claimed[job.JobID] || job.SourceInstanceID != j.Status.SourceInstanceID || int32(job.Total) != pending.Total || !sameTargets(job, targets) {
			continue
		}
		e.recordRun(j, job.JobID, pending.RetryToken, pending.Total, created)
		return nil
	}
	j.Status.PendingCreate = nil
	return nil
}

// claimedJobs are the JobIds every DistributeJob in the cluster records.
func (e *External) claimedJobs(ctx context.Context) (map[string]bool, error) {
	var all iotv1.DistributeJobList
	if err := e.Kube.List(ctx, &all); err != nil {
		return nil, err
	}
	claimed := map[string]bool{}
	for _, other := range all.Items {
		for _, run := range other.Status.Jobs {
			claimed[run.JobID] = true
		}
	}
	return claimed, nil
}

func sameTargets(job iot.DistributeJob, targets []string) bool {
	var got []string
	for _, t := range job.TargetInstanceConfigs.TargetInstanceConfigs {
		got = append(got, t.TargetInstanceID)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(targets))
	return slices.Equal(got, want)
}
