package v1alpha1

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMovedByNamesTheJobThatMovedEachManagedDevice(t *testing.T) {
	first := metav1.NewTime(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	j := &DistributeJob{Status: DistributeJobStatus{
		Devices: []ResolvedDevice{{DeviceName: "light-1", Managed: true}, {DeviceName: "LIGHT_2", Resource: "light-2", Managed: true},
			{DeviceName: "light-3", Managed: true}, {DeviceName: "outside-1"}},
		Jobs: []DistributeJobRun{{JobID: "job-1", Phase: PhaseRunning}},
	}}
	if moved := j.MovedDevices(); len(moved) != 0 {
		t.Fatalf("a running job moved nothing yet: %v", moved)
	}
	j.Status.Jobs[0].Phase, j.Status.Jobs[0].FinishedAt = PhaseCompleted, &first
	j.Status.FailedDevices = []string{"light-3"}
	j.Status.Results = []DeviceDistributeResult{{DeviceName: "light-3", Code: "404", JobID: "job-1"}, {DeviceName: "light-1", Code: "200", JobID: "job-1"}}
	if moved := j.MovedDevices(); !slices.Equal(moved, []string{"light-1", "light-2"}) {
		t.Fatalf("moved %v: want the managed devices not failed, by resource name", moved)
	}

	retried := metav1.NewTime(first.Add(time.Minute))
	j.Status.Jobs = append(j.Status.Jobs, DistributeJobRun{JobID: "job-2", RetryToken: "1", Phase: PhaseCompleted, FinishedAt: &retried})
	j.Status.FailedDevices = nil
	j.Status.Results[0] = DeviceDistributeResult{DeviceName: "light-3", Code: "200", JobID: "job-2"}
	for name, want := range map[string]string{"light-1": "job-1", "light-2": "job-1", "light-3": "job-2"} {
		if id, _, ok := j.MovedBy(name); !ok || id != want {
			t.Errorf("%s moved by %q (%v), want %s", name, id, ok, want)
		}
	}
	if _, _, ok := j.MovedBy("outside-1"); ok {
		t.Error("a device Kiot does not manage has no Device resource to tell")
	}
}

func TestMovedByReadsTheJobThatMovedEachDeviceWithALedger(t *testing.T) {
	done := metav1.NewTime(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	j := &DistributeJob{Status: DistributeJobStatus{
		DeviceLedger: &DeviceLedger{ConfigMaps: []string{"job-devices-0"}, Devices: 3},
		Devices: []ResolvedDevice{{DeviceName: "light-1", Managed: true, MovedBy: "job-2"},
			{DeviceName: "LIGHT_2", Resource: "light-2", Managed: true}},
		Jobs: []DistributeJobRun{{JobID: "job-1", Phase: PhaseCompleted, FinishedAt: &done}, {JobID: "job-2", Phase: PhaseCompleted, FinishedAt: &done}},
	}}
	if id, _, ok := j.MovedBy("light-1"); !ok || id != "job-2" {
		t.Fatalf("light-1 moved by %q (%v), want job-2", id, ok)
	}
	if _, _, ok := j.MovedBy("light-2"); ok {
		t.Fatal("a device no job distributed was not moved")
	}
	if moved := j.MovedDevices(); !slices.Equal(moved, []string{"light-1"}) {
		t.Fatalf("moved %v", moved)
	}
}
