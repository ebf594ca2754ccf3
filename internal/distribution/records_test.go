package distribution

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// deletingAPI records job deletions; any other call panics (the nil API).
type deletingAPI struct {
	API
	deleted []string
}

func (d *deletingAPI) DeleteDeviceDistributeJob(_ context.Context, jobID string) error {
	d.deleted = append(d.deleted, jobID)
	return nil
}

func TestObserveLeavesFinishedRecordsToUpdate(t *testing.T) {
	finished := metav1.NewTime(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	api := &deletingAPI{}
	e := &External{API: api, Kube: kubeWith(t)}
	j := &iotv1.DistributeJob{
		Spec: iotv1.DistributeJobSpec{ProductKey: "a1Key", DeleteFinishedJobs: true},
		Status: iotv1.DistributeJobStatus{Phase: iotv1.PhaseCompleted, Jobs: []iotv1.DistributeJobRun{
			{JobID: "job-1", Phase: iotv1.PhaseCompleted, FinishedAt: &finished, Confirmed: true}}},
	}
	obs, err := e.Observe(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if len(api.deleted) != 0 {
		t.Fatalf("Observe must not modify the cloud; it deleted %v", api.deleted)
	}
	if obs.UpToDate || len(obs.Drift) != 1 || !strings.Contains(obs.Drift[0], "finished job record") {
		t.Fatalf("observation = %+v: want the record to delete reported as drift", obs)
	}
	if err := e.Update(context.Background(), j, obs); err != nil {
		t.Fatal(err)
	}
	if strings.Join(api.deleted, ",") != "job-1" || !j.Status.Jobs[0].RecordDeleted {
		t.Fatalf("Update deletes the finished record: deleted %v, run %+v", api.deleted, j.Status.Jobs[0])
	}
	if obs, err := e.Observe(context.Background(), j); err != nil || !obs.UpToDate {
		t.Fatalf("after the deletion nothing differs: %+v, %v", obs, err)
	}
}
