package managed

import (
	"errors"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// codeClassifier stands in for the client's table: errors carry their class
// in their text.
type codeClassifier struct{}

func (codeClassifier) IsTerminal(err error) bool  { return err.Error() == "terminal" }
func (codeClassifier) IsThrottled(err error) bool { return err.Error() == "throttled" }
func (codeClassifier) IsConflict(err error) bool  { return err.Error() == "conflict" }

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want outcome
	}{
		{"a wait, even wrapped", fmt.Errorf("connect: %w", Wait("ProductNotReady", 5*time.Second, "waiting")), outcome{reason: "ProductNotReady", after: 5 * time.Second}},
		{"a terminal error of the kind", Terminal(errors.New("bad key")), outcome{reason: iotv1.ReasonInvalidSpec, terminal: true}},
		{"a terminal platform code", errors.New("terminal"), outcome{reason: iotv1.ReasonInvalidSpec, terminal: true}},
		{"throttling backs off", errors.New("throttled"), outcome{reason: iotv1.ReasonThrottled, backoff: true}},
		{"a conflict retries steadily", errors.New("conflict"), outcome{reason: iotv1.ReasonConflict, after: 30 * time.Second}},
		{"anything else backs off", errors.New("connection reset"), outcome{reason: iotv1.ReasonReconcileError, backoff: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err, codeClassifier{}, 30*time.Second); got != tc.want {
				t.Fatalf("classify(%v) = %+v, want %+v", tc.err, got, tc.want)
			}
		})
	}
}

func TestPollInterval(t *testing.T) {
	r := &Reconciler{ResyncPeriod: 10 * time.Minute}
	cases := []struct {
		annotation string
		base       time.Duration
	}{
		{"", 10 * time.Minute},
		{"30s", 30 * time.Second},
		{"not-a-duration", 10 * time.Minute},
		{"-5s", 10 * time.Minute},
		// The floor: a period shorter than MinPollInterval is clamped.
		{"1ms", MinPollInterval},
		{"29s", MinPollInterval},
		{"45s", 45 * time.Second},
	}
	for _, tc := range cases {
		obj := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{}}}
		if tc.annotation != "" {
			obj.Annotations[iotv1.AnnotationPollInterval] = tc.annotation
		}
		for range 50 {
			got := r.pollInterval(obj)
			if got < tc.base || got > tc.base+tc.base/10 {
				t.Fatalf("annotation %q: interval %v outside [%v, %v]", tc.annotation, got, tc.base, tc.base+tc.base/10)
			}
		}
	}
}
