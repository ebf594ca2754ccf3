package device

import (
	"context"
	"fmt"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
)

// fleetExternal is an External over the shared f, as the controller builds
// one per reconcile.
func fleetExternal(t *testing.T, api *fakeAPI, f *Fleet) *External {
	e := external(t, api, lampProduct(true))
	e.Fleet = f
	return e
}

// sharedFleet is one manager's Fleet over api.
func sharedFleet(api *fakeAPI) *Fleet {
	return NewFleet(fleet.NewObserver(fleet.ObserverOptions{}), newFakeRegistrar(api), NewWaiters())
}

func countCalls(api *fakeAPI, actions ...string) int {
	n := 0
	for _, c := range api.calls {
		if slices.Contains(actions, c) {
			n++
		}
	}
	return n
}

func TestObserveFleetSweepCostsOneListingPerFiftyDevices(t *testing.T) {
	var cloud []iot.DeviceDetail
	for i := range 120 {
		cloud = append(cloud, iot.DeviceDetail{IotID: fmt.Sprintf("iot-%d", i), ProductKey: "a1Lamp",
			DeviceName: fmt.Sprintf("lamp-%03d", i), DeviceSecret: "s", Status: iot.DeviceStatusOnline})
	}
	api := newFakeAPI(t, cloud...)
	f := sharedFleet(api)
	for i := range 120 {
		d := newDevice()
		d.Name = fmt.Sprintf("lamp-%03d", i)
		obs, err := fleetExternal(t, api, f).Observe(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if !obs.Exists || !obs.UpToDate || d.Status.IotID != fmt.Sprintf("iot-%d", i) {
			t.Fatalf("%s: exists %v up to date %v IotId %q", d.Name, obs.Exists, obs.UpToDate, d.Status.IotID)
		}
	}
	if got := countCalls(api, "QueryDevice"); got != 3 {
		t.Errorf("%d QueryDevice calls for 120 devices, want 3 (50 a page)", got)
	}
	if got := len(api.calls) - countCalls(api, "QueryDevice"); got != 0 {
		t.Errorf("calls besides the listing: %v (no Device has properties)", api.calls)
	}
}

func TestObserveFleetReadsPropertiesOnlyWhenManaged(t *testing.T) {
	api := newFakeAPI(t, cloudLamp1())
	api.props["iot-1"] = map[string]string{"floor": "4"}
	f := sharedFleet(api)

	d := newDevice()
	if _, err := fleetExternal(t, api, f).Observe(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := countCalls(api, "QueryDeviceProp"); n != 0 {
		t.Errorf("%d QueryDeviceProp calls for a Device without properties, want 0", n)
	}

	d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"floor": "5"}
	obs, err := fleetExternal(t, api, f).Observe(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if n := countCalls(api, "QueryDeviceProp"); n != 1 {
		t.Errorf("%d QueryDeviceProp calls for a Device with properties, want 1", n)
	}
	if !slices.Contains(obs.Drift, "properties") || !d.Status.ManagedProperties {
		t.Errorf("drift %v, managedProperties %v; want properties drift, true", obs.Drift, d.Status.ManagedProperties)
	}

	// The spec drops its properties: Kiot still reads them to remove them,
	// then stops reading.
	d.Spec.Properties = nil
	e := fleetExternal(t, api, f)
	obs, err = e.Observe(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(obs.Drift, "properties") {
		t.Fatalf("drift %v, want the properties Kiot set to be removed", obs.Drift)
	}
	if err := e.Update(context.Background(), d, obs); err != nil {
		t.Fatal(err)
	}
	if _, err := fleetExternal(t, api, f).Observe(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if d.Status.ManagedProperties {
		t.Error("managedProperties still true once the properties are gone")
	}
	before := countCalls(api, "QueryDeviceProp")
	if _, err := fleetExternal(t, api, f).Observe(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := countCalls(api, "QueryDeviceProp") - before; n != 0 {
		t.Errorf("%d QueryDeviceProp calls after Kiot stopped managing properties, want 0", n)
	}
}

func TestObserveFleetSeesKiotsWritesAndReconcileRequests(t *testing.T) {
	api := newFakeAPI(t)
	f := sharedFleet(api)
	d := newDevice()
	d.UID = types.UID("uid-1")
	ctx := context.Background()

	obs, err := fleetExternal(t, api, f).Observe(ctx, d)
	if err != nil || obs.Exists {
		t.Fatalf("before registration: exists %v err %v", obs.Exists, err)
	}
	if err := fleetExternal(t, api, f).Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	reads := countCalls(api, "QueryDevice", "BatchQueryDeviceDetail")
	obs, err = fleetExternal(t, api, f).Observe(ctx, d)
	if err != nil || !obs.Exists || d.Status.IotID == "" || !obs.UpToDate {
		t.Fatalf("after registration: exists %v up to date %v IotId %q err %v; want the registered device", obs.Exists, obs.UpToDate, d.Status.IotID, err)
	}
	if n := countCalls(api, "QueryDevice", "BatchQueryDeviceDetail") - reads; n != 0 {
		t.Errorf("%d reads after a registration, want 0 (registration told the Observer)", n)
	}

	// Deleted behind Kiot's back: the snapshot still holds it until a
	// reconcile request asks for the platform as it is.
	delete(api.devices, d.Status.IotID)
	d.Annotations = map[string]string{iotv1.AnnotationReconcileRequestedAt: metav1.Now().String()}
	obs, err = fleetExternal(t, api, f).Observe(ctx, d)
	if err != nil || obs.Exists || d.Status.IotID != "" {
		t.Fatalf("after deletion behind Kiot's back: exists %v IotId %q err %v; want gone", obs.Exists, d.Status.IotID, err)
	}
	if err := fleetExternal(t, api, f).Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	obs, err = fleetExternal(t, api, f).Observe(ctx, d)
	if err != nil || !obs.Exists || d.Status.IotID == "" {
		t.Fatalf("registered again: exists %v IotId %q err %v", obs.Exists, d.Status.IotID, err)
	}

	// The same token does not make every reconcile read afresh.
	before := countCalls(api, "QueryDevice", "BatchQueryDeviceDetail")
	if _, err := fleetExternal(t, api, f).Observe(ctx, d); err != nil {
		t.Fatal(err)
	}
	if n := countCalls(api, "QueryDevice", "BatchQueryDeviceDetail") - before; n != 0 {
		t.Errorf("%d reads for a token already acted on, want 0", n)
	}
}
