package group

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

const ns = "default"

func newGroup() *iotv1.DeviceGroup {
	return &iotv1.DeviceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "poles"},
		Spec: iotv1.DeviceGroupSpec{GroupName: "Poles",
			DeviceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kind": "pole"}}},
	}
}

// pole is a Device the group's selector matches, Ready or not.
func pole(name string, ready bool) *iotv1.Device {
	d := &iotv1.Device{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"kind": "pole"}}}
	if ready {
		d.Status.ProductKey, d.Status.DeviceName = "a1Pole", name
		d.Status.Conditions = []metav1.Condition{{Type: iotv1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Test", LastTransitionTime: metav1.Now()}}
	}
	return d
}

func member(name string) iot.GroupDevice {
	return iot.GroupDevice{ProductKey: "a1Pole", DeviceName: name}
}

func external(t *testing.T, api *fakeAPI, objs ...client.Object) (*External, client.Client) {
	// The poles' product is a Product of the group's namespace.
	poles := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pole"}, Status: iotv1.ProductStatus{ProductKey: "a1Pole"}}
	c := kube(t, append(objs, poles)...).(client.Client)
	return &External{API: api, Kube: c, ClusterID: "test"}, c
}

func memberNames(g *fakeGroup) []string {
	var names []string
	for m := range g.members {
		names = append(names, m.DeviceName)
	}
	slices.Sort(names)
	return names
}

func TestObserveReadiness(t *testing.T) {
	many := func() []client.Object {
		objs := []client.Object{pole("ready", true)}
		for i := range 12 {
			objs = append(objs, pole(fmt.Sprintf("p%02d", i), false))
		}
		return objs
	}
	cases := []struct {
		name    string
		named   []string
		objs    []client.Object
		message string // "" for Ready left to the engine
		pending int32
	}{
		{"every selected Device Ready", nil, []client.Object{pole("a", true), pole("b", true)}, "", 0},
		{"some not Ready", nil, []client.Object{pole("a", true), pole("c", false), pole("b", false)},
			"2 of 3 selected Devices are not Ready yet: b, c", 2},
		{"a named Device that does not exist", []string{"ghost"}, []client.Object{pole("a", true)},
			"1 of 2 selected Devices are not Ready yet: ghost", 1},
		{"many not Ready", nil, many(),
			"12 of 13 selected Devices are not Ready yet: p00, p01, p02, p03, p04, p05, p06, p07, p08, p09 and 2 more", 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			cloud := api.add("g1", "Poles", "")
			for _, o := range tc.objs {
				if d := o.(*iotv1.Device); d.Status.DeviceName != "" {
					cloud.members[member(d.Name)] = true
				}
			}
			g := newGroup()
			g.Status.GroupID = "g1"
			g.Spec.Devices = tc.named
			e, _ := external(t, api, tc.objs...)
			obs, err := e.Observe(context.Background(), g)
			if err != nil {
				t.Fatal(err)
			}
			if !obs.Exists || !obs.UpToDate {
				t.Fatalf("observation %+v, want an existing group with its Ready Devices", obs)
			}
			switch {
			case tc.message == "" && obs.Readiness != nil:
				t.Errorf("readiness %+v, want Ready left to the engine", obs.Readiness)
			case tc.message != "" && (obs.Readiness == nil || obs.Readiness.Ready || obs.Readiness.Reason != iotv1.ReasonDevicesPending ||
				obs.Readiness.Message != tc.message || obs.Readiness.RecheckAfter <= 0):
				t.Errorf("readiness %+v, want not Ready, %s: %q, with a recheck", obs.Readiness, iotv1.ReasonDevicesPending, tc.message)
			}
			if g.Status.PendingDevices != tc.pending {
				t.Errorf("pendingDevices %d, want %d", g.Status.PendingDevices, tc.pending)
			}
		})
	}
}

