package distribution

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

func TestPollIntervalGrowsWithTheJobsAgeWithinBounds(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	run := &iotv1.DistributeJobRun{CreatedAt: metav1.NewTime(start)}
	for _, tc := range []struct {
		age, want time.Duration
	}{
		{0, 2 * time.Second},                // PollMin
		{20 * time.Second, 5 * time.Second}, // a quarter of the age
		{2 * time.Minute, 30 * time.Second}, // a quarter of the age
		{30 * time.Minute, time.Minute},     // PollMax
	} {
		e := &External{Timing: DefaultTiming, Clock: clocktesting.NewFakePassiveClock(start.Add(tc.age))}
		if got := e.pollInterval(run); got != tc.want {
			t.Errorf("age %v: poll after %v, want %v", tc.age, got, tc.want)
		}
	}
}

func TestMergeKeepsEachDevicesLatestOutcomeFailuresFirstAndBounded(t *testing.T) {
	const total = maxResults + 10000
	j := &iotv1.DistributeJob{Status: iotv1.DistributeJobStatus{Total: total}}
	records := make([]deviceRecord, total)
	first := &iotv1.DistributeJobRun{JobID: "job-1"}
	var results []iotv1.DeviceDistributeResult
	for i := range total {
		records[i].DeviceName = fmt.Sprintf("dev-%05d", i)
		code := "200"
		if i%50 == 0 {
			code = "404"
		}
		results = append(results, iotv1.DeviceDistributeResult{DeviceName: records[i].DeviceName, Code: code, JobID: "job-1"})
	}
	const failed = (total + 49) / 50
	merge(j, first, records, results)
	if first.Succeeded != total-failed || first.Failed != failed || j.Status.Failed != failed || j.Status.Succeeded != total-failed {
		t.Fatalf("counts: run %d/%d, status %d/%d", first.Succeeded, first.Failed, j.Status.Succeeded, j.Status.Failed)
	}
	if len(j.Status.Results) != maxResults || j.Status.ResultsOmitted != total-maxResults {
		t.Fatalf("results = %d, omitted = %d; want %d and %d", len(j.Status.Results), j.Status.ResultsOmitted, maxResults, total-maxResults)
	}
	for i, r := range j.Status.Results {
		if r.Code != "404" || r.DeviceName != fmt.Sprintf("dev-%05d", i*50) {
			t.Fatalf("results[%d] = %+v: failures come first, in DeviceName order", i, r)
		}
	}
	if len(j.Status.FailedDevices) != maxFailedDevices || j.Status.FailedDevices[0] != "dev-00000" {
		t.Fatalf("failedDevices = %d %v…: the first %d", len(j.Status.FailedDevices), j.Status.FailedDevices[:3], maxFailedDevices)
	}
	if got := failedNames(records); len(got) != failed {
		t.Fatalf("the ledger names %d failed devices, want all %d", len(got), failed)
	}

	retry := &iotv1.DistributeJobRun{JobID: "job-2", RetryToken: "1"}
	var again []iotv1.DeviceDistributeResult
	names := runDevices(records, retry)
	if len(names) != failed {
		t.Fatalf("the retry distributes %d devices, want the %d failed", len(names), failed)
	}
	for _, n := range names {
		again = append(again, iotv1.DeviceDistributeResult{DeviceName: n, Code: "200", JobID: "job-2"})
	}
	merge(j, retry, records, again)
	check := func(when string) {
		t.Helper()
		if j.Status.Failed != 0 || len(j.Status.FailedDevices) != 0 || j.Status.Succeeded != total || retry.Succeeded != failed {
			t.Fatalf("%s: failed %d %v, succeeded %d (retry %d)", when, j.Status.Failed, j.Status.FailedDevices, j.Status.Succeeded, retry.Succeeded)
		}
	}
	check("after the retry")
	if r := records[100]; r.JobID != "job-2" || r.Code != "200" {
		t.Fatalf("dev-00100's latest outcome is job-2's, got %+v", r)
	}

	// The status update after the merge was lost: the next reconcile
	// merges the retry's outcomes again into the saved ledger.
	if names := runDevices(records, retry); len(names) != failed {
		t.Fatalf("merged again, the retry's devices are still its own %d, got %d", failed, len(names))
	}
	merge(j, retry, records, again)
	check("merged twice")
}

func TestResolveDevices(t *testing.T) {
	device := func(name, deviceName string, labels map[string]string) iotv1.Device {
		d := iotv1.Device{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
		d.Spec.DeviceName = deviceName
		return d
	}
	cluster := []iotv1.Device{
		device("light-1", "", map[string]string{"district": "harbour"}),
		device("light-2", "LIGHT_2", map[string]string{"district": "harbour"}),
		device("light-3", "", map[string]string{"district": "old-town"}),
	}
	j := &iotv1.DistributeJob{Spec: iotv1.DistributeJobSpec{
		Devices:        []string{"light-3", "light-1"},
		DeviceNames:    []string{"outside-1"},
		DeviceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"district": "harbour"}},
	}}
	got, err := resolveDevices(j, cluster, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := []iotv1.ResolvedDevice{
		{DeviceName: "LIGHT_2", Resource: "light-2", Managed: true},
		{DeviceName: "light-1", Managed: true},
		{DeviceName: "light-3", Managed: true},
		{DeviceName: "outside-1"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("resolved %+v, want %+v (union, deduplicated, sorted by DeviceName)", got, want)
	}
	if got[0].ResourceName() != "light-2" || got[1].ResourceName() != "light-1" || got[3].ResourceName() != "" {
		t.Fatalf("resource names: %q %q %q", got[0].ResourceName(), got[1].ResourceName(), got[3].ResourceName())
	}

	j.Spec.Devices = append(j.Spec.Devices, "not-created-yet")
	if _, err := resolveDevices(j, cluster, time.Second); !isWait(err, iotv1.ReasonDevicesNotReady) {
		t.Fatalf("a named Device that does not exist must wait, not record a partial set: %v", err)
	}
	j.Spec.Devices, j.Spec.DeviceNames = nil, nil
	j.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"district": "nowhere"}}
	if _, err := resolveDevices(j, cluster, time.Second); !isWait(err, iotv1.ReasonNoDevicesSelected) {
		t.Fatalf("a selector that selects nothing yet must wait: %v", err)
	}
}

func isWait(err error, reason string) bool {
	w, ok := err.(*managed.WaitError)
	return ok && w.Reason == reason
}
