package product

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// theirs is the mark of another team's Product.
const theirs = "test_team-b_lamp"

func TestObserveClaimsOnlyWhatTheResourceMayTake(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		mutate func(*iotv1.Product)
		tags   map[string]string
		reason string // "" when the product is taken
	}{
		{"by name, marked by another owner", func(*iotv1.Product) {}, map[string]string{iotv1.OwnerTagKey: theirs}, iotv1.ReasonOwnedByAnother},
		{"by spec.productKey, marked by another owner", func(p *iotv1.Product) { p.Spec.ProductKey = "a1Lamp" },
			map[string]string{iotv1.OwnerTagKey: theirs}, iotv1.ReasonOwnedByAnother},
		{"by name, unmarked: a name collision", func(*iotv1.Product) {}, map[string]string{}, iotv1.ReasonAdoptionRequired},
		{"by name, unmarked, made before Kiot asked", func(p *iotv1.Product) {
			p.Status.CreateRequestedAt = &metav1.Time{Time: created.Add(time.Minute)}
		}, map[string]string{}, iotv1.ReasonAdoptionRequired},
		{"by name, unmarked, made after Kiot asked: its lost create", func(p *iotv1.Product) {
			p.Status.CreateRequestedAt = &metav1.Time{Time: created.Add(-time.Second)}
		}, map[string]string{}, ""},
		{"by name, unmarked, with the adopt annotation", func(p *iotv1.Product) {
			p.Annotations = map[string]string{iotv1.AnnotationAdopt: "true"}
		}, map[string]string{}, ""},
		{"by spec.productKey, unmarked", func(p *iotv1.Product) { p.Spec.ProductKey = "a1Lamp" }, map[string]string{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProduct("Lamp")
			tc.mutate(p)
			api := newFakeAPI(t, cloudLamp())
			api.products["a1Lamp"].GmtCreate = iot.FlexInt(created.UnixMilli())
			api.tags["a1Lamp"] = tc.tags
			e := external(t, api)
			obs, err := e.Observe(context.Background(), p)
			var wait *managed.WaitError
			if tc.reason != "" {
				if !errors.As(err, &wait) || wait.Reason != tc.reason {
					t.Fatalf("error %v, want a wait with reason %s", err, tc.reason)
				}
				if p.Status.ProductKey != "" || obs.Secret != nil || slices.Contains(api.calls, "QueryProduct") {
					t.Errorf("refused, yet status key %q, secret read %v, calls %v", p.Status.ProductKey, obs.Secret != nil, api.calls)
				}
				return
			}
			if err != nil || p.Status.ProductKey != "a1Lamp" || !slices.Contains(obs.Drift, "ownership mark") {
				t.Fatalf("error %v, key %q, drift %v: want it taken and to be marked", err, p.Status.ProductKey, obs.Drift)
			}
			if err := e.Update(context.Background(), p, obs); err != nil {
				t.Fatal(err)
			}
			if api.tags["a1Lamp"][iotv1.OwnerTagKey] != ourMark {
				t.Errorf("tags %v, want the mark %s", api.tags["a1Lamp"], ourMark)
			}
		})
	}
}

func TestCreateMarksWhatItMakes(t *testing.T) {
	p := newProduct("Lamp")
	api := newFakeAPI(t)
	if err := external(t, api).Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{iotv1.OwnerTagKey: ourMark}; !maps.Equal(api.tags[p.Status.ProductKey], want) {
		t.Errorf("tags %v, want %v", api.tags[p.Status.ProductKey], want)
	}
}

func TestTagSyncKeepsTheMark(t *testing.T) {
	p := newProduct("Lamp")
	p.Status.ProductKey = "a1Lamp"
	api := newFakeAPI(t, cloudLamp())
	api.tags["a1Lamp"]["site"] = "x"
	e := external(t, api)
	obs, err := e.Observe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(obs.Drift, []string{"tags"}) {
		t.Fatalf("drift %v, want tags only", obs.Drift)
	}
	if err := e.Update(context.Background(), p, obs); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{iotv1.OwnerTagKey: ourMark}; !maps.Equal(api.tags["a1Lamp"], want) {
		t.Errorf("tags %v, want %v", api.tags["a1Lamp"], want)
	}
}

func TestObserveRefusesTheReservedTagKey(t *testing.T) {
	p := newProduct("Lamp")
	p.Spec.Tags = map[string]iotv1.ProductTagValue{iotv1.OwnerTagKey: "mine"}
	_, err := external(t, newFakeAPI(t, cloudLamp())).Observe(context.Background(), p)
	var terminal *managed.TerminalError
	if !errors.As(err, &terminal) {
		t.Errorf("error %v, want a TerminalError", err)
	}
}

func TestDeleteLeavesAnotherOwnersProduct(t *testing.T) {
	for _, tags := range []map[string]string{{iotv1.OwnerTagKey: theirs}, {}} {
		api := newFakeAPI(t, cloudLamp())
		api.products["a1Lamp"].DeviceCount = 0
		api.tags["a1Lamp"] = tags
		err := external(t, api).Delete(context.Background(), newProduct("Lamp"))
		if !errors.Is(err, managed.ErrNotOurs) || len(api.products) != 1 {
			t.Errorf("tags %v: error %v with %d products left, want ErrNotOurs and the product kept", tags, err, len(api.products))
		}
	}
}
