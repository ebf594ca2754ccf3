package main

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestQuotaFloorOfOneProduct(t *testing.T) {
	f := newQuotaFloor(10000, 10000)
	if want := 10000 * time.Second / 30; f.perDevice != want {
		t.Errorf("per-device registration floor = %s, want 10000/30 s = %s", f.perDevice, want)
	}
	// 200 pages of 50 at 50 QPS; one check call at 10 QPS is less.
	if f.batch != 4*time.Second || f.batchAction != "QueryPageByApplyId" {
		t.Errorf("batch floor = %s by %s, want 4s by QueryPageByApplyId", f.batch, f.batchAction)
	}
	if f.del != 200*time.Second {
		t.Errorf("deletion floor = %s, want 10000/50 s = 200s", f.del)
	}
}

func TestQuotaFloorSplitsBatchesByProductAndByLimit(t *testing.T) {
	// Ten products of 100: ten check calls at 10 QPS bound the batch.
	if f := newQuotaFloor(1000, 100); f.batch != time.Second || f.batchAction != "BatchCheckDeviceNames" {
		t.Errorf("batch floor of 10×100 = %s by %s, want 1s by BatchCheckDeviceNames", f.batch, f.batchAction)
	}
	// 25,000 in one product: three batches (10,000 names each at most),
	// 200 + 200 + 100 pages at 50 QPS.
	if f := newQuotaFloor(25000, 25000); f.batch != 10*time.Second {
		t.Errorf("batch floor of 25,000 = %s, want 10s", f.batch)
	}
}

func TestNewFleetSplitsDevicesAmongProducts(t *testing.T) {
	f := newFleet(5, 2, false)
	if len(f.products) != 3 || len(f.devices) != 5 {
		t.Fatalf("got %d products and %d devices, want 3 and 5", len(f.products), len(f.devices))
	}
	wantProduct := []string{"bench-000", "bench-000", "bench-001", "bench-001", "bench-002"}
	for i, d := range f.devices {
		if d.Spec.ProductRef.Name != wantProduct[i] {
			t.Errorf("device %s in %s, want %s", d.Name, d.Spec.ProductRef.Name, wantProduct[i])
		}
	}
}

func TestSinceCountsOnlyThePhase(t *testing.T) {
	before := counters{calls: map[string]int64{"RegisterDevice": 10, "QueryProduct": 4}, throttled: map[string]int64{"QueryProduct": 1}}
	after := counters{calls: map[string]int64{"RegisterDevice": 30, "QueryProduct": 4, "DeleteDevice": 5}, throttled: map[string]int64{"QueryProduct": 1}}
	p := since(before, after)
	if len(p.calls) != 2 || p.calls["RegisterDevice"] != 20 || p.calls["DeleteDevice"] != 5 {
		t.Errorf("calls = %v, want RegisterDevice 20 and DeleteDevice 5", p.calls)
	}
	if throttledText(p.throttled) != "0" {
		t.Errorf("throttled = %q, want 0", throttledText(p.throttled))
	}
	if got := perDevice(p.calls, 10); got != "**2.50**: RegisterDevice 2.00, DeleteDevice 0.50" {
		t.Errorf("per device = %q", got)
	}
	if d, action := quotaBound(p.calls); action != "RegisterDevice" || d != 20*time.Second/30 {
		t.Errorf("quota bound = %s by %s, want 20/30 s by RegisterDevice", d, action)
	}
}

func TestParallelRunsEveryItemAndStopsAtTheFirstError(t *testing.T) {
	var done atomic.Int64
	items := make([]int, 100)
	s, err := parallel(context.Background(), 4, items, func(int) string { return "" }, func(context.Context, int) error {
		done.Add(1)
		return nil
	})
	if err != nil || done.Load() != 100 {
		t.Fatalf("err %v, %d done, want nil and 100", err, done.Load())
	}
	if s.firstDone.Before(s.sent) || s.lastDone.Before(s.firstDone) {
		t.Errorf("span out of order: %+v", s)
	}
	boom := errors.New("boom")
	done.Store(0)
	_, err = parallel(context.Background(), 1, []string{"a", "b", "c"}, func(s string) string { return s }, func(_ context.Context, s string) error {
		done.Add(1)
		if s == "b" {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "b:") {
		t.Errorf("err = %v, want b: boom", err)
	}
	if done.Load() != 2 {
		t.Errorf("%d items run, want 2 (nothing after the error)", done.Load())
	}
}

func TestPlatformFloorTakesTheFasterPathOrBoth(t *testing.T) {
	seedLike := platformFloor{batch: 2 * time.Minute, share: 0.8}
	// 100 names: RegisterDevice at 24/s beats any two-minute batch.
	if got, want := seedLike.registration(100), 100*time.Second/24; got != want {
		t.Errorf("100 names, 2-minute batches: %s, want %s through RegisterDevice", got, want)
	}
	// 10,000 names: the batch's two minutes, with RegisterDevice taking
	// as many as it clears meanwhile, so the batch's pages are fewer.
	got := seedLike.registration(10000)
	if got < 2*time.Minute || got > 2*time.Minute+5*time.Second {
		t.Errorf("10,000 names, 2-minute batches: %s, want the batch's 2m plus under 5s of pages", got)
	}
	short := platformFloor{batch: 200 * time.Millisecond, share: 0.8}
	// 10,000 names, 200 ms batches: 200 pages at 40/s after the batch,
	// a little less with RegisterDevice's help.
	if got := short.registration(10000); got > 5200*time.Millisecond || got < 4*time.Second {
		t.Errorf("10,000 names, short batches: %s, want about 5s", got)
	}
	// Properties: 10,000 SaveDeviceProp at 40/s bound it.
	if got, want := short.withProperties(10000), 250*time.Second; got != want {
		t.Errorf("10,000 with properties: %s, want %s", got, want)
	}
}
