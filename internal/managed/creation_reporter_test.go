package managed

import (
	"strings"
	"testing"

	"k8s.io/client-go/tools/events"

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
		ext := &reportingCreator{reported: reported, scripted: scripted{
			observe: func(obj Object) (Observation, error) {
				return Observation{Exists: obj.(*iotv1.Product).Status.ProductKey != "", UpToDate: true}, nil
			},
			create: func(obj Object) error { obj.(*iotv1.Product).Status.ProductKey = "a1Key"; return nil },
		}}
		recorder := events.NewFakeRecorder(10)
		if _, err, _, _ := reconcileProduct(t, ext, recorder, nil); err != nil {
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
