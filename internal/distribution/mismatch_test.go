package distribution

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
)

// misplacingAPI answers QueryDeviceProvisioning with a target the job did
// not name. The simulator always honours a job's targets, so this one
// disagreement needs a stand-in; nothing else of API is called.
type misplacingAPI struct {
	API
	queried []string
}

func (m *misplacingAPI) QueryDeviceProvisioning(_ context.Context, productKey, deviceName string) (*iot.DeviceProvisioning, error) {
	m.queried = append(m.queried, deviceName)
	return &iot.DeviceProvisioning{ProductKey: productKey, DeviceName: deviceName,
		TargetIotInstanceID: "iotx-oxssharez300", TargetRegion: "ap-northeast-1"}, nil
}

func TestATargetOutsideTheJobIsReportedAndTheDeviceLeftToItsController(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	dev := &iotv1.Device{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "light-1"}}
	kube := fake.NewClientBuilder().WithScheme(scheme).WithObjects(dev).WithStatusSubresource(&iotv1.Device{}).Build()
	api := &misplacingAPI{}
	e := &External{API: api, Kube: kube}
	j := &iotv1.DistributeJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "to-singapore"},
		Spec: iotv1.DistributeJobSpec{Targets: []iotv1.DistributeTarget{{Region: "ap-southeast-1"}}, ProductKey: "a1Key",
			Devices: []string{"light-1"}, DeviceNames: []string{"outside-1"}},
		Status: iotv1.DistributeJobStatus{ProductKey: "a1Key",
			Devices: []iotv1.ResolvedDevice{{DeviceName: "light-1", Managed: true}, {DeviceName: "outside-1"}},
			Jobs:    []iotv1.DistributeJobRun{{JobID: "job-1", Phase: iotv1.PhaseCompleted}}},
	}
	run := &j.Status.Jobs[0]
	if err := e.checkTargets(context.Background(), j, run); err != nil {
		t.Fatal(err)
	}
	if !run.Confirmed || run.Checked != 1 || strings.Join(api.queried, ",") != "light-1,outside-1" {
		t.Fatalf("confirmed %v, checked %d, queried %v: want the Device and the sample of the rest", run.Confirmed, run.Checked, api.queried)
	}
	if len(j.Status.Mismatches) != 2 || !strings.Contains(j.Status.Mismatches[0], "iotx-oxssharez300") {
		t.Fatalf("mismatches = %v", j.Status.Mismatches)
	}
	readiness := e.verdict(j, run)
	if readiness.Ready || readiness.Reason != iotv1.ReasonTargetMismatch {
		t.Fatalf("verdict = %+v, want not Ready with TargetMismatch", readiness)
	}
	if err := kube.Get(context.Background(), client.ObjectKeyFromObject(dev), dev); err != nil {
		t.Fatal(err)
	}
	if dev.Status.Location != nil {
		t.Fatalf("only the Device controller writes a Device's status; the DistributeJob wrote location %+v", dev.Status.Location)
	}
}
