package device

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// recordedEvent is one event the capturing recorder was given.
type recordedEvent struct {
	regarding       string
	kind, reason    string
	action, message string
}

// capturingRecorder keeps every event, with the object it regards.
type capturingRecorder struct {
	mu     sync.Mutex
	events []recordedEvent
}

var _ events.EventRecorder = (*capturingRecorder)(nil)

func (r *capturingRecorder) Eventf(regarding, _ runtime.Object, eventType, reason, action, note string, args ...any) {
	p := regarding.(*iotv1.Product)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recordedEvent{regarding: p.Namespace + "/" + p.Name, kind: eventType, reason: reason,
		action: action, message: fmt.Sprintf(note, args...)})
}

func (r *capturingRecorder) recorded() []recordedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedEvent(nil), r.events...)
}

func createdEventsProduct(namespace, name string) *iotv1.Product {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + name)}}
	p.Status.ProductKey = "a1Key" + name
	return p
}

func TestCreatedEventsGatherAProductsWindowIntoOneEvent(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	rec := &capturingRecorder{}
	c := NewCreatedEvents(rec, clock, 5*time.Second)
	street := createdEventsProduct("fleet", "street")
	for i := range 800 {
		c.Add(street, 4711, fmt.Sprintf("lamp-%03d", i))
	}
	for i := range 12 {
		c.Add(street, 4712, fmt.Sprintf("pole-%03d", i))
	}
	clock.Step(4 * time.Second)
	if got := rec.recorded(); len(got) != 0 {
		t.Fatalf("an event before the window ended: %+v", got)
	}
	clock.Step(time.Second)
	got := rec.recorded()
	if len(got) != 1 {
		t.Fatalf("want one event for the window, got %d: %+v", len(got), got)
	}
	e := got[0]
	if e.regarding != "fleet/street" || e.kind != "Normal" || e.reason != iotv1.EventDevicesCreated || e.action != "Create" {
		t.Errorf("event %+v: want a Normal %s regarding fleet/street", e, iotv1.EventDevicesCreated)
	}
	want := "Created 812 devices of product a1Keystreet by batch registration (ApplyId 4711, 4712): " +
		"lamp-000, lamp-001, lamp-002, lamp-003, lamp-004 and 807 more"
	if e.message != want {
		t.Errorf("message\n got %q\nwant %q", e.message, want)
	}
}

func TestCreatedEventsStartANewWindowAfterAFlush(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	rec := &capturingRecorder{}
	c := NewCreatedEvents(rec, clock, 5*time.Second)
	p := createdEventsProduct("fleet", "street")
	c.Add(p, 1, "lamp-1")
	clock.Step(5 * time.Second)
	c.Add(p, 2, "lamp-2")
	c.Add(p, 2, "lamp-3")
	clock.Step(5 * time.Second)
	got := rec.recorded()
	if len(got) != 2 {
		t.Fatalf("want an event per window, got %+v", got)
	}
	if got[0].message != "Created 1 device of product a1Keystreet by batch registration (ApplyId 1): lamp-1" {
		t.Errorf("first window: %q", got[0].message)
	}
	if got[1].message != "Created 2 devices of product a1Keystreet by batch registration (ApplyId 2): lamp-2, lamp-3" {
		t.Errorf("second window: %q", got[1].message)
	}
}

func TestCreatedEventsKeepProductsApart(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	rec := &capturingRecorder{}
	c := NewCreatedEvents(rec, clock, time.Second)
	// The same Product name in two namespaces is two Products.
	c.Add(createdEventsProduct("team-a", "street"), 7, "a-1")
	c.Add(createdEventsProduct("team-b", "street"), 7, "b-1")
	c.Add(createdEventsProduct("team-a", "park"), 8, "a-2")
	clock.Step(time.Second)
	got := map[string]string{}
	for _, e := range rec.recorded() {
		got[e.regarding] = e.message
	}
	if len(got) != 3 {
		t.Fatalf("want one event per Product, got %v", got)
	}
	for product, device := range map[string]string{"team-a/street": "a-1", "team-b/street": "b-1", "team-a/park": "a-2"} {
		if !strings.HasSuffix(got[product], ": "+device) {
			t.Errorf("%s: %q does not name only %s", product, got[product], device)
		}
	}
}

func TestCreateReportsABatchRegistrationOnTheProduct(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		device   func() *iotv1.Device
		reported bool
	}{
		{"a Device naming its Product", newDevice, true},
		{"a Device naming a productKey records its own event", func() *iotv1.Device {
			d := newDevice()
			d.Spec.ProductRef, d.Spec.ProductKey = nil, "a1Lamp"
			return d
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := clocktesting.NewFakeClock(time.Now())
			rec := &capturingRecorder{}
			e := external(t, newFakeAPI(t), lampProduct(true))
			e.Fleet.CreatedEvents = NewCreatedEvents(rec, clock, time.Second)
			if err := e.Create(ctx, tc.device()); err != nil {
				t.Fatal(err)
			}
			if e.CreationReported() != tc.reported {
				t.Errorf("CreationReported %v, want %v", e.CreationReported(), tc.reported)
			}
			clock.Step(time.Second)
			got := rec.recorded()
			if !tc.reported {
				if len(got) != 0 {
					t.Errorf("events %+v on the Product for a Device that records its own", got)
				}
				return
			}
			if len(got) != 1 || got[0].regarding != "default/lamp" ||
				got[0].message != "Created 1 device of product a1Lamp by batch registration (ApplyId 7): lamp-1" {
				t.Errorf("events %+v, want one on default/lamp naming lamp-1", got)
			}
		})
	}
}
