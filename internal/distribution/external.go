package distribution

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/managed"
)

// Timing paces a DistributeJob.
type Timing struct {
	// PollMin and PollMax bound the interval between two looks at a running
	// job; in between, the interval is a quarter of the job's age, so a
	// short job is seen finishing soon and a long one costs few calls.
	PollMin, PollMax time.Duration
	// Retry is how long a job waits for its product, its devices, a free
	// job slot or a busy device before looking again.
	Retry time.Duration
	// CreateInFlight is how long after a create whose answer was lost the
	// call may still be taking effect; until then a job not listed yet is
	// searched for again rather than taken as never made. 0 means
	// DefaultCreateInFlight.
	CreateInFlight time.Duration
}

// DefaultTiming suits the platform: jobs take seconds to minutes.
var DefaultTiming = Timing{PollMin: 2 * time.Second, PollMax: time.Minute, Retry: 30 * time.Second, CreateInFlight: DefaultCreateInFlight}

// External reconciles one DistributeJob.
type External struct {
	API API
	// Kube reads Products, Devices and the other DistributeJobs.
	Kube client.Reader
	// ConfigMaps keeps the job's device ledger (ledger.go): the only
	// objects Kiot writes for a DistributeJob besides its status.
	ConfigMaps ConfigMaps
	// Region and IotInstanceID are the ProviderConfig's.
	Region        string
	IotInstanceID string
	Timing        Timing
	// Clock tells the time; nil is the wall clock (tests use a fake).
	Clock clock.PassiveClock

	// askingAgain is RecordIntent's finding for the create that follows:
	// an earlier create of this intent got no answer (an External serves
	// one reconcile).
	askingAgain bool
	// records is the device ledger of recordsOf, once read in this
	// reconcile.
	records   []deviceRecord
	recordsOf *iotv1.DistributeJob
	// stored are the ledger ConfigMaps as this reconcile read or wrote
	// them, by name, so that saving the ledger needs no second read.
	stored map[string]storedChunk
}

var (
	_ managed.External  = (*External)(nil)
	_ managed.Intending = (*External)(nil)
)

// Observe finds the job's state: what is missing before the first job, or
// how the latest job is doing. Once a job is finished it records the
// results, checks where the devices went, and stops calling the platform.
func (e *External) Observe(ctx context.Context, obj managed.Object) (managed.Observation, error) {
	j := obj.(*iotv1.DistributeJob)
	if j.Status.Phase == "" {
		j.Status.Phase = iotv1.PhasePending
	}
	if err := e.recoverPendingCreate(ctx, j); err != nil {
		return managed.Observation{}, err
	}
	run := j.LatestRun()
	if run == nil && j.Status.Phase == iotv1.PhaseFailed {
		if err := e.refused(j); err != nil {
			return managed.Observation{}, err
		}
	}
	if run == nil {
		if err := e.prepare(ctx, j); err != nil {
			return managed.Observation{}, err
		}
		return managed.Observation{}, nil
	}
	if !run.Phase.Finished() {
		if err := e.poll(ctx, j, run); err != nil {
			return managed.Observation{}, err
		}
		if !run.Phase.Finished() {
			return e.running(j, run), nil
		}
	}
	if run.FinishedAt == nil {
		if err := e.recordResults(ctx, j, run); err != nil {
			return managed.Observation{}, err
		}
	}
	if !run.Confirmed {
		if err := e.checkTargets(ctx, j, run); err != nil {
			return managed.Observation{}, err
		}
	}
	readiness := e.verdict(j, run)
	if !run.Confirmed {
		readiness.RecheckAfter = e.pollMin() // more devices to check
	}
	obs := managed.Observation{Exists: true, UpToDate: true, Readiness: readiness}
	if n := len(recordsToDelete(j)); n > 0 {
		obs.UpToDate = false
		obs.Drift = append(obs.Drift, fmt.Sprintf("%d finished job record(s) to delete (spec.deleteFinishedJobs)", n))
	}
	if token := unansweredRetry(j); token != "" {
		if somethingToRetry(j) {
			obs.UpToDate = false
			obs.Drift = []string{fmt.Sprintf("%d failed device(s), by the %s annotation", j.Status.Failed, iotv1.AnnotationRetryFailed)}
		} else {
			j.Status.RetryToken = token // nothing left to retry: answered
		}
	}
	return obs, nil
}

