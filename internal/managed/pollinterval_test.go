package managed

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// A poll-interval below the floor is clamped, and the clamp is reported in
// one Warning event per annotation value, not at every observation.
func TestAPollIntervalBelowTheFloorIsClampedAndReportedOnce(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1,
		Annotations: map[string]string{iotv1.AnnotationPollInterval: "1ms"}}}
	ext := &scripted{observe: func(Object) (Observation, error) { return Observation{Exists: true, UpToDate: true}, nil }}
	r, c, recorder := engine(t, p, ext)

	clampEvents := func() []string {
		var out []string
		for _, e := range drain(recorder) {
			if strings.HasPrefix(e, "Warning "+iotv1.EventPollIntervalClamped) {
				out = append(out, e)
			}
		}
		return out
	}
	run(t, r, c)
	if got := clampEvents(); len(got) != 1 || !strings.Contains(got[0], "1ms") || !strings.Contains(got[0], MinPollInterval.String()) {
		t.Fatalf("want one clamp event naming 1ms and the floor, got %q", got)
	}
	if period := r.pollInterval(p); period < MinPollInterval {
		t.Errorf("next observation in %v, below the floor %v", period, MinPollInterval)
	}
	run(t, r, c)
	if got := clampEvents(); len(got) != 0 {
		t.Errorf("the same clamp was reported again: %q", got)
	}

	current := &iotv1.Product{}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(p), current); err != nil {
		t.Fatal(err)
	}
	current.Annotations[iotv1.AnnotationPollInterval] = "10ms"
	if err := c.Update(t.Context(), current); err != nil {
		t.Fatal(err)
	}
	run(t, r, c)
	if got := clampEvents(); len(got) != 1 || !strings.Contains(got[0], "10ms") {
		t.Errorf("a new value below the floor must be reported: %q", got)
	}
}
