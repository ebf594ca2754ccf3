package managed

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

func TestBoundMessageCutsOnACharacterAndSaysSo(t *testing.T) {
	if got := BoundMessage("short"); got != "short" {
		t.Errorf("a short message changed: %q", got)
	}
	exact := strings.Repeat("a", MaxMessageBytes)
	if got := BoundMessage(exact); got != exact {
		t.Error("a message of exactly the bound was cut")
	}
	// Three-byte characters: a naive cut would split one.
	long := strings.Repeat("设备", 1000)
	got := BoundMessage(long)
	if len(got) > MaxMessageBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, truncatedMark) {
		t.Errorf("cut to %d bytes, valid UTF-8 %v, marked %v", len(got), utf8.ValidString(got), strings.HasSuffix(got, truncatedMark))
	}
}

// The platform's text can be arbitrarily long: the conditions and the event
// that report it are bounded, and the same long failure is still announced
// only once.
func TestAnUnboundedPlatformMessageIsBoundedInConditionsAndEvents(t *testing.T) {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", Generation: 1}}
	platform := errors.New("iot.prod.Whatever: " + strings.Repeat("the platform explains at length ", 4000))
	ext := &scripted{observe: func(Object) (Observation, error) {
		return Observation{}, Wait(iotv1.ReasonConflict, resync, "%s", platform)
	}}
	r, c, recorder := engine(t, p, ext)
	got := run(t, r, c)
	for _, cond := range got.Status.Conditions {
		if len(cond.Message) > MaxMessageBytes {
			t.Errorf("%s message is %d bytes, over %d", cond.Type, len(cond.Message), MaxMessageBytes)
		}
	}
	if synced := condition(got, iotv1.ConditionSynced); !strings.HasPrefix(synced.Message, "iot.prod.Whatever") {
		t.Errorf("Synced = %+v, want the platform's text, cut", synced)
	}
	events := drain(recorder)
	if len(events) != 1 {
		t.Fatalf("want one event, got %d", len(events))
	}
	if len(events[0]) > MaxMessageBytes+100 {
		t.Errorf("event is %d bytes", len(events[0]))
	}
	run(t, r, c)
	if again := drain(recorder); len(again) != 0 {
		t.Errorf("the same failure was announced again: %d events", len(again))
	}
}
