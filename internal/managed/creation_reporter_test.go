package managed

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// reportingCreator is a scripted External that says whether it reported
// its creation itself.
type reportingCreator struct {
	scripted
	reported bool
}

func (r *reportingCreator) CreationReported() bool { return r.reported }

func TestACreationTheKindReportedRecordsNoCreatedEvent(t *testing.T) {
	for _, reported := range []bool{false, true} {
		scheme := runtime.NewScheme()
		if err := iotv1.AddToScheme(scheme); err != nil {
			t.Fatal(err)
		}
		p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}, Spec: iotv1.ProductSpec{ProductName: "Name_1"}}
		c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(p).WithStatusSubresource(&iotv1.Product{}).Build()
		ext := &reportingCreator{reported: reported, scripted: scripted{
			observe: func(obj Object) (Observation, error) {
				return Observation{Exists: obj.(*iotv1.Product).Status.ProductKey != "", UpToDate: true}, nil
			},
			create: func(obj Object) error { obj.(*iotv1.Product).Status.ProductKey = "a1Key"; return nil },
		}}
		recorder := events.NewFakeRecorder(10)
		r := &Reconciler{Client: c, Recorder: recorder, ResyncPeriod: resync,
			Kind: Kind{Name: "Product", New: func() Object { return &iotv1.Product{} }, Connector: connectorFunc(func() External { return ext })}}
		if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)}); err != nil {
			t.Fatal(err)
		}
		if ext.creates != 1 {
			t.Fatalf("creates = %d, want 1", ext.creates)
		}
		close(recorder.Events)
		var created int
		for e := range recorder.Events {
			if strings.HasPrefix(e, "Normal Created ") {
				created++
			}
		}
		if want := map[bool]int{false: 1, true: 0}[reported]; created != want {
			t.Errorf("CreationReported %v: %d Created events, want %d", reported, created, want)
		}
	}
}
