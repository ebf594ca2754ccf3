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

// maxResults bounds status.results and maxFailedDevices
// status.failedDevices: a job of 10,000 devices would otherwise take
// megabytes of the object. The device ledger holds every outcome.
const (
	maxResults       = 100
	maxFailedDevices = 100
)

// MaxStatusDevices bounds status.devices, the first managed devices with
// the JobId that moved each (180 bytes each at the longest names): a
// sample for people. Devices learn their location from the ledger
// ConfigMaps (LedgerMoves), not from it. A variable so that tests can
// lower it before the manager starts.
var MaxStatusDevices = 1000

// recordResults records a finished job's per-device outcome: from the
// result file of a completed job (QueryDeviceDistributeDetail), or as
// failed for every device of an interrupted one. Outcomes go to the device
// ledger; status gets the counts and a sample.
func (e *External) recordResults(ctx context.Context, j *iotv1.DistributeJob, run *iotv1.DistributeJobRun) error {
	records, err := e.ledger(ctx, j)
	if err != nil {
		return err
	}
	names := runDevices(records, run)
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
	merge(j, run, records, results)
	if len(records) > 0 {
		if err := e.saveLedger(ctx, j, records); err != nil {
			return err
		}
	}
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

// runDevices are the devices a job was given: every device for the first;
// for a retry, the devices still failed, and those whose outcome is the
// retry's already (its results were merged, and status lost, before).
func runDevices(records []deviceRecord, run *iotv1.DistributeJobRun) []string {
	if run.RetryToken == "" {
		return deviceNames(records)
	}
	var names []string
	for _, r := range records {
		if r.failed() || r.JobID == run.JobID {
			names = append(names, r.DeviceName)
		}
	}
	return names
}

// deviceNames are the DeviceNames of every device of the job.
func deviceNames(records []deviceRecord) []string {
	names := make([]string, 0, len(records))
	for _, r := range records {
		names = append(names, r.DeviceName)
	}
	return names
}

// failedNames are the devices not distributed by their latest job: the
// devices a retry distributes.
func failedNames(records []deviceRecord) []string {
	var names []string
	for _, r := range records {
		if r.failed() {
			names = append(names, r.DeviceName)
		}
	}
	return names
}

// merge folds one job's outcomes into the ledger's records and status:
// the counts, a sample of the devices left to distribute, and a sample of
// the latest results, failures first. Every count is taken from the
// records, so merging the same outcomes twice changes nothing.
func merge(j *iotv1.DistributeJob, run *iotv1.DistributeJobRun, records []deviceRecord, results []iotv1.DeviceDistributeResult) {
	index := make(map[string]int, len(records))
	for i, r := range records {
		index[r.DeviceName] = i
	}
	run.Succeeded, run.Failed = 0, 0
	for _, r := range results {
		if distributed(r) {
			run.Succeeded++
		} else {
			run.Failed++
		}
		if i, ok := index[r.DeviceName]; ok {
			rec := &records[i]
			rec.Code, rec.Message, rec.JobID = clipJSON(r.Code, maxCodeBytes), clipJSON(r.Message, maxMessageBytes), r.JobID
		}
	}
	summarize(j, records)
}

// summarize writes the status a ledger's records give: counts, the first
// failed devices and the first results, failures first, each in
// DeviceName order.
func summarize(j *iotv1.DistributeJob, records []deviceRecord) {
	var failures, successes []iotv1.DeviceDistributeResult
	var failed []string
	var devices []iotv1.ResolvedDevice
	for _, r := range records {
		if r.Managed && r.Code != "" && len(devices) < MaxStatusDevices {
			d := r.ResolvedDevice
			if r.Code == codeDistributed {
				d.MovedBy = r.JobID
			}
			devices = append(devices, d)
		}
		switch {
		case r.failed():
			failed = append(failed, r.DeviceName)
			if len(failures) < maxResults {
				failures = append(failures, r.result())
			}
		case r.Code != "" && len(successes) < maxResults:
			successes = append(successes, r.result())
		}
	}
	succeeded := 0
	for _, r := range records {
		if r.Code == codeDistributed {
			succeeded++
		}
	}
	slices.Sort(failed)
	j.Status.Failed, j.Status.Succeeded = int32(len(failed)), int32(succeeded)
	j.Status.FailedDevices = failed[:min(len(failed), maxFailedDevices)]
	slices.SortFunc(failures, byDeviceName)
	slices.SortFunc(successes, byDeviceName)
	kept := append(failures, successes...)
	kept = kept[:min(len(kept), maxResults)]
	j.Status.Results = kept
	j.Status.Devices = devices
	j.Status.ResultsOmitted = max(0, j.Status.Total-int32(len(kept)))
}

func byDeviceName(a, b iotv1.DeviceDistributeResult) int {
	return strings.Compare(a.DeviceName, b.DeviceName)
}

func distributed(r iotv1.DeviceDistributeResult) bool { return r.Code == codeDistributed }

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