func TestObserveDrift(t *testing.T) {
	cases := []struct {
		name   string
		spec   func(*iotv1.DeviceGroup)
		cloud  func(*fakeGroup)
		fields []string
	}{
		{"none", func(*iotv1.DeviceGroup) {}, func(*fakeGroup) {}, nil},
		{"an empty description is not managed", func(*iotv1.DeviceGroup) {}, func(g *fakeGroup) { g.info.GroupDesc = "theirs" }, nil},
		{"description", func(g *iotv1.DeviceGroup) { g.Spec.Description = "ours" }, func(*fakeGroup) {}, []string{"description"}},
		{"a tag added", func(g *iotv1.DeviceGroup) { g.Spec.Tags = map[string]iotv1.GroupTagValue{"site": "x"} }, func(*fakeGroup) {}, []string{"tags"}},
		{"a tag removed", func(*iotv1.DeviceGroup) {}, func(g *fakeGroup) { g.tags["site"] = "x" }, []string{"tags"}},
		{"a member to add", func(*iotv1.DeviceGroup) {}, func(g *fakeGroup) { delete(g.members, member("a")) }, []string{"1 device(s) to add"}},
		{"a member to remove", func(*iotv1.DeviceGroup) {}, func(g *fakeGroup) { g.members[member("stranger")] = true }, []string{"1 device(s) to remove"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			tc.cloud(api.add("g1", "Poles", "", member("a")))
			g := newGroup()
			g.Status.GroupID = "g1"
			tc.spec(g)
			e, _ := external(t, api, pole("a", true))
			obs, err := e.Observe(context.Background(), g)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(obs.Drift, tc.fields) || obs.UpToDate != (len(tc.fields) == 0) {
				t.Errorf("drift %v (up to date %v), want %v", obs.Drift, obs.UpToDate, tc.fields)
			}
		})
	}
}

func TestObserveErrors(t *testing.T) {
	t.Run("a missing spec.groupId is terminal", func(t *testing.T) {
		g := newGroup()
		g.Spec.GroupID = "g-missing"
		e, _ := external(t, newFakeAPI(t))
		_, err := e.Observe(context.Background(), g)
		var terminal *managed.TerminalError
		if !errors.As(err, &terminal) {
			t.Errorf("error %v, want a TerminalError", err)
		}
	})
	t.Run("a group gone behind Kiot's back is forgotten", func(t *testing.T) {
		g := newGroup()
		g.Status.GroupID = "g-gone"
		e, _ := external(t, newFakeAPI(t))
		obs, err := e.Observe(context.Background(), g)
		if err != nil || obs.Exists || g.Status.GroupID != "" {
			t.Errorf("exists %v, status id %q, error %v; want it forgotten", obs.Exists, g.Status.GroupID, err)
		}
	})
	t.Run("a parent without an id is waited for", func(t *testing.T) {
		g := newGroup()
		g.Spec.ParentRef = &iotv1.LocalReference{Name: "region"}
		parent := &iotv1.DeviceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "region"}}
		e, _ := external(t, newFakeAPI(t), parent)
		_, err := e.Observe(context.Background(), g)
		var wait *managed.WaitError
		if !errors.As(err, &wait) || wait.Reason != iotv1.ReasonParentNotReady {
			t.Errorf("error %v, want a wait with reason %s", err, iotv1.ReasonParentNotReady)
		}
	})
}

