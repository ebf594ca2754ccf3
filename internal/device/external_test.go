package device

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

func newDevice() *iotv1.Device {
	return &iotv1.Device{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "lamp-1"},
		Spec:       iotv1.DeviceSpec{ProductRef: &iotv1.LocalReference{Name: "lamp"}},
	}
}

// lampProduct is the Product resource lamp-1 references, Ready unless
// ready is false.
func lampProduct(ready bool) *iotv1.Product {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "lamp"}}
	p.Status.ProductKey = "a1Lamp"
	status := metav1.ConditionFalse
	if ready {
		status = metav1.ConditionTrue
	}
	p.Status.Conditions = []metav1.Condition{{Type: iotv1.ConditionReady, Status: status, Reason: "Test", LastTransitionTime: metav1.Now()}}
	return p
}

// cloudLamp1 is lamp-1 as the platform holds it, matching newDevice().
func cloudLamp1() iot.DeviceDetail {
	return iot.DeviceDetail{IotID: "iot-1", ProductKey: "a1Lamp", DeviceName: "lamp-1", DeviceSecret: "lamp-1-secret", Status: iot.DeviceStatusOnline}
}

// external is the External under test, over api and a fake API server
// holding objs, with a Fleet of its own whose registrations finish at once
// on api.
func external(t *testing.T, api *fakeAPI, objs ...client.Object) *External {
	return &External{API: api, Region: "cn-shanghai", Kube: kube(t, objs...),
		Fleet: NewFleet(fleet.NewObserver(fleet.ObserverOptions{}), newFakeRegistrar(api), NewWaiters())}
}

// next is another reconcile's External sharing e's Fleet, as the
// controller builds one per reconcile over one Fleet.
func next(e *External) *External {
	return &External{API: e.API, Region: e.Region, IotInstanceID: e.IotInstanceID, Kube: e.Kube, Fleet: e.Fleet}
}

// registered sets what status holds once the device was registered.
func registered(d *iotv1.Device, iotID string) {
	d.Status.IotID, d.Status.ProductKey, d.Status.DeviceName = iotID, "a1Lamp", d.EffectiveDeviceName()
}

func TestObserveFindsTheDevice(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*iotv1.Device)
		product *iotv1.Product
		exists  bool
		iotID   string
	}{
		{"by the identifiers in status", func(d *iotv1.Device) { registered(d, "iot-1") }, nil, true, "iot-1"},
		{"by name in the referenced Product, adopting", func(*iotv1.Device) {}, lampProduct(true), true, "iot-1"},
		{"by name in spec.productKey", func(d *iotv1.Device) {
			d.Spec.ProductRef, d.Spec.ProductKey = nil, "a1Lamp"
		}, &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "holder"}, Status: iotv1.ProductStatus{ProductKey: "a1Lamp"}}, true, "iot-1"},
		{"by spec.deviceName", func(d *iotv1.Device) { d.Name, d.Spec.DeviceName = "other", "lamp-1" }, lampProduct(true), true, "iot-1"},
		{"nowhere when the name is free", func(d *iotv1.Device) { d.Name = "lamp-2" }, lampProduct(true), false, ""},
		{"gone behind Kiot's back: status forgotten", func(d *iotv1.Device) { d.Name = "lamp-gone"; registered(d, "iot-gone") }, nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDevice()
			tc.mutate(d)
			var objs []client.Object
			if tc.product != nil {
				objs = append(objs, tc.product)
			}
			obs, err := external(t, newFakeAPI(t, cloudLamp1()), objs...).Observe(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			if obs.Exists != tc.exists || d.Status.IotID != tc.iotID {
				t.Errorf("exists %v, IotId %q; want %v, %q", obs.Exists, d.Status.IotID, tc.exists, tc.iotID)
			}
		})
	}
}

func TestObserveWaitsForTheProduct(t *testing.T) {
	for name, objs := range map[string][]client.Object{
		"not Ready": {lampProduct(false)},
		"missing":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			api := newFakeAPI(t, cloudLamp1())
			_, err := external(t, api, objs...).Observe(context.Background(), newDevice())
			var wait *managed.WaitError
			if !errors.As(err, &wait) || wait.Reason != iotv1.ReasonProductNotReady {
				t.Errorf("error %v, want a wait with reason %s", err, iotv1.ReasonProductNotReady)
			}
			if len(api.calls) != 0 {
				t.Errorf("calls %v before the Product is Ready", api.calls)
			}
		})
	}
}