// Create starts the first job: of the devices, or of the product alone.
func (e *External) Create(ctx context.Context, obj managed.Object) error {
	j := obj.(*iotv1.DistributeJob)
	records, err := e.ledger(ctx, j)
	if err != nil {
		return err
	}
	return e.startJob(ctx, j, deviceNames(records))
}

// Update deletes the records of finished jobs (spec.deleteFinishedJobs),
// and starts a follow-up job for the devices the latest job did not
// distribute, as the retry-failed annotation asks.
func (e *External) Update(ctx context.Context, obj managed.Object, _ managed.Observation) error {
	j := obj.(*iotv1.DistributeJob)
	if err := e.deleteRecords(ctx, j); err != nil {
		return err
	}
	if !e.retryRequested(j) {
		return nil
	}
	records, err := e.ledger(ctx, j)
	if err != nil {
		return err
	}
	return e.startJob(ctx, j, failedNames(records))
}

// Delete deletes the platform's record of each job. A running job cannot
// be deleted (TaskNotFinish): the resource waits for it to finish.
func (e *External) Delete(ctx context.Context, obj managed.Object) error {
	j := obj.(*iotv1.DistributeJob)
	// A create whose answer was lost may have made a job: find it first,
	// or its record would outlive the resource.
	if err := e.recoverPendingCreate(ctx, j); err != nil {
		return err
	}
	for i := range j.Status.Jobs {
		run := &j.Status.Jobs[i]
		if run.RecordDeleted {
			continue
		}
		if err := e.deleteRecord(ctx, run); aliyun.IsConflict(err) {
			return managed.Wait(iotv1.ReasonJobRunning, e.pollInterval(run),
				"job %s is still running and the platform refuses to delete it (%s): waiting for it to finish", run.JobID, aliyun.ErrorCode(err))
		} else if err != nil {
			return err
		}
	}
	return nil
}

// refused keeps a job the platform refused refused: the spec cannot change,
// so asking again at every resync would only repeat the refusal. A new
// retry-failed value asks once more (the account or instance may have been
// fixed meanwhile).
func (e *External) refused(j *iotv1.DistributeJob) error {
	token := j.GetAnnotations()[iotv1.AnnotationRetryFailed]
	if token != "" && token != j.Status.RetryToken {
		j.Status.RetryToken, j.Status.Phase = token, iotv1.PhasePending
		return nil
	}
	message := "the platform refused the job"
	if synced := apimeta.FindStatusCondition(j.Status.Conditions, iotv1.ConditionSynced); synced != nil && synced.Message != "" {
		message = synced.Message
	}
	if strings.Contains(message, refusedHint) {
		return managed.Terminal(errors.New(message))
	}
	return managed.Terminal(fmt.Errorf("%s; %s", message, refusedHint))
}

// refusedHint says what to do about a job the platform refused.
const refusedHint = "the spec is immutable: create a new DistributeJob, or set the " + iotv1.AnnotationRetryFailed +
	" annotation to a new value to ask again"

// retryRequested reports a new retry-failed value to act on with something
// left to distribute.
func (e *External) retryRequested(j *iotv1.DistributeJob) bool {
	return unansweredRetry(j) != "" && somethingToRetry(j)
}

// unansweredRetry is a retry-failed value not acted on yet, once the latest
// job is finished and its results recorded; "" otherwise.
func unansweredRetry(j *iotv1.DistributeJob) string {
	token, run := j.GetAnnotations()[iotv1.AnnotationRetryFailed], j.LatestRun()
	if token == j.Status.RetryToken || run == nil || !run.Phase.Finished() || run.FinishedAt == nil {
		return ""
	}
	return token
}

// somethingToRetry: failed devices, or a product-only job that did not
// complete.
func somethingToRetry(j *iotv1.DistributeJob) bool {
	return j.Status.Failed > 0 || (j.ProductOnly() && j.LatestRun().Phase != iotv1.PhaseCompleted)
}

func (e *External) now() time.Time {
	if e.Clock != nil {
		return e.Clock.Now()
	}
	return time.Now()
}

func (e *External) pollMin() time.Duration { return cmp.Or(e.Timing.PollMin, DefaultTiming.PollMin) }

func (e *External) retry() time.Duration { return cmp.Or(e.Timing.Retry, DefaultTiming.Retry) }

func (e *External) createInFlight() time.Duration {
	return cmp.Or(e.Timing.CreateInFlight, DefaultCreateInFlight)
}