func TestUpdateBringsTheGroupToTheSpec(t *testing.T) {
	api := newFakeAPI(t)
	cloud := api.add("g1", "Poles", "", member("a"), member("stranger"))
	cloud.tags["drop"] = "x"
	g := newGroup()
	g.Status.GroupID = "g1"
	g.Spec.Description = "all poles"
	g.Spec.Tags = map[string]iotv1.GroupTagValue{"site": "harbour"}
	e, _ := external(t, api, pole("a", true), pole("b", true), pole("c", true))
	ctx := context.Background()
	obs, err := e.Observe(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Update(ctx, g, obs); err != nil {
		t.Fatal(err)
	}
	if cloud.info.GroupDesc != "all poles" || !maps.Equal(cloud.tags, map[string]string{"site": "harbour", iotv1.OwnerTagKey: "test_default_poles"}) {
		t.Errorf("group %+v with tags %v", cloud.info, cloud.tags)
	}
	if got, want := memberNames(cloud), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	if obs, err := e.Observe(ctx, g); err != nil || !obs.UpToDate || obs.Readiness != nil {
		t.Errorf("after the update: %+v, error %v", obs, err)
	}
}

// The engine observes again after an Update. A Device that turned Ready in
// between is news for the next reconcile, not a failed update.
func TestRecheckAfterUpdateComparesWithTheSelectionActedOn(t *testing.T) {
	api := newFakeAPI(t)
	cloud := api.add("g1", "Poles", "")
	g := newGroup()
	g.Status.GroupID = "g1"
	late := pole("b", false)
	e, kube := external(t, api, pole("a", true), late)
	ctx := context.Background()
	obs, err := e.Observe(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Update(ctx, g, obs); err != nil {
		t.Fatal(err)
	}

	ready := pole("b", true)
	late.Status = ready.Status
	if err := kube.Update(ctx, late); err != nil {
		t.Fatal(err)
	}
	after, err := e.Observe(ctx, g)
	if err != nil || !after.UpToDate {
		t.Errorf("the re-check in the same reconcile: drift %v, error %v; want up to date", after.Drift, err)
	}
	if after.Readiness == nil || after.Readiness.Ready {
		t.Errorf("the re-check reports %+v, want the acted-on selection's pending Device", after.Readiness)
	}

	next, _ := external(t, api, pole("a", true), pole("b", true))
	obs, err = next.Observe(ctx, g)
	if err != nil || obs.UpToDate || !slices.Equal(obs.Drift, []string{"1 device(s) to add"}) {
		t.Errorf("the next reconcile: drift %v, error %v; want b to add", obs.Drift, err)
	}
	if err := next.Update(ctx, g, obs); err != nil {
		t.Fatal(err)
	}
	if got := memberNames(cloud); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("members %v", got)
	}
}

func TestUpdateNamesDevicesAtTheGroupLimit(t *testing.T) {
	api := newFakeAPI(t)
	api.add("g1", "Poles", "")
	api.full[member("b")] = true
	g := newGroup()
	g.Status.GroupID = "g1"
	e, _ := external(t, api, pole("a", true), pole("b", true))
	ctx := context.Background()
	obs, err := e.Observe(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	err = e.Update(ctx, g, obs)
	var wait *managed.WaitError
	if !errors.As(err, &wait) || wait.Reason != iotv1.ReasonGroupLimitReached ||
		wait.Message != "1 device(s) are already in 10 groups, the platform's limit, and were not added: b" {
		t.Errorf("error %v, want a wait with reason %s naming b", err, iotv1.ReasonGroupLimitReached)
	}
}

func TestCreate(t *testing.T) {
	parent := &iotv1.DeviceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "region"}}
	parent.Status.GroupID = "g-region"
	child := func() *iotv1.DeviceGroup {
		g := newGroup()
		g.Spec.ParentRef = &iotv1.LocalReference{Name: "region"}
		g.Spec.Description = "poles of the region"
		return g
	}
	t.Run("under the parent's id, with the description", func(t *testing.T) {
		api := newFakeAPI(t)
		api.add("g-region", "Region", "")
		g := child()
		e, _ := external(t, api, parent)
		if err := e.Create(context.Background(), g); err != nil {
			t.Fatal(err)
		}
		made := api.groups[g.Status.GroupID]
		if made == nil || made.parent != "g-region" || made.info.GroupName != "Poles" || made.info.GroupDesc != "poles of the region" {
			t.Errorf("created %+v", made)
		}
	})
	t.Run("adopts a group of that name under the parent", func(t *testing.T) {
		api := newFakeAPI(t)
		api.add("g-region", "Region", "")
		api.add("g-poles", "Poles", "g-region")
		g := child()
		e, _ := external(t, api, parent)
		if err := e.Create(context.Background(), g); err != nil || g.Status.GroupID != "g-poles" {
			t.Errorf("status id %q, error %v; want g-poles adopted", g.Status.GroupID, err)
		}
	})
	t.Run("a name taken elsewhere is terminal", func(t *testing.T) {
		api := newFakeAPI(t)
		api.add("g-region", "Region", "")
		api.add("g-other", "Poles", "")
		e, _ := external(t, api, parent)
		err := e.Create(context.Background(), child())
		var terminal *managed.TerminalError
		if !errors.As(err, &terminal) {
			t.Errorf("error %v, want a TerminalError", err)
		}
	})
	t.Run("never under a chosen id", func(t *testing.T) {
		g := newGroup()
		g.Spec.GroupID = "g-chosen"
		api := newFakeAPI(t)
		e, _ := external(t, api)
		err := e.Create(context.Background(), g)
		var terminal *managed.TerminalError
		if !errors.As(err, &terminal) || len(api.calls) != 0 {
			t.Errorf("error %v after calls %v, want a TerminalError and no call", err, api.calls)
		}
	})
}

