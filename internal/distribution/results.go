package distribution

import (
	"context"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// Codes Kiot records for devices the platform's result file does not speak
// for. The platform's own codes are numbers (200 = distributed).
const (
	codeInterrupted = "Interrupted"
	codeJobLost     = "JobLost"
	codeNoResult    = "NoResult"
)

// maxResults bounds status.results: a job of 10,000 devices would
// otherwise take megabytes of the object. Failures come first; every
// failed device is also named in status.failedDevices.
const maxResults = 500

// recordResults records a finished job's per-device outcome: from the
// result file of a completed job (QueryDeviceDistributeDetail), or as
// failed for every device of an interrupted one.
func (e *External) recordResults(ctx context.Context, j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) error {
	names := e.runDevices(j, run)
	results := make([]iotv1.DeviceDistributeResult, 0, len(names))
	switch {
	case run.Phase == iotv1.PhaseInterrupted:
		for _, n := range names {
			results = append(results, iotv1.DeviceDistributeResult{DeviceName: n, Code: codeInterrupted, JobID: run.JobID,
				Message: "job " + run.JobID + " was interrupted by the platform (status 3)"})
		}
	case len(names) > 0:
		file, err := e.resultFile(ctx, run.JobID)
		if err != nil {
			return err
		}
		byDevice := make(map[string]iot.DistributeResult, len(file))
		for _, r := range file {
			byDevice[r.DeviceName] = r
		}
		for _, n := range names {
			r, ok := byDevice[n]
			if !ok {
				results = append(results, iotv1.DeviceDistributeResult{DeviceName: n, Code: codeNoResult, JobID: run.JobID,
					Message: "the job's result file has no entry for the device"})
				continue
			}
			results = append(results, iotv1.DeviceDistributeResult{DeviceName: n, Code: string(r.Code), Message: r.Message, JobID: run.JobID})
		}
	}
	e.merge(j, run, results)
	now := metav1.NewTime(e.now())
	run.FinishedAt = &now
	return nil
}

// resultFile fetches a job's results. The file's URL lives 10 minutes
// (003:L18–22); when fetching fails (an expired link), a second call asks
// for a fresh one.
func (e *External) resultFile(ctx context.Context, jobID string) ([]iot.DistributeResult, error) {
	results, err := e.API.DeviceDistributeResults(ctx, jobID)
	if err != nil && aliyun.IsRetryable(err) {
		results, err = e.API.DeviceDistributeResults(ctx, jobID)
	}
	return results, err
}

// runDevices are the devices a job was given: every device for the first,
// the devices still failed for a retry (its results are not merged yet).
func (e *External) runDevices(j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) []string {
	if run.RetryToken != "" {
		return slices.Clone(j.Status.FailedDevices)
	}
	return deviceNames(j)
}

// deviceNames are the DeviceNames of every device of the job.
func deviceNames(j *iotv1.DistributeJob) []string {
	names := make([]string, 0, len(j.Status.Devices))
	for _, d := range j.Status.Devices {
		names = append(names, d.DeviceName)
	}
	return names
}

// merge folds one job's outcomes into status: the counts, the devices left
// to distribute, and each device's latest result.
func (e *External) merge(j *iotv1.DistributeJob, run *iotv1.DistributeJobRun, results []iotv1.DeviceDistributeResult) {
	var failed []string
	latest := make(map[string]iotv1.DeviceDistributeResult, len(j.Status.Results)+len(results))
	for _, r := range j.Status.Results {
		latest[r.DeviceName] = r
	}
	for _, r := range results {
		latest[r.DeviceName] = r
		if distributed(r) {
			run.Succeeded++
		} else {
			failed = append(failed, r.DeviceName)
		}
	}
	run.Failed = int32(len(failed))
	j.Status.Succeeded += run.Succeeded
	slices.Sort(failed)
	j.Status.FailedDevices, j.Status.Failed = failed, run.Failed

	kept := make([]iotv1.DeviceDistributeResult, 0, len(latest))
	for _, r := range latest {
		kept = append(kept, r)
	}
	slices.SortFunc(kept, func(a, b iotv1.DeviceDistributeResult) int {
		if distributed(a) != distributed(b) {
			if distributed(b) {
				return -1
			}
			return 1
		}
		return strings.Compare(a.DeviceName, b.DeviceName)
	})
	if len(kept) > maxResults {
		kept = kept[:maxResults]
	}
	j.Status.Results = kept
	j.Status.ResultsOmitted = max(0, j.Status.Total-int32(len(kept)))
}

func distributed(r iotv1.DeviceDistributeResult) bool { return r.Code == "200" }

// verdict is the Ready condition of a resource whose latest job is
// finished.
func (e *External) verdict(j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) *managed.Readiness {
	retryHint := fmt.Sprintf("; set the %s annotation to a new value to retry them", iotv1.AnnotationRetryFailed)
	switch {
	case run.Phase == iotv1.PhaseFailed:
		return &managed.Readiness{Reason: iotv1.ReasonJobLost, Message: fmt.Sprintf(
			"the platform has no record of job %s, deleted outside Kiot before it finished%s", run.JobID, retryHint)}
	case run.Phase == iotv1.PhaseInterrupted && j.ProductOnly():
		return &managed.Readiness{Reason: iotv1.ReasonJobInterrupted, Message: fmt.Sprintf(
			"job %s was interrupted by the platform (status 3); set the %s annotation to a new value to start it again", run.JobID, iotv1.AnnotationRetryFailed)}
	case run.Phase == iotv1.PhaseInterrupted:
		return &managed.Readiness{Reason: iotv1.ReasonJobInterrupted, Message: fmt.Sprintf(
			"job %s was interrupted by the platform (status 3); %d device(s) not distributed: %s%s", run.JobID, j.Status.Failed, managed.ShortList(j.Status.FailedDevices), retryHint)}
	case j.Status.Failed > 0:
		return &managed.Readiness{Reason: iotv1.ReasonDevicesFailed, Message: fmt.Sprintf(
			"%d of %d device(s) were not distributed: %s%s", j.Status.Failed, j.Status.Total, e.describeFailures(j), retryHint)}
	case !run.Confirmed:
		return &managed.Readiness{Reason: iotv1.ReasonCheckingTargets,
			Message: fmt.Sprintf("checked where %d distributed Device(s) went with QueryDeviceProvisioning; checking the rest", run.Checked)}
	case len(j.Status.Mismatches) > 0:
		return &managed.Readiness{Reason: iotv1.ReasonTargetMismatch, Message: "QueryDeviceProvisioning places devices outside the targets: " + managed.ShortList(j.Status.Mismatches)}
	case j.ProductOnly():
		return &managed.Readiness{Ready: true, Reason: iotv1.ReasonDistributed, Message: "the product was distributed by job " + run.JobID}
	}
	return &managed.Readiness{Ready: true, Reason: iotv1.ReasonDistributed, Message: fmt.Sprintf("every device (%d) was distributed", j.Status.Total)}
}

// describeFailures names the first failed devices with the platform's code.
func (e *External) describeFailures(j *iotv1.DistributeJob) string {
	codes := make(map[string]string, len(j.Status.Results))
	for _, r := range j.Status.Results {
		codes[r.DeviceName] = r.Code
	}
	described := make([]string, 0, len(j.Status.FailedDevices))
	for _, n := range j.Status.FailedDevices {
		if c := codes[n]; c != "" {
			n += " (" + c + ")"
		}
		described = append(described, n)
	}
	return managed.ShortList(described)
}
