package ownership

import (
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// tagValue is what both product and group tag values allow.
var tagValue = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func product(namespace, name string) *iotv1.Product {
	return &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
}

func TestMarkIsAValidTagValueNamingTheOwner(t *testing.T) {
	mark := Mark("c-1", product("team-a", "lamp.v2"))
	if mark != "c-1_team-a_lamp_v2" || !tagValue.MatchString(mark) {
		t.Errorf("mark %q", mark)
	}
	if got := Describe(mark); got != "team-a/lamp.v2 in cluster c-1" {
		t.Errorf("described as %q", got)
	}
}

func TestLongMarksStayDistinctAndValid(t *testing.T) {
	long := strings.Repeat("x", 200)
	a, b := Mark("c-1", product("team-a", long+"a")), Mark("c-1", product("team-a", long+"b"))
	if a == b || !tagValue.MatchString(a) || !tagValue.MatchString(b) {
		t.Errorf("marks %q and %q", a, b)
	}
}

func TestValidateClusterID(t *testing.T) {
	for id, ok := range map[string]bool{"3f2a-uid": true, "": false, "a_b": false, "a.b": false} {
		if err := ValidateClusterID(id); (err == nil) != ok {
			t.Errorf("%q: error %v", id, err)
		}
	}
}
