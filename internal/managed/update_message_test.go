package managed

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

func TestUpdateMessageCallsOnlyAChangeBehindKiotsBackDrift(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		generation, observed int64
		want, mustNotSayBack string
	}{
		{"a resource never reconciled to a verdict (adopted, or a creation left unfinished)", 1, 0, "Brought the cloud resource to the spec: properties differed", "back to the spec"},
		{"a spec changed since the last verdict", 3, 2, "Applied the changed spec: properties differed", "back to the spec"},
		{"a resource that matched this spec", 2, 2, "Brought the cloud resource back to the spec: properties differed", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation}}
			p.Status.ObservedGeneration = tc.observed
			got := updateMessage(p, []string{"properties"})
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("message %q, want it to start %q", got, tc.want)
			}
			if tc.mustNotSayBack != "" && strings.Contains(got, tc.mustNotSayBack) {
				t.Errorf("message %q says %q: that is drift", got, tc.mustNotSayBack)
			}
		})
	}
}