func TestDelete(t *testing.T) {
	parent := &iotv1.DeviceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "region"}}
	parent.Status.GroupID = "g-region"
	unnamedParent := &iotv1.DeviceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "region"}}
	childResource := &iotv1.DeviceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tall-poles"},
		Spec: iotv1.DeviceGroupSpec{GroupName: "Tall_poles", ParentRef: &iotv1.LocalReference{Name: "poles"}}}
	underRegion := func(g *iotv1.DeviceGroup) { g.Spec.ParentRef = &iotv1.LocalReference{Name: "region"} }
	cases := []struct {
		name   string
		mutate func(*iotv1.DeviceGroup)
		objs   []client.Object
		cloud  func(*fakeAPI)
		want   error
		reason string // of a WaitError
		left   bool   // g-poles is still on the platform
	}{
		{name: "by the id in status", mutate: func(g *iotv1.DeviceGroup) { g.Status.GroupID = "g-poles" }},
		{name: "by spec.groupId", mutate: func(g *iotv1.DeviceGroup) { g.Spec.GroupID = "g-poles" }},
		{name: "overtaken create, by name under the parent", mutate: underRegion, objs: []client.Object{parent},
			cloud: func(f *fakeAPI) { f.groups["g-poles"].parent = "g-region" }},
		{name: "a group of that name elsewhere is not Kiot's", cloud: func(f *fakeAPI) { f.groups["g-poles"].parent = "g-region" },
			want: managed.ErrAlreadyGone, left: true},
		{name: "a parent without an id: never created", mutate: underRegion, objs: []client.Object{unnamedParent},
			want: managed.ErrAlreadyGone, left: true},
		{name: "a parent resource gone: never created", mutate: underRegion, want: managed.ErrAlreadyGone, left: true},
		{name: "gone from the platform: already gone", mutate: func(g *iotv1.DeviceGroup) { g.Status.GroupID = "g-gone" },
			want: managed.ErrAlreadyGone, left: true},
		{name: "waits for DeviceGroup resources under it", mutate: func(g *iotv1.DeviceGroup) { g.Status.GroupID = "g-poles" },
			objs: []client.Object{childResource}, reason: iotv1.ReasonDependentsExist, left: true},
		{name: "waits for sub-groups made outside Kiot", mutate: func(g *iotv1.DeviceGroup) { g.Status.GroupID = "g-poles" },
			cloud: func(f *fakeAPI) { f.add("g-sub", "Sub", "g-poles") }, reason: iotv1.ReasonDependentsExist, left: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.add("g-region", "Region", "")
			api.add("g-poles", "Poles", "")
			if tc.cloud != nil {
				tc.cloud(api)
			}
			g := newGroup()
			if tc.mutate != nil {
				tc.mutate(g)
			}
			e, _ := external(t, api, tc.objs...)
			err := e.Delete(context.Background(), g)
			var wait *managed.WaitError
			switch {
			case tc.reason != "":
				if !errors.As(err, &wait) || wait.Reason != tc.reason {
					t.Errorf("error %v, want a wait with reason %s", err, tc.reason)
				}
			case !errors.Is(err, tc.want) || (tc.want == nil && err != nil):
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if _, left := api.groups["g-poles"]; left != tc.left {
				t.Errorf("g-poles left: %v, want %v", left, tc.left)
			}
		})
	}
}

func TestRetryDefaults(t *testing.T) {
	if got := (&External{}).retry(); got != DefaultRetry {
		t.Errorf("default %v", got)
	}
	if got := (&External{Retry: time.Second}).retry(); got != time.Second {
		t.Errorf("override %v", got)
	}
}

func TestObserveRefusesMembersOfAnotherNamespacesProduct(t *testing.T) {
	api := newFakeAPI(t)
	api.add("g1", "Poles", "")
	g := newGroup()
	g.Status.GroupID = "g1"
	stranger := pole("stranger", true)
	stranger.Status.ProductKey = "a1TeamB"
	e, _ := external(t, api, pole("a", true), stranger)
	_, err := e.Observe(context.Background(), g)
	var wait *managed.WaitError
	if !errors.As(err, &wait) || wait.Reason != iotv1.ReasonProductNotGranted {
		t.Errorf("error %v, want a wait with reason %s", err, iotv1.ReasonProductNotGranted)
	}
}
