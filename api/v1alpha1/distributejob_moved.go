package v1alpha1

import "time"

// MovedBy says whether the job moved the Device resource name: a managed
// device of the job that is not failed, once a job that carried it has
// finished. It returns the platform's JobId of that job and when Kiot
// recorded its results. The Device learns its own location from it.
func (j *DistributeJob) MovedBy(name string) (jobID string, finished time.Time, ok bool) {
	i := -1
	for k, d := range j.Status.Devices {
		if d.Managed && d.ResourceName() == name {
			i = k
			break
		}
	}
	if i < 0 {
		return "", time.Time{}, false
	}
	if j.Status.DeviceLedger != nil {
		return j.CompletedRun(j.Status.Devices[i].MovedBy)
	}
	// As an earlier Kiot recorded it: every device, every failure.
	deviceName := j.Status.Devices[i].DeviceName
	for _, n := range j.Status.FailedDevices {
		if n == deviceName {
			return "", time.Time{}, false
		}
	}
	// Its latest result names the job that moved it; a success left out
	// of the bounded results was moved by the first job, which carried
	// every device.
	for _, r := range j.Status.Results {
		if r.DeviceName == deviceName && r.Code == "200" {
			jobID = r.JobID
		}
	}
	for _, run := range j.Status.Jobs {
		if run.FinishedAt == nil || run.Phase != PhaseCompleted {
			continue
		}
		if jobID == "" || run.JobID == jobID {
			return run.JobID, run.FinishedAt.Time, true
		}
	}
	return "", time.Time{}, false
}

// CompletedRun is the completed run of jobID, once its results are in:
// the device ledger's records name the JobId that moved each device, and
// the Device learns its location once that run is done.
func (j *DistributeJob) CompletedRun(jobID string) (string, time.Time, bool) {
	for _, run := range j.Status.Jobs {
		if jobID != "" && run.JobID == jobID && run.FinishedAt != nil && run.Phase == PhaseCompleted {
			return run.JobID, run.FinishedAt.Time, true
		}
	}
	return "", time.Time{}, false
}

// MovedDevices are the names of the Device resources the job moved.
func (j *DistributeJob) MovedDevices() []string {
	var names []string
	for _, d := range j.Status.Devices {
		if _, _, ok := j.MovedBy(d.ResourceName()); ok {
			names = append(names, d.ResourceName())
		}
	}
	return names
}
