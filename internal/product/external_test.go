package product

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

func newProduct(name string) *iotv1.Product {
	return &iotv1.Product{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "lamp"},
		Spec:       iotv1.ProductSpec{ProductName: name},
	}
}

// cloudLamp is a product as the platform holds it, matching newProduct("Lamp").
func cloudLamp() iot.Product {
	return iot.Product{ProductKey: "a1Lamp", ProductName: "Lamp", ProductSecret: "lamp-secret",
		ProductStatus: iot.ProductStatusDevelopment, DeviceCount: 3}
}

// external is the External under test, over api and a fake API server
// holding devices.
func external(t *testing.T, api *fakeAPI, devices ...*iotv1.Device) *External {
	objs := make([]client.Object, len(devices))
	for i, d := range devices {
		objs[i] = d
	}
	return &External{API: api, Region: "cn-shanghai", Kube: kube(t, objs...), ClusterID: "test"}
}

// ourMark is the ownership mark of newProduct's resource in cluster "test".
const ourMark = "test_default_lamp"

func TestObserveFindsTheProduct(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*iotv1.Product)
		exists bool
		key    string
	}{
		{"by the key in status", func(p *iotv1.Product) { p.Status.ProductKey = "a1Lamp" }, true, "a1Lamp"},
		{"by spec.productKey", func(p *iotv1.Product) { p.Spec.ProductKey = "a1Lamp" }, true, "a1Lamp"},
		{"by name, adopting its own marked product", func(*iotv1.Product) {}, true, "a1Lamp"},
		{"nowhere when no product has the name", func(p *iotv1.Product) { p.Spec.ProductName = "Other" }, false, ""},
		{"gone behind Kiot's back: status forgotten", func(p *iotv1.Product) { p.Status.ProductKey = "a1Gone" }, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProduct("Lamp")
			tc.mutate(p)
			obs, err := external(t, newFakeAPI(t, cloudLamp())).Observe(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if obs.Exists != tc.exists || p.Status.ProductKey != tc.key {
				t.Errorf("exists %v, status key %q; want %v, %q", obs.Exists, p.Status.ProductKey, tc.exists, tc.key)
			}
		})
	}
}

func TestObserveMapsThePlatformToStatusAndSecret(t *testing.T) {
	p := newProduct("Lamp")
	obs, err := external(t, newFakeAPI(t, cloudLamp())).Observe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if !obs.Exists || !obs.UpToDate || obs.Readiness != nil {
		t.Errorf("observation %+v, want an existing, up-to-date product", obs)
	}
	want := iotv1.ProductStatus{ProductKey: "a1Lamp", ProductStatus: iot.ProductStatusDevelopment, DeviceCount: 3, SecretName: "lamp-product"}
	got := p.Status
	got.ManagedStatus = iotv1.ManagedStatus{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("status %+v, want %+v", got, want)
	}
	wantSecret := map[string][]byte{"productKey": []byte("a1Lamp"), "productSecret": []byte("lamp-secret"), "regionId": []byte("cn-shanghai")}
	if !reflect.DeepEqual(obs.Secret, wantSecret) {
		t.Errorf("secret %q, want %q", obs.Secret, wantSecret)
	}
}

func TestObserveRefusesAMissingSpecProductKey(t *testing.T) {
	p := newProduct("Lamp")
	p.Spec.ProductKey = "a1Missing"
	_, err := external(t, newFakeAPI(t, cloudLamp())).Observe(context.Background(), p)
	var terminal *managed.TerminalError
	if !errors.As(err, &terminal) {
		t.Errorf("error %v, want a managed.TerminalError", err)
	}
}

