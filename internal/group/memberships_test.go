package group

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

// reconcileOnce runs the engine's phases over a fresh External sharing
// memberships, as the controller builds one per reconcile.
func reconcileOnce(t *testing.T, api *fakeAPI, kube client.Client, memberships *Memberships, g *iotv1.DeviceGroup) managed.Observation {
	t.Helper()
	ctx := context.Background()
	e := &External{API: api, Kube: kube, ClusterID: "test", Memberships: memberships}
	obs, err := e.Observe(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.Exists {
		if err := e.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		if obs, err = e.Observe(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if !obs.UpToDate {
		if err := e.Update(ctx, g, obs); err != nil {
			t.Fatal(err)
		}
		if obs, err = e.Observe(ctx, g); err != nil || !obs.UpToDate {
			t.Fatalf("after the update: drift %v, error %v", obs.Drift, err)
		}
	}
	return obs
}

func listings(api *fakeAPI) int { return countCalls(api, "QueryDeviceListByDeviceGroup") }

func countCalls(api *fakeAPI, action string) int {
	n := 0
	for _, c := range api.calls {
		if c == action {
			n++
		}
	}
	return n
}

// A group's life: created while its three Devices register, then each
// Device turning Ready wakes it. The membership is what Kiot made it, and
// the group's info counts its members, so no step lists it; a change
// behind Kiot's back, a token or an old listing does.
func TestAGroupsMembershipIsListedOnlyWhenSomethingCanHaveChangedIt(t *testing.T) {
	api := newFakeAPI(t)
	g := newGroup()
	g.UID = types.UID("uid-poles")
	poles := []*iotv1.Device{pole("a", false), pole("b", false), pole("c", false)}
	_, kube := external(t, api, poles[0], poles[1], poles[2])
	clk := clocktesting.NewFakePassiveClock(time.Now())
	memberships := NewMemberships(5*time.Minute, clk)
	ctx := context.Background()

	reconcileOnce(t, api, kube, memberships, g)
	for _, d := range poles {
		ready := pole(d.Name, true)
		d.Status = ready.Status
		if err := kube.Update(ctx, d); err != nil {
			t.Fatal(err)
		}
		reconcileOnce(t, api, kube, memberships, g)
	}
	if got := memberNames(api.groups[g.Status.GroupID]); len(got) != 3 {
		t.Fatalf("members %v, want the three poles", got)
	}
	if n := listings(api); n != 0 {
		t.Errorf("%d membership listings in the group's life so far, want 0: Kiot made every change itself", n)
	}

	// Someone adds a device in the console: the count differs.
	cloud := api.groups[g.Status.GroupID]
	cloud.members[member("stranger")] = true
	reconcileOnce(t, api, kube, memberships, g)
	if n := listings(api); n != 1 {
		t.Errorf("%d listings after a device was added behind Kiot's back, want 1", n)
	}
	if _, in := cloud.members[member("stranger")]; in {
		t.Error("the stranger added in the console was not removed")
	}

	// One device swapped for another keeps the count: caught once the
	// listing is older than MaxAge, or at once on a reconcile request.
	delete(cloud.members, member("a"))
	cloud.members[member("stranger")] = true
	reconcileOnce(t, api, kube, memberships, g)
	if n := listings(api); n != 1 {
		t.Errorf("%d listings, want still 1 within MaxAge", n)
	}
	clk.SetTime(clk.Now().Add(5 * time.Minute))
	reconcileOnce(t, api, kube, memberships, g)
	if got, n := memberNames(cloud), listings(api); n != 2 || len(got) != 3 || got[0] != "a" {
		t.Errorf("after MaxAge: %d listings, members %v; want a second listing and the swap undone", n, got)
	}
	g.Annotations = map[string]string{iotv1.AnnotationReconcileRequestedAt: "now"}
	reconcileOnce(t, api, kube, memberships, g)
	if n := listings(api); n != 3 {
		t.Errorf("%d listings after a reconcile request, want 3", n)
	}
	g.Annotations[iotv1.AnnotationPollInterval] = "1m"
	clk.SetTime(clk.Now().Add(time.Minute))
	reconcileOnce(t, api, kube, memberships, g)
	if n := listings(api); n != 4 {
		t.Errorf("%d listings a minute later with a 1m poll interval, want 4", n)
	}

	// A write the platform does not confirm for every device forgets what
	// is remembered.
	api.full[member("d")] = true
	d := pole("d", true)
	if err := kube.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	e := &External{API: api, Kube: kube, ClusterID: "test", Memberships: memberships}
	obs, err := e.Observe(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Update(ctx, g, obs); err == nil {
		t.Fatal("a device in ten groups was added")
	}
	if _, ok := memberships.known(g, g.Status.GroupID, 3); ok {
		t.Error("the membership is still trusted after a refused add")
	}
}
