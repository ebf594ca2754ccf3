package ownership

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/kindtest"
	"github.com/kiot-dev/kiot/internal/managed"
)

func lampGroup(annotations map[string]string) *iotv1.DeviceGroup {
	return &iotv1.DeviceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "lamps", Annotations: annotations}}
}

// The ownership rule, case by case: a resource takes a cloud resource that
// carries its own mark; never another owner's; an unmarked one only when
// it named it (status or spec), asked to adopt it, or its own lost create
// made it. Anything else found by name is a collision, refused.
func TestClaimCheckTakesOnlyWhatIsTheResources(t *testing.T) {
	requested := metav1.NewTime(time.Unix(1_700_000_000, 0))
	mine := Mark("c1", lampGroup(nil))
	for _, tc := range []struct {
		name       string
		claim      func() Claim
		tags       map[string]string
		wantMark   bool
		wantReason string
	}{
		{"its own mark", func() Claim { return NewClaim("c1", lampGroup(nil), nil) },
			map[string]string{iotv1.OwnerTagKey: mine}, false, ""},
		{"another namespace's mark, even named in the spec", func() Claim {
			c := NewClaim("c1", lampGroup(nil), nil)
			c.Source = FromSpec
			return c
		}, map[string]string{iotv1.OwnerTagKey: "c1_team-b_lamps"}, false, iotv1.ReasonOwnedByAnother},
		{"another cluster's mark, even annotated to adopt", func() Claim {
			return NewClaim("c1", lampGroup(map[string]string{iotv1.AnnotationAdopt: "true"}), nil)
		}, map[string]string{iotv1.OwnerTagKey: "c2_team-a_lamps"}, false, iotv1.ReasonOwnedByAnother},
		{"unmarked, named in status", func() Claim {
			c := NewClaim("c1", lampGroup(nil), nil)
			c.Source = FromStatus
			return c
		}, nil, true, ""},
		{"unmarked, named in the spec", func() Claim {
			c := NewClaim("c1", lampGroup(nil), nil)
			c.Source = FromSpec
			return c
		}, map[string]string{"site": "harbour"}, true, ""},
		{"unmarked, found by name, annotated to adopt", func() Claim {
			c := NewClaim("c1", lampGroup(map[string]string{iotv1.AnnotationAdopt: "true"}), nil)
			c.Source = ByName
			return c
		}, nil, true, ""},
		{"unmarked, found by name, made after Kiot's lost create (within the clock skew)", func() Claim {
			c := NewClaim("c1", lampGroup(nil), &requested)
			c.Source, c.CreatedAt = ByName, requested.Add(-CreateSkew)
			return c
		}, nil, true, ""},
		{"unmarked, found by name, made before Kiot asked: a collision", func() Claim {
			c := NewClaim("c1", lampGroup(nil), &requested)
			c.Source, c.CreatedAt = ByName, requested.Add(-CreateSkew-time.Second)
			return c
		}, nil, false, iotv1.ReasonAdoptionRequired},
		{"unmarked, found by name, creation time unknown: a collision", func() Claim {
			c := NewClaim("c1", lampGroup(nil), &requested)
			c.Source = ByName
			return c
		}, nil, false, iotv1.ReasonAdoptionRequired},
		{"unmarked, found by name, never asked to create: a collision", func() Claim {
			c := NewClaim("c1", lampGroup(map[string]string{iotv1.AnnotationAdopt: "yes"}), nil)
			c.Source, c.CreatedAt = ByName, requested.Time
			return c
		}, nil, false, iotv1.ReasonAdoptionRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.claim()
			c.What = "group g1"
			mark, err := c.Check(tc.tags)
			if tc.wantReason == "" {
				if err != nil || mark != tc.wantMark {
					t.Errorf("Check = %v, %v; want taken, mark %v", mark, err, tc.wantMark)
				}
				return
			}
			var wait *managed.WaitError
			if !errors.As(err, &wait) || wait.Reason != tc.wantReason || wait.After != RefusedRetry || !Refused(err) || mark {
				t.Fatalf("Check = %v, %v; want a %s refusal", mark, err, tc.wantReason)
			}
			if !strings.Contains(err.Error(), "group g1") {
				t.Errorf("the refusal %q does not name the cloud resource", err)
			}
		})
	}
}

// A delete never removes what the resource may not take; a resource gone
// already is no error.
func TestClaimCheckDelete(t *testing.T) {
	c := NewClaim("c1", lampGroup(nil), nil)
	c.Source, c.What = FromStatus, "group g1"
	mine := []iot.Tag{{TagKey: iotv1.OwnerTagKey, TagValue: Mark("c1", lampGroup(nil))}}
	theirs := []iot.Tag{{TagKey: iotv1.OwnerTagKey, TagValue: "c1_team-b_lamps"}}
	if err := c.CheckDelete(mine, nil); err != nil {
		t.Errorf("own group: %v, want deletable", err)
	}
	if err := c.CheckDelete(theirs, nil); !errors.Is(err, managed.ErrNotOurs) || !strings.Contains(err.Error(), "team-b") {
		t.Errorf("another owner's group: %v, want ErrNotOurs naming the owner", err)
	}
	if err := c.CheckDelete(nil, kindtest.PlatformError(t, "iot.group.NotExistedGroup")); !errors.Is(err, managed.ErrAlreadyGone) {
		t.Errorf("a group gone: %v, want ErrAlreadyGone", err)
	}
	boom := errors.New("network down")
	if err := c.CheckDelete(nil, boom); !errors.Is(err, boom) {
		t.Errorf("a failed read: %v, want the error itself", err)
	}
}

func TestReservedRefusesTheOwnerTagInTheSpec(t *testing.T) {
	if err := Reserved([]string{"site", "floor"}); err != nil {
		t.Errorf("ordinary tags refused: %v", err)
	}
	var terminal *managed.TerminalError
	if err := Reserved([]string{"site", iotv1.OwnerTagKey}); !errors.As(err, &terminal) {
		t.Errorf("the owner tag in the spec: %v, want a terminal refusal", err)
	}
}

func TestTagsWithAndWithoutTheMark(t *testing.T) {
	g := lampGroup(nil)
	tags := WithMark(map[string]string{"site": "harbour"}, "c1", g)
	if tags[iotv1.OwnerTagKey] != Mark("c1", g) || tags["site"] != "harbour" {
		t.Errorf("WithMark = %v", tags)
	}
	without := WithoutMark([]iot.Tag{{TagKey: "site", TagValue: "harbour"}, {TagKey: iotv1.OwnerTagKey, TagValue: "x"}})
	if len(without) != 1 || without["site"] != "harbour" {
		t.Errorf("WithoutMark = %v, want the spec's tags only", without)
	}
}

func TestRecordIntentStampsOnlyBeforeACreate(t *testing.T) {
	var at *metav1.Time
	if write, err := RecordIntent(managed.Observation{Exists: true}, &at); write || err != nil || at != nil {
		t.Errorf("for an existing resource: %v, %v, %v; want nothing stamped", write, err, at)
	}
	if write, err := RecordIntent(managed.Observation{}, &at); !write || err != nil || at == nil {
		t.Errorf("before a create: %v, %v, %v; want the time stamped and status written", write, err, at)
	}
}