func TestObserveDrift(t *testing.T) {
	cases := []struct {
		name   string
		spec   func(*iotv1.Product)
		cloud  func(*fakeAPI)
		fields []string
	}{
		{"none", func(*iotv1.Product) {}, func(*fakeAPI) {}, nil},
		{"an empty description is not managed", func(*iotv1.Product) {}, func(f *fakeAPI) { f.products["a1Lamp"].Description = "theirs" }, nil},
		{"product name", func(*iotv1.Product) {}, func(f *fakeAPI) { f.products["a1Lamp"].ProductName = "Renamed" }, []string{"productName"}},
		{"description", func(p *iotv1.Product) { p.Spec.Description = "ours" }, func(*fakeAPI) {}, []string{"description"}},
		{"published", func(p *iotv1.Product) { p.Spec.Published = true }, func(*fakeAPI) {}, []string{"published"}},
		{"unpublished", func(*iotv1.Product) {}, func(f *fakeAPI) { f.products["a1Lamp"].ProductStatus = iot.ProductStatusRelease }, []string{"published"}},
		{"a tag added", func(p *iotv1.Product) { p.Spec.Tags = map[string]iotv1.ProductTagValue{"site": "x"} }, func(*fakeAPI) {}, []string{"tags"}},
		{"a tag removed", func(*iotv1.Product) {}, func(f *fakeAPI) { f.tags["a1Lamp"]["site"] = "x" }, []string{"tags"}},
		{"an adopted product without the mark", func(*iotv1.Product) {}, func(f *fakeAPI) { delete(f.tags["a1Lamp"], iotv1.OwnerTagKey) }, []string{"ownership mark"}},
		{"a tag changed", func(p *iotv1.Product) { p.Spec.Tags = map[string]iotv1.ProductTagValue{"site": "x"} },
			func(f *fakeAPI) { f.tags["a1Lamp"]["site"] = "y" }, []string{"tags"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProduct("Lamp")
			p.Status.ProductKey = "a1Lamp"
			tc.spec(p)
			api := newFakeAPI(t, cloudLamp())
			tc.cloud(api)
			obs, err := external(t, api).Observe(context.Background(), p)
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
	t.Run("maps the spec to CreateProduct and records the key", func(t *testing.T) {
		p := newProduct("Gateway")
		p.Spec.NodeType = iotv1.NodeTypeGateway
		p.Spec.DataFormat = iotv1.DataFormatCustom
		p.Spec.Description = "edge"
		p.Spec.ProtocolType = "modbus"
		api := newFakeAPI(t)
		if err := external(t, api).Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		got := api.products[p.Status.ProductKey]
		if got == nil || got.ProductName != "Gateway" || got.NodeType != iot.NodeTypeGateway || got.DataFormat != iot.DataFormatCustom ||
			got.Description != "edge" || got.ProtocolType != "modbus" || got.AliyunCommodityCode != iot.CommodityCodeSenior {
			t.Errorf("created %+v", got)
		}
	})
	t.Run("adopts a product of the same name", func(t *testing.T) {
		p := newProduct("Lamp")
		api := newFakeAPI(t, cloudLamp())
		if err := external(t, api).Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		if p.Status.ProductKey != "a1Lamp" || len(api.products) != 1 {
			t.Errorf("status key %q with %d products, want the existing one adopted", p.Status.ProductKey, len(api.products))
		}
	})
	t.Run("never creates under a chosen key", func(t *testing.T) {
		p := newProduct("Lamp")
		p.Spec.ProductKey = "a1Chosen"
		api := newFakeAPI(t)
		err := external(t, api).Create(context.Background(), p)
		var terminal *managed.TerminalError
		if !errors.As(err, &terminal) || len(api.calls) != 0 {
			t.Errorf("error %v after calls %v, want a TerminalError and no call", err, api.calls)
		}
	})
	t.Run("passes a refusal of the platform on, classified", func(t *testing.T) {
		api := newFakeAPI(t)
		api.fail["CreateProduct"] = platformError(t, "iot.prod.InvalidFormattedCatId")
		err := external(t, api).Create(context.Background(), newProduct("Lamp"))
		if !aliyun.IsTerminal(err) {
			t.Errorf("error %v, want the platform's terminal error", err)
		}
	})
}

func TestUpdateBringsTheProductToTheSpec(t *testing.T) {
	p := newProduct("Lamp_v2")
	p.Status.ProductKey = "a1Lamp"
	p.Spec.Description = "renamed"
	p.Spec.Published = true
	p.Spec.Tags = map[string]iotv1.ProductTagValue{"keep": "1", "change": "new", "add": "z"}
	api := newFakeAPI(t, cloudLamp())
	api.tags["a1Lamp"] = map[string]string{"keep": "1", "change": "old", "drop": "x", iotv1.OwnerTagKey: ourMark}
	e := external(t, api)
	ctx := context.Background()
	obs, err := e.Observe(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Update(ctx, p, obs); err != nil {
		t.Fatal(err)
	}
	got := api.products["a1Lamp"]
	if got.ProductName != "Lamp_v2" || got.Description != "renamed" || got.ProductStatus != iot.ProductStatusRelease {
		t.Errorf("product %+v", got)
	}
	if want := map[string]string{"keep": "1", "change": "new", "add": "z", iotv1.OwnerTagKey: ourMark}; !maps.Equal(api.tags["a1Lamp"], want) {
		t.Errorf("tags %v, want %v", api.tags["a1Lamp"], want)
	}
	if obs, err := external(t, api).Observe(ctx, p); err != nil || !obs.UpToDate {
		t.Errorf("after the update: drift %v, error %v", obs.Drift, err)
	}

	// Unpublishing, and a description left unmanaged, are sent as such.
	p.Spec.Published, p.Spec.Description = false, ""
	e = external(t, api)
	if obs, err = e.Observe(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.Update(ctx, p, obs); err != nil {
		t.Fatal(err)
	}
	if got.ProductStatus != iot.ProductStatusDevelopment || got.Description != "renamed" {
		t.Errorf("product %+v, want unpublished with its description kept", got)
	}
}

func TestDelete(t *testing.T) {
	referencing := &iotv1.Device{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "lamp-1"},
		Spec: iotv1.DeviceSpec{ProductRef: &iotv1.LocalReference{Name: "lamp"}}}
	cases := []struct {
		name    string
		status  string
		specKey string
		cloud   func(*fakeAPI)
		devices []*iotv1.Device
		want    error  // nil, ErrAlreadyGone or a reason of a WaitError
		reason  string // of a WaitError
		left    int    // products left on the platform
	}{
		{name: "by the key in status", status: "a1Lamp", left: 0},
		{name: "by name, when a delete overtook the create", left: 0},
		{name: "by spec.productKey", specKey: "a1Lamp", left: 0},
		{name: "nothing by that name: already gone", cloud: func(f *fakeAPI) { f.products["a1Lamp"].ProductName = "Other" }, want: managed.ErrAlreadyGone, left: 1},
		{name: "gone from the platform: already gone", status: "a1Gone", want: managed.ErrAlreadyGone, left: 1},
		{name: "waits for Device resources", status: "a1Lamp", devices: []*iotv1.Device{referencing}, reason: iotv1.ReasonDependentsExist, left: 1},
		{name: "waits for devices made outside Kiot", status: "a1Lamp", cloud: func(f *fakeAPI) { f.products["a1Lamp"].DeviceCount = 1 },
			reason: iotv1.ReasonDependentsExist, left: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, cloudLamp())
			api.products["a1Lamp"].DeviceCount = 0
			if tc.cloud != nil {
				tc.cloud(api)
			}
			p := newProduct("Lamp")
			p.Status.ProductKey, p.Spec.ProductKey = tc.status, tc.specKey
			err := external(t, api, tc.devices...).Delete(context.Background(), p)
			var wait *managed.WaitError
			switch {
			case tc.reason != "":
				if !errors.As(err, &wait) || wait.Reason != tc.reason {
					t.Errorf("error %v, want a wait with reason %s", err, tc.reason)
				}
			case !errors.Is(err, tc.want) || (tc.want == nil && err != nil):
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if len(api.products) != tc.left {
				t.Errorf("%d products left, want %d", len(api.products), tc.left)
			}
		})
	}
}

func TestDependentsRetryDefaults(t *testing.T) {
	if got := (&External{}).dependentsRetry(); got != DefaultDependentsRetry {
		t.Errorf("default %v", got)
	}
	if got := (&External{DependentsRetry: 5}).dependentsRetry(); got != 5 {
		t.Errorf("override %v", got)
	}
}
