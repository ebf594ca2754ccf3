package distribution

import (
	"context"
	"iter"
	"net/http/httptest"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
	"github.com/kiot-dev/kiot/internal/managed"
)

const singapore = "iotx-oxssharez400" // ap-southeast-1's public instance

// listingAPI lists the jobs it holds; nothing else of API is called.
type listingAPI struct {
	API
	jobs []iot.DistributeJob
}

func (l *listingAPI) AllDistributeJobs(context.Context, iot.DistributeJobListInput) iter.Seq2[iot.DistributeJob, error] {
	return func(yield func(iot.DistributeJob, error) bool) {
		for _, j := range l.jobs {
			if !yield(j, nil) {
				return
			}
		}
	}
}

func listedJob(id string, created time.Time) iot.DistributeJob {
	j := iot.DistributeJob{JobID: id, ProductKey: "a1Key", Total: 1, GmtCreate: iot.FlexInt(created.UnixMilli()), SourceInstanceID: "iotx-oxssharez200"}
	j.TargetInstanceConfigs.TargetInstanceConfigs = []iot.TargetInstance{{TargetInstanceID: singapore}}
	return j
}

func pendingJob(name string, started time.Time) *iotv1.DistributeJob {
	return &iotv1.DistributeJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
		Spec:       iotv1.DistributeJobSpec{Targets: []iotv1.DistributeTarget{{Region: "ap-southeast-1"}}, ProductKey: "a1Key"},
		Status: iotv1.DistributeJobStatus{ProductKey: "a1Key", SourceInstanceID: "iotx-oxssharez200",
			PendingCreate: &iotv1.PendingJobCreate{StartedAt: metav1.NewTime(started), Total: 1}},
	}
}

func kubeWith(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
}

func TestAJobNotListedIsSearchedForUntilTheCreateCannotBeInFlight(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := clocktesting.NewFakePassiveClock(start)
	api := &listingAPI{}
	e := &External{API: api, Kube: kubeWith(t), Clock: clock}
	j := pendingJob("to-singapore", start)

	for _, after := range []time.Duration{time.Second, DefaultCreateInFlight / 2, DefaultCreateInFlight - time.Millisecond} {
		clock.SetTime(start.Add(after))
		err := e.recoverPendingCreate(context.Background(), j)
		if !isWait(err, iotv1.ReasonCreateUnconfirmed) {
			t.Fatalf("%v after the create, a job not listed may still appear: want a CreateUnconfirmed wait, got %v", after, err)
		}
		if j.Status.PendingCreate == nil || len(j.Status.Jobs) != 0 {
			t.Fatalf("%v after the create: the intent must stay, got pending %v, jobs %v", after, j.Status.PendingCreate, j.Status.Jobs)
		}
	}

	clock.SetTime(start.Add(DefaultCreateInFlight))
	if err := e.recoverPendingCreate(context.Background(), j); err != nil {
		t.Fatalf("once the create cannot be in flight, a job not listed was not made: %v", err)
	}
	if j.Status.PendingCreate == nil {
		t.Fatal("the intent stays as the mark that the next create asks again")
	}

	api.jobs = []iot.DistributeJob{listedJob("job-late", start.Add(time.Second))}
	if err := e.recoverPendingCreate(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if j.Status.PendingCreate != nil || len(j.Status.Jobs) != 1 || j.Status.JobID != "job-late" {
		t.Fatalf("a listed job of the intent is recorded: pending %v, jobs %+v", j.Status.PendingCreate, j.Status.Jobs)
	}
}

func TestALostCreateDoesNotAdoptAnotherDistributeJobsJob(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	other := &iotv1.DistributeJob{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "twin"},
		Status: iotv1.DistributeJobStatus{Jobs: []iotv1.DistributeJobRun{{JobID: "job-twin"}}}}
	api := &listingAPI{jobs: []iot.DistributeJob{listedJob("job-twin", start.Add(time.Second))}}
	e := &External{API: api, Kube: kubeWith(t, other), Clock: clocktesting.NewFakePassiveClock(start.Add(2 * time.Second))}
	j := pendingJob("to-singapore", start)
	if err := e.recoverPendingCreate(context.Background(), j); !isWait(err, iotv1.ReasonCreateUnconfirmed) {
		t.Fatalf("the only listed job is claimed by another DistributeJob: want a CreateUnconfirmed wait, got %v", err)
	}
	if len(j.Status.Jobs) != 0 {
		t.Fatalf("adopted another resource's job: %+v", j.Status.Jobs)
	}
	api.jobs = append([]iot.DistributeJob{listedJob("job-mine", start.Add(time.Second))}, api.jobs...)
	if err := e.recoverPendingCreate(context.Background(), j); err != nil || j.Status.JobID != "job-mine" {
		t.Fatalf("the unclaimed job is ours: err %v, jobID %q", err, j.Status.JobID)
	}
}

