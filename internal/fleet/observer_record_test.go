package fleet

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/kiot-dev/kiot/internal/iot"
)

// recordingPlatform lists the devices it was given, one page, and counts
// every call.
type recordingPlatform struct {
	devices []iot.DeviceSummary
	calls   atomic.Int64
}

func (p *recordingPlatform) QueryDevice(context.Context, iot.DeviceListInput) (*iot.DeviceList, error) {
	p.calls.Add(1)
	return &iot.DeviceList{Devices: p.devices}, nil
}

func (p *recordingPlatform) BatchQueryDeviceDetail(context.Context, string, []string) ([]iot.DeviceDetail, error) {
	p.calls.Add(1)
	return nil, nil
}

func TestRecordAnswersTheNextGetWithoutACall(t *testing.T) {
	ctx := context.Background()
	key := Key{Account: "a", ProductKey: "pk"}
	platform := &recordingPlatform{devices: []iot.DeviceSummary{{DeviceName: "old", IotID: "id-old"}}}
	o := NewObserver(ObserverOptions{})
	if _, found, err := o.Get(ctx, platform, key, "new"); err != nil || found {
		t.Fatalf("before registration: found=%v err=%v, want not found", found, err)
	}
	before := platform.calls.Load()

	o.Invalidate(key, "new") // the registration wrote it
	o.Record(key, Observation{DeviceName: "new", IotID: "id-new"})

	obs, found, err := o.Get(ctx, platform, key, "new")
	if err != nil || !found || obs.IotID != "id-new" {
		t.Fatalf("after Record: %+v found=%v err=%v, want id-new", obs, found, err)
	}
	if calls := platform.calls.Load() - before; calls != 0 {
		t.Fatalf("Get after Record made %d calls, want 0", calls)
	}
}

// gatedPlatform answers QueryDevice with an empty product once released.
type gatedPlatform struct {
	started, release chan struct{}
}

func (p *gatedPlatform) QueryDevice(context.Context, iot.DeviceListInput) (*iot.DeviceList, error) {
	close(p.started)
	<-p.release
	return &iot.DeviceList{}, nil
}

func (p *gatedPlatform) BatchQueryDeviceDetail(context.Context, string, []string) ([]iot.DeviceDetail, error) {
	return nil, nil
}

func TestRecordOutlivesAPageThroughBegunBeforeIt(t *testing.T) {
	ctx := context.Background()
	key := Key{Account: "a", ProductKey: "pk"}
	platform := &gatedPlatform{started: make(chan struct{}), release: make(chan struct{})}
	o := NewObserver(ObserverOptions{})
	got := make(chan Observation, 1)
	go func() {
		obs, _, _ := o.Get(ctx, platform, key, "new")
		got <- obs
	}()
	<-platform.started // the listing predates the registration
	o.Record(key, Observation{DeviceName: "new", IotID: "id-new"})
	close(platform.release)
	<-got

	obs, found, err := o.Get(ctx, platform, key, "new")
	if err != nil || !found || obs.IotID != "id-new" {
		t.Fatalf("after the page-through: %+v found=%v err=%v, want the recorded id-new", obs, found, err)
	}
}