func TestObserveMapsThePlatformToStatusAndSecret(t *testing.T) {
	d := newDevice()
	registered(d, "iot-1")
	e := external(t, newFakeAPI(t, cloudLamp1()))
	e.IotInstanceID = "iot-cn-inst"
	obs, err := e.Observe(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.Exists || !obs.UpToDate {
		t.Errorf("observation %+v, want an existing, up-to-date device", obs)
	}
	if d.Status.ProductKey != "a1Lamp" || d.Status.DeviceName != "lamp-1" || d.Status.State != iot.DeviceStatusOnline || d.Status.SecretName != "lamp-1-device" {
		t.Errorf("status %+v", d.Status)
	}
	want := map[string][]byte{
		"productKey": []byte("a1Lamp"), "deviceName": []byte("lamp-1"), "deviceSecret": []byte("lamp-1-secret"),
		"iotId": []byte("iot-1"), "regionId": []byte("cn-shanghai"),
		"mqttHost": []byte("iot-cn-inst.mqtt.iothub.aliyuncs.com"), "iotInstanceId": []byte("iot-cn-inst"),
	}
	if !reflect.DeepEqual(obs.Secret, want) {
		t.Errorf("secret %q, want %q", obs.Secret, want)
	}
}

func TestObserveDrift(t *testing.T) {
	cases := []struct {
		name   string
		spec   func(*iotv1.Device)
		cloud  func(*fakeAPI)
		fields []string
	}{
		{"none", func(*iotv1.Device) {}, func(*fakeAPI) {}, nil},
		{"nickname", func(d *iotv1.Device) { d.Spec.Nickname = "hall_lamp" }, func(*fakeAPI) {}, []string{"nickname"}},
		{"disabled behind Kiot's back", func(*iotv1.Device) {}, func(f *fakeAPI) { f.devices["iot-1"].Status = iot.DeviceStatusDisable }, []string{"enabled"}},
		{"to disable", func(d *iotv1.Device) { d.Spec.Enabled = ptr.To(false) }, func(*fakeAPI) {}, []string{"enabled"}},
		{"a property added", func(d *iotv1.Device) { d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"floor": "3"} }, func(*fakeAPI) {}, []string{"properties"}},
		{"a property removed", func(*iotv1.Device) {}, func(f *fakeAPI) { f.props["iot-1"]["floor"] = "3" }, []string{"properties"}},
		{"a property changed", func(d *iotv1.Device) { d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"floor": "3"} },
			func(f *fakeAPI) { f.props["iot-1"]["floor"] = "4" }, []string{"properties"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDevice()
			registered(d, "iot-1")
			// Kiot set properties before: they are read even when the
			// spec has none left.
			d.Status.ManagedProperties = true
			tc.spec(d)
			api := newFakeAPI(t, cloudLamp1())
			tc.cloud(api)
			obs, err := external(t, api).Observe(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(obs.Drift, tc.fields) || obs.UpToDate != (len(tc.fields) == 0) {
				t.Errorf("drift %v (up to date %v), want %v", obs.Drift, obs.UpToDate, tc.fields)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	t.Run("registers under the referenced Product with the nickname, and the next observation costs no call", func(t *testing.T) {
		d := newDevice()
		d.Spec.Nickname = "hall_lamp"
		api := newFakeAPI(t)
		e := external(t, api, lampProduct(true))
		// As the engine does: an observation finds nothing, then Create.
		if obs, err := e.Observe(ctx, d); err != nil || obs.Exists {
			t.Fatalf("before registering: %+v, %v", obs, err)
		}
		if err := e.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		got := api.devices[d.Status.IotID]
		if got == nil || got.ProductKey != "a1Lamp" || got.DeviceName != "lamp-1" || got.Nickname != "hall_lamp" {
			t.Errorf("registered %+v", got)
		}
		if d.Status.ProductKey != "a1Lamp" || d.Status.DeviceName != "lamp-1" {
			t.Errorf("status %+v", d.Status)
		}
		calls := len(api.calls)
		obs, err := next(e).Observe(ctx, d)
		if err != nil || !obs.Exists || string(obs.Secret[SecretKeyDeviceSecret]) != "secret-"+d.Status.IotID {
			t.Errorf("observation after registering: %+v, %v", obs, err)
		}
		if len(api.calls) != calls {
			t.Errorf("observing a device just registered called %v", api.calls[calls:])
		}
		if reg := e.Fleet.Registrar.Peek(e.fleetKey(d, "a1Lamp"), "lamp-1"); reg.Phase != fleet.PhaseUnknown {
			t.Errorf("the Registrar still holds %+v after the Device stored it", reg)
		}
	})
	t.Run("a new device's disabled state and properties are part of its creation, written without a read", func(t *testing.T) {
		d := newDevice()
		d.Spec.Enabled = ptr.To(false)
		d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"site": "a", "floor": "3"}
		api := newFakeAPI(t)
		e := external(t, api, lampProduct(true))
		if _, err := e.Observe(ctx, d); err != nil {
			t.Fatal(err)
		}
		api.calls = nil // the product's listing, which found nothing
		if err := e.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		// As the engine does after Create: the same reconcile observes.
		obs, err := e.Observe(ctx, d)
		if err != nil || !obs.Exists || !obs.UpToDate {
			t.Fatalf("observation after creating: drift %v, error %v", obs.Drift, err)
		}
		if want := []string{"DisableThing", "SaveDeviceProp"}; !slices.Equal(api.calls, want) {
			t.Errorf("calls %v, want %v: no read of a device that has just been registered", api.calls, want)
		}
		got := api.devices[d.Status.IotID]
		if got.Status != iot.DeviceStatusDisable || !maps.Equal(api.props[got.IotID], map[string]string{"site": "a", "floor": "3"}) {
			t.Errorf("device %+v with properties %v", got, api.props[got.IotID])
		}
		if !d.Status.ManagedProperties || d.Status.State != iot.DeviceStatusDisable {
			t.Errorf("status %+v", d.Status)
		}
		// A later reconcile reads the properties: anyone may have changed them.
		api.props[got.IotID]["floor"] = "4"
		if obs, err := next(e).Observe(ctx, d); err != nil || obs.UpToDate || !slices.Equal(obs.Drift, []string{"properties"}) {
			t.Errorf("a later observation: drift %v, error %v; want the properties' change seen", obs.Drift, err)
		}
	})
	t.Run("a property write that fails leaves the registered device for the next reconcile to complete", func(t *testing.T) {
		d := newDevice()
		d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"site": "a"}
		api := newFakeAPI(t)
		api.fail["SaveDeviceProp"] = platformError(t, "iot.device.SaveOrUpdateDevicePropertiesFailed")
		e := external(t, api, lampProduct(true))
		if err := e.Create(ctx, d); err == nil {
			t.Fatal("Create succeeded though its property write failed")
		}
		if d.Status.IotID == "" || len(api.devices) != 1 {
			t.Fatalf("IotId %q with %d devices: the registration must be kept", d.Status.IotID, len(api.devices))
		}
		delete(api.fail, "SaveDeviceProp")
		obs, err := next(e).Observe(ctx, d)
		if err != nil || !obs.Exists || !slices.Equal(obs.Drift, []string{"properties"}) {
			t.Errorf("next observation: %+v, %v; want the device found with its properties missing", obs, err)
		}
	})
	t.Run("adopts a device of the same name", func(t *testing.T) {
		d := newDevice()
		api := newFakeAPI(t, cloudLamp1())
		if err := external(t, api, lampProduct(true)).Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		if d.Status.IotID != "iot-1" || len(api.devices) != 1 {
			t.Errorf("IotId %q with %d devices, want the existing one adopted", d.Status.IotID, len(api.devices))
		}
	})
	t.Run("a name the platform refuses is this Device's InvalidSpec", func(t *testing.T) {
		api := newFakeAPI(t)
		e := external(t, api, lampProduct(true))
		e.Fleet.Registrar.(*fakeRegistrar).refuse["lamp-1"] = "iot.device.InvalidFormattedDeviceName"
		err := e.Create(ctx, newDevice())
		var terminal *managed.TerminalError
		if !errors.As(err, &terminal) || terminal.Reason != iotv1.ReasonInvalidSpec || !strings.Contains(err.Error(), "spec.deviceName") {
			t.Errorf("error %v, want InvalidSpec saying what to change", err)
		}
		if len(api.devices) != 0 {
			t.Errorf("%d devices registered", len(api.devices))
		}
	})
	t.Run("waits for its batch without blocking, and is woken when the result is in", func(t *testing.T) {
		api := newFakeAPI(t)
		e := external(t, api, lampProduct(true))
		reg := e.Fleet.Registrar.(*fakeRegistrar)
		reg.hold["lamp-1"] = true
		var woken []types.NamespacedName
		e.Fleet.Waiters.SetWake(func(who types.NamespacedName) { woken = append(woken, who) })
		reg.notify = e.Fleet.Waiters.Wake
		d := newDevice()
		for range 2 { // a second look (the fallback requeue) asks nothing new
			err := next(e).Create(ctx, d)
			var wait *managed.WaitError
			if !errors.As(err, &wait) || wait.Reason != iotv1.ReasonRegistering || !wait.Progress || wait.After != RegisteringRetry {
				t.Fatalf("error %v, want work in progress with reason %s", err, iotv1.ReasonRegistering)
			}
		}
		if reg.registers != 1 || d.Status.IotID != "" {
			t.Errorf("%d registrations asked, IotId %q; want one, none yet", reg.registers, d.Status.IotID)
		}
		reg.release(e.fleetKey(d, "a1Lamp"), "lamp-1", "")
		if want := []types.NamespacedName{{Namespace: "default", Name: "lamp-1"}}; !slices.Equal(woken, want) {
			t.Errorf("woken %v, want %v", woken, want)
		}
		if err := next(e).Create(ctx, d); err != nil || d.Status.IotID == "" {
			t.Errorf("after the batch: error %v, IotId %q", err, d.Status.IotID)
		}
	})
}

func TestDeleteWaitsForARegistrationInFlight(t *testing.T) {
	ctx := context.Background()
	api := newFakeAPI(t)
	e := external(t, api, lampProduct(true))
	reg := e.Fleet.Registrar.(*fakeRegistrar)
	reg.hold["lamp-1"] = true
	d := newDevice()
	if err := e.Create(ctx, d); err == nil {
		t.Fatal("the registration finished while held")
	}
	// The Device is deleted while its batch runs: deleting now would find
	// nothing, and the batch would then leave an orphan.
	err := next(e).Delete(ctx, d)
	var wait *managed.WaitError
	if !errors.As(err, &wait) || wait.Reason != iotv1.ReasonRegistering {
		t.Fatalf("error %v, want a wait for the registration", err)
	}
	if n := countCalls(api, "DeleteDevice"); n != 0 {
		t.Errorf("%d DeleteDevice calls while registering", n)
	}
	reg.release(e.fleetKey(d, "a1Lamp"), "lamp-1", "")
	if err := next(e).Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if len(api.devices) != 0 {
		t.Errorf("%d devices left after the delete", len(api.devices))
	}
}

func TestUpdateBringsTheDeviceToTheSpec(t *testing.T) {
	ctx := context.Background()
	api := newFakeAPI(t, cloudLamp1())
	api.props["iot-1"] = map[string]string{"keep": "1", "change": "old", "drop": "x"}
	d := newDevice()
	registered(d, "iot-1")
	d.Status.ManagedProperties = true
	d.Spec.Nickname = "hall_lamp"
	d.Spec.Enabled = ptr.To(false)
	d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"keep": "1", "change": "new", "add": "z"}
	update := func() {
		t.Helper()
		e := external(t, api)
		observeAndUpdate(t, e, d)
		// As the engine does: the same reconcile observes again.
		if obs, err := e.Observe(ctx, d); err != nil || !obs.UpToDate {
			t.Errorf("after the update: drift %v, error %v", obs.Drift, err)
		}
		// A later reconcile reads what it manages afresh.
		if obs, err := next(e).Observe(ctx, d); err != nil || !obs.UpToDate {
			t.Errorf("a later observation: drift %v, error %v", obs.Drift, err)
		}
	}
	update()
	got := api.devices["iot-1"]
	if got.Nickname != "hall_lamp" || got.Status != iot.DeviceStatusDisable {
		t.Errorf("device %+v", got)
	}
	if want := map[string]string{"keep": "1", "change": "new", "add": "z"}; !maps.Equal(api.props["iot-1"], want) {
		t.Errorf("properties %v, want %v", api.props["iot-1"], want)
	}

	d.Spec.Nickname, d.Spec.Enabled, d.Spec.Properties = "", nil, nil
	update()
	if got.Nickname != "" || got.Status == iot.DeviceStatusDisable || len(api.props["iot-1"]) != 0 {
		t.Errorf("device %+v with properties %v, want cleared and enabled", got, api.props["iot-1"])
	}
}

// observeAndUpdate runs a reconcile's observation and update, as the engine
// does when the device differs from the spec.
func observeAndUpdate(t *testing.T, e *External, d *iotv1.Device) {
	t.Helper()
	ctx := context.Background()
	obs, err := e.Observe(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Update(ctx, d, obs); err != nil {
		t.Fatal(err)
	}
}

// A nickname or property write that succeeded says what holds; enabling a
// device restores a state only the platform knows.
func TestUpdateTrustsItsWritesButReadsAnEnabledDevice(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		spec      func(d *iotv1.Device)
		wantReads []string
	}{
		{"nickname and properties", func(d *iotv1.Device) {
			d.Spec.Nickname = "hall_lamp"
			d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"site": "b"}
		}, nil},
		{"disabled", func(d *iotv1.Device) { d.Spec.Enabled = ptr.To(false) }, []string{"BatchQueryDeviceDetail"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, cloudLamp1())
			d := newDevice()
			registered(d, "iot-1")
			tc.spec(d)
			e := external(t, api)
			observeAndUpdate(t, e, d)
			calls := len(api.calls)
			if obs, err := e.Observe(ctx, d); err != nil || !obs.UpToDate {
				t.Errorf("after the update: drift %v, error %v", obs.Drift, err)
			}
			if got := api.calls[calls:]; !slices.Equal(got, tc.wantReads) {
				t.Errorf("the observation after the update called %v, want %v", got, tc.wantReads)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*iotv1.Device)
		objs   []client.Object
		want   error
		calls  int // DeleteDevice calls
		left   int // devices left on the platform
	}{
		{name: "by the IotId in status", mutate: func(d *iotv1.Device) { registered(d, "iot-1") }, calls: 1},
		{name: "by product and name in status", mutate: func(d *iotv1.Device) {
			d.Status.ProductKey, d.Status.DeviceName = "a1Lamp", "lamp-1"
		}, objs: []client.Object{granting("a1Lamp")}, calls: 1},
		{name: "overtaken registration, through the referenced Product", objs: []client.Object{lampProduct(true)}, calls: 1},
		{name: "overtaken registration, through a Product being deleted", objs: []client.Object{lampProduct(false)}, calls: 1},
		{name: "overtaken registration, through spec.productKey", mutate: func(d *iotv1.Device) {
			d.Spec.ProductRef, d.Spec.ProductKey = nil, "a1Lamp"
		}, objs: []client.Object{granting("a1Lamp")}, calls: 1},
		{name: "through spec.productKey of a product not the namespace's: left alone", mutate: func(d *iotv1.Device) {
			d.Spec.ProductRef, d.Spec.ProductKey = nil, "a1Lamp"
		}, objs: []client.Object{granting()}, want: managed.ErrNotOurs, calls: 0, left: 1},
		{name: "nothing of that name: already gone", mutate: func(d *iotv1.Device) { d.Name = "lamp-2" },
			objs: []client.Object{lampProduct(true)}, want: managed.ErrAlreadyGone, calls: 1, left: 1},
		{name: "gone from the platform: already gone", mutate: func(d *iotv1.Device) { registered(d, "iot-gone") },
			want: managed.ErrAlreadyGone, calls: 1, left: 1},
		{name: "no Product to resolve the key: never registered", want: managed.ErrAlreadyGone, calls: 0, left: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDevice()
			if tc.mutate != nil {
				tc.mutate(d)
			}
			api := newFakeAPI(t, cloudLamp1())
			err := external(t, api, tc.objs...).Delete(context.Background(), d)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if n := len(slices.DeleteFunc(api.calls, func(c string) bool { return c != "DeleteDevice" })); n != tc.calls {
				t.Errorf("%d DeleteDevice calls, want %d", n, tc.calls)
			}
			if len(api.devices) != tc.left {
				t.Errorf("%d devices left, want %d", len(api.devices), tc.left)
			}
		})
	}
}