// TestABusyAnswerToACreateThatAsksAgainKeepsTheIntent runs against the
// simulator: only the platform's own answer carries the busy code's class.
func TestABusyAnswerToACreateThatAsksAgainKeepsTheIntent(t *testing.T) {
	ctx := context.Background()
	sim, err := iotsim.New(iotsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := aliyun.NewClient(aliyun.Config{RegionID: "cn-shanghai", Endpoint: srv.URL, Quotas: aliyun.NewQuotaRegistry(),
		Credentials: aliyun.Credentials{AccessKeyID: iotsim.DefaultAccessKeyID, AccessKeySecret: iotsim.DefaultAccessKeySecret}})
	if err != nil {
		t.Fatal(err)
	}
	api := iot.New(client)
	product, err := api.CreateProduct(ctx, iot.CreateProductInput{ProductName: "busy_fleet", NodeType: iot.NodeTypeDevice})
	if err != nil {
		t.Fatal(err)
	}
	pk := product.ProductKey
	if _, err := api.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: pk, DeviceName: "busy-1"}); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(iotsim.Faults{HoldJobs: true})
	if _, err := api.CreateDeviceDistributeJob(ctx, iot.CreateDeviceDistributeJobInput{ProductKey: pk, DeviceNames: []string{"busy-1"},
		SourceInstanceID: "iotx-oxssharez200", Strategy: iot.StrategyRegion, TargetInstanceIDs: []string{singapore}, TargetUID: iotsim.DefaultUID}); err != nil {
		t.Fatal(err)
	}

	e := &External{API: api, Kube: kubeWith(t)}
	job := func(pending *iotv1.PendingJobCreate) *iotv1.DistributeJob {
		return &iotv1.DistributeJob{
			Spec: iotv1.DistributeJobSpec{Targets: []iotv1.DistributeTarget{{Region: "ap-southeast-1"}}, TargetUID: iotsim.DefaultUID,
				DeviceNames: []string{"busy-1"}},
			Status: iotv1.DistributeJobStatus{ProductKey: pk, SourceInstanceID: "iotx-oxssharez200", PendingCreate: pending,
				Devices: []iotv1.ResolvedDevice{{DeviceName: "busy-1"}}},
		}
	}

	create := func(j *iotv1.DistributeJob) error {
		if noted, err := e.RecordIntent(ctx, j, managed.Observation{}); err != nil || !noted {
			t.Fatalf("RecordIntent = %v, %v: a create notes its intent", noted, err)
		}
		return e.Create(ctx, j)
	}
	fresh := job(nil)
	if err := create(fresh); !isWait(err, iotv1.ReasonDeviceIsInAnotherTask) {
		t.Fatalf("a first create refused as busy waits for the other job: %v", err)
	}
	if fresh.Status.PendingCreate != nil {
		t.Fatal("a first create the platform refused made no job: its intent goes")
	}

	again := job(&iotv1.PendingJobCreate{StartedAt: metav1.NewTime(time.Now().Add(-time.Hour)), Total: 1})
	if err := create(again); !isWait(err, iotv1.ReasonCreateUnconfirmed) {
		t.Fatalf("a busy answer to a create that asks again is most likely our own job running: %v", err)
	}
	if again.Status.PendingCreate == nil || time.Since(again.Status.PendingCreate.StartedAt.Time) > time.Minute {
		t.Fatalf("the intent stays, its search window starting again: %+v", again.Status.PendingCreate)
	}
}
