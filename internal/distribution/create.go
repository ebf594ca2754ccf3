package distribution

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// Codes of a job that cannot start yet because a device or the product is
// in another unfinished job (004 L4925, L4957, L4964), and the reason each
// waits under.
var busyReasons = map[string]string{
	"iot.provisioning.DeviceIsInAnotherTask": iotv1.ReasonDeviceIsInAnotherTask,
	"iot.provisioning.DeviceIsDistributing":  iotv1.ReasonDeviceIsDistributing,
	"iot.provisioning.ProductIsDistributing": iotv1.ReasonProductIsDistributing,
}

// clockSkew widens the window in which a job found after a crash is taken
// for the one a lost create made: the platform's GmtCreate and Kiot's
// clock need not agree to the second.
const clockSkew = time.Minute

// DefaultCreateInFlight is how long a create call may still take effect
// after Kiot sent it, with the client's defaults (internal/aliyun): at most
// DefaultRetryPolicy().MaxAttempts attempts (a throttled create is
// repeated), each bounded by DefaultAttemptTimeout, at most MaxDelay apart.
// clockSkew is added for a platform that lists a job a little after making
// it. Until this has passed since status.pendingCreate.startedAt, a job the
// platform does not list may still appear: it is searched for again, never
// taken as not made.
var DefaultCreateInFlight = func() time.Duration {
	p := aliyun.DefaultRetryPolicy()
	return time.Duration(p.MaxAttempts)*(aliyun.DefaultAttemptTimeout+p.MaxDelay) + clockSkew
}()

// RecordIntent notes in status the job the coming Create or Update starts
// (managed.Intending): CreateDeviceDistributeJob makes a new job on every
// call, so the engine writes the intent before the call, and after a crash
// or a lost answer the next reconcile looks for the job instead of making
// a second. An intent already in status is one whose answer was lost and
// whose job was not found in time: the call that follows asks again.
func (e *External) RecordIntent(ctx context.Context, obj managed.Object, obs managed.Observation) (bool, error) {
	j := obj.(*iotv1.DistributeJob)
	if obs.Exists && !e.retryRequested(j) {
		return false, nil // Update only deletes finished records
	}
	records, err := e.ledger(ctx, j)
	if err != nil {
		return false, err
	}
	token, names := "", deviceNames(records)
	if obs.Exists {
		token, names = j.GetAnnotations()[iotv1.AnnotationRetryFailed], failedNames(records)
	}
	if _, err := e.targetInstances(j); err != nil {
		return false, err
	}
	e.askingAgain = j.Status.PendingCreate != nil
	j.Status.PendingCreate = &iotv1.PendingJobCreate{StartedAt: metav1.NewTime(e.now()), RetryToken: token, Total: int32(len(names))}
	return true, nil
}

// startJob creates the job whose intent RecordIntent noted, for names
// (none: the product alone), and records it.
func (e *External) startJob(ctx context.Context, j *iotv1.DistributeJob, names []string) error {
	intent := j.Status.PendingCreate
	if intent == nil {
		return errors.New("distribution: a job create without a recorded intent (RecordIntent must run first)")
	}
	targets, err := e.targetInstances(j)
	if err != nil {
		return err
	}
	retryToken := intent.RetryToken
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
		return e.createFailed(j, retryToken, e.askingAgain, err)
	}
	e.recordRun(j, jobID, retryToken, int32(len(names)), e.now())
	return nil
}

// createFailed answers a refused create. An answer from the platform means
// this call made no job, so the intent is dropped; a lost answer (a
// timeout, a 5xx) keeps it for the next reconcile to resolve. A busy
// answer to a create that asks again keeps it too: the device is most
// likely busy in the job the unanswered create made, which the platform
// has not listed yet.
func (e *External) createFailed(j *iotv1.DistributeJob, retryToken string, askingAgain bool, err error) error {
	code := aliyun.ErrorCode(err)
	busyReason, busy := busyReasons[code]
	if answered(err) && !(busy && askingAgain) {
		j.Status.PendingCreate = nil
	}
	switch {
	case busy && askingAgain:
		return managed.Wait(iotv1.ReasonCreateUnconfirmed, e.retry(),
			"%s: an earlier create got no answer, and the job it may have made is likely the one running; searching for it again", err.Error())
	case code == aliyun.CodeRunningTaskExceedLimit:
		return managed.Wait(iotv1.ReasonQuotaExceeded, e.retry(),
			"the account already runs 10 distribution jobs, the platform's limit (%s): the job starts when one finishes", code)
	case busy:
		return managed.Wait(busyReason, e.retry(),
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
// claimed by any DistributeJob, is the one it made. A job not listed may
// still be on its way while the call can be in flight (createInFlight): the
// search waits and runs again. Only afterwards is the job taken as not
// made; the intent stays in status so that startJob knows it asks again.
func (e *External) recoverPendingCreate(ctx context.Context, j *iotv1.DistributeJob) error {
	pending := j.Status.PendingCreate
	if pending == nil {
		return nil
	}
	job, err := e.findLostJob(ctx, j, pending)
	if err != nil {
		return err
	}
	if job != nil {
		e.recordRun(j, job.JobID, pending.RetryToken, pending.Total, time.UnixMilli(int64(job.GmtCreate)))
		return nil
	}
	if left := e.inFlightLeft(pending); left > 0 {
		return managed.Wait(iotv1.ReasonCreateUnconfirmed, min(e.retry(), left),
			"the create of %s got no answer and the platform lists no job it made yet; searching again until %s rather than make a second job",
			pending.StartedAt.UTC().Format(time.RFC3339), pending.StartedAt.Add(e.createInFlight()).UTC().Format(time.RFC3339))
	}
	return nil
}

// inFlightLeft is how long the pending create may still take effect; 0
// once a job not listed is surely not made.
func (e *External) inFlightLeft(pending *iotv1.PendingJobCreate) time.Duration {
	return max(0, pending.StartedAt.Add(e.createInFlight()).Sub(e.now()))
}

// findLostJob is the job a pending create made, or nil if the platform
// lists none.
func (e *External) findLostJob(ctx context.Context, j *iotv1.DistributeJob, pending *iotv1.PendingJobCreate) (*iot.DistributeJob, error) {
	claimed, err := e.claimedJobs(ctx)
	if err != nil {
		return nil, err
	}
	targets, err := e.targetInstances(j)
	if err != nil {
		return nil, err
	}
	since := pending.StartedAt.Add(-clockSkew)
	for job, err := range e.API.AllDistributeJobs(ctx, iot.DistributeJobListInput{Page: iot.Page{PageSize: 50}, ProductKey: j.Status.ProductKey}) {
		if err != nil {
			return nil, err
		}
		if time.UnixMilli(int64(job.GmtCreate)).Before(since) {
			break // newest first: the rest are older
		}
		if claimed[job.JobID] || job.SourceInstanceID != j.Status.SourceInstanceID || int32(job.Total) != pending.Total || !sameTargets(job, targets) {
			continue
		}
		return &job, nil
	}
	return nil, nil
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
