package fleet

import (
	"context"
	"sync"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/kiot-dev/kiot/internal/iot"
)

func newObserverFixture(n int) (*Observer, *fakePlatform, *testingclock.FakeClock, []string) {
	fake := newFakePlatform()
	names := deviceNames("meter", n)
	for _, name := range names {
		fake.addDevice(name, "meter_nick")
	}
	clk := testingclock.NewFakeClock(time.Unix(1_700_000_000, 0))
	// Reads start at once: TestObserverLingersForCompany covers the linger,
	// TestObserverPacesPartialReads the interval.
	return NewObserver(ObserverOptions{MaxAge: time.Minute, ReadLinger: -1, ReadInterval: -1, Clock: clk}), fake, clk, names
}

func mustGet(t *testing.T, o *Observer, api ObservationAPI, name string) (Observation, bool) {
	t.Helper()
	obs, found, err := o.Get(context.Background(), api, testKey, name)
	if err != nil {
		t.Fatalf("Get %s: %v", name, err)
	}
	return obs, found
}

func TestObserverSharesOneSnapshotWhileFresh(t *testing.T) {
	o, fake, clk, names := newObserverFixture(120)

	for _, n := range names {
		obs, found := mustGet(t, o, fake, n)
		if !found || obs.IotID != "iot-"+n || obs.DeviceSecret.Reveal() != "secret-"+n || !obs.Enabled() {
			t.Fatalf("%s: %+v found=%v, want the platform's device", n, obs, found)
		}
	}
	if got := fake.count("QueryDevice"); got != 3 {
		t.Errorf("observing 120 devices took %d QueryDevice calls, want 3 (50 a page)", got)
	}
	if _, found := mustGet(t, o, fake, "meter-9999"); found {
		t.Error("a device the platform does not have was found")
	}
	if got := fake.total(); got != 3 {
		t.Errorf("answering from a fresh snapshot made calls: %d in all", got)
	}

	clk.Step(time.Minute)
	mustGet(t, o, fake, names[0])
	if got := fake.count("QueryDevice"); got != 6 {
		t.Errorf("after MaxAge: %d QueryDevice calls, want one more page-through (6)", got)
	}
}

func TestObserverInvalidateReadsOneDeviceAfresh(t *testing.T) {
	o, fake, _, names := newObserverFixture(120)
	mustGet(t, o, fake, names[7])

	fake.edit(names[7], func(d *iot.DeviceDetail) { d.Nickname, d.Status = "renamed", iot.DeviceStatusDisable })
	if obs, _ := mustGet(t, o, fake, names[7]); obs.Nickname != "meter_nick" {
		t.Fatalf("without Invalidate the snapshot answered %+v; the test needs it to be stale", obs)
	}
	o.Invalidate(testKey, names[7])
	obs, found := mustGet(t, o, fake, names[7])
	if !found || obs.Nickname != "renamed" || obs.Enabled() {
		t.Errorf("after Invalidate: %+v, want the new nickname and DISABLE", obs)
	}
	if got, pages := fake.count("BatchQueryDeviceDetail"), fake.count("QueryDevice"); got != 1 || pages != 3 {
		t.Errorf("Invalidate cost %d detail reads and %d pages, want 1 and no new page-through", got, pages-3)
	}
	mustGet(t, o, fake, names[7])
	if got := fake.count("BatchQueryDeviceDetail"); got != 1 {
		t.Errorf("a second Get read again (%d detail reads)", got)
	}

	// A device registered by Kiot is invalidated too: found without paging.
	fake.addDevice("meter-new1", "")
	o.Invalidate(testKey, "meter-new1")
	if obs, found := mustGet(t, o, fake, "meter-new1"); !found || obs.IotID != "iot-meter-new1" {
		t.Errorf("a new invalidated device: %+v found=%v", obs, found)
	}
}

func TestObserverSeesDeviceDeletedBehindItsBack(t *testing.T) {
	o, fake, clk, names := newObserverFixture(60)
	mustGet(t, o, fake, names[3])

	fake.remove(names[3])
	if _, found := mustGet(t, o, fake, names[3]); !found {
		t.Fatal("the fresh snapshot already missed the device; freshness is not being honoured")
	}
	clk.Step(time.Minute)
	if _, found := mustGet(t, o, fake, names[3]); found {
		t.Error("a device deleted behind Kiot's back is still found after the next refresh")
	}

	// An invalidated device that is gone reads as not found at once.
	fake.remove(names[4])
	o.Invalidate(testKey, names[4])
	if _, found := mustGet(t, o, fake, names[4]); found {
		t.Error("an invalidated, deleted device is still found")
	}
}

func TestObserverConcurrentGetsShareOneRefresh(t *testing.T) {
	o, fake, _, names := newObserverFixture(120)
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			if _, found, err := o.Get(context.Background(), fake, testKey, n); err != nil || !found {
				t.Errorf("%s: found=%v err=%v", n, found, err)
			}
		})
	}
	wg.Wait()
	if got := fake.count("QueryDevice"); got != 3 {
		t.Errorf("120 concurrent Gets on a cold cache made %d QueryDevice calls, want one page-through (3)", got)
	}
}

func TestObserverCoalescesSingleReads(t *testing.T) {
	o, fake, _, names := newObserverFixture(120)
	mustGet(t, o, fake, names[0])
	gate := make(chan struct{})
	fake.mu.Lock()
	fake.detailGate = gate
	fake.mu.Unlock()
	for _, n := range names[:30] {
		o.Invalidate(testKey, n)
	}

	var wg sync.WaitGroup
	for _, n := range names[:30] {
		wg.Go(func() {
			if _, found, err := o.Get(context.Background(), fake, testKey, n); err != nil || !found {
				t.Errorf("%s: found=%v err=%v", n, found, err)
			}
		})
	}
	// One read runs (held at the gate); the other 29 names wait for the next.
	driveUntilTrue(t, func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		pv := o.products[testKey]
		return pv.detail != nil && len(pv.detailNames)+len(pv.nextNames) == 30
	})
	close(gate)
	wg.Wait()
	if got := fake.count("BatchQueryDeviceDetail"); got != 2 {
		t.Errorf("30 invalidated devices took %d BatchQueryDeviceDetail calls, want 2", got)
	}
}

func driveUntilTrue(t *testing.T, done func() bool) {
	t.Helper()
	driveUntil(t, testingclock.NewFakeClock(time.Time{}), done)
}

// newInvalidatedFixture is an Observer on a fake clock whose snapshot
// holds n devices, every one of them invalidated: each Get reads afresh.
func newInvalidatedFixture(t *testing.T, prefix string, n int, opts ObserverOptions) (*Observer, *fakePlatform, *testingclock.FakeClock, []string) {
	t.Helper()
	fake := newFakePlatform()
	names := deviceNames(prefix, n)
	for _, name := range names {
		fake.addDevice(name, "")
	}
	clk := testingclock.NewFakeClock(time.Unix(1_700_000_000, 0))
	opts.Clock = clk
	o := NewObserver(opts)
	mustGet(t, o, fake, names[0])
	for _, name := range names {
		o.Invalidate(testKey, name)
	}
	return o, fake, clk, names
}

func TestObserverLingersForCompany(t *testing.T) {
	o, fake, clk, names := newInvalidatedFixture(t, "lamp", 120, ObserverOptions{MaxAge: time.Minute, ReadInterval: -1})
	// 40 Devices ask one after the other, as reconciles do.
	first := getAll(t, o, fake, names[:40])
	driveUntilTrue(t, func() bool { return waitingNames(o) == 40 && clk.HasWaiters() })
	if got := fake.count("BatchQueryDeviceDetail"); got != 0 {
		t.Fatalf("%d reads before the linger ended", got)
	}
	clk.Step(50 * time.Millisecond)
	first.Wait()
	if got := fake.count("BatchQueryDeviceDetail"); got != 1 {
		t.Errorf("40 Devices took %d BatchQueryDeviceDetail calls, want 1", got)
	}

	// 100 names fill a call: it leaves without waiting.
	for _, n := range names[20:120] {
		o.Invalidate(testKey, n)
	}
	getAll(t, o, fake, names[20:120]).Wait()
	if got := fake.count("BatchQueryDeviceDetail"); got != 2 {
		t.Errorf("%d BatchQueryDeviceDetail calls, want 2 (a full one needs no linger)", got)
	}
}

// getAll asks for every name concurrently, as reconciles do, and returns
// the WaitGroup that ends when all are answered.
func getAll(t *testing.T, o *Observer, api ObservationAPI, names []string) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			if _, found, err := o.Get(context.Background(), api, testKey, n); err != nil || !found {
				t.Errorf("%s: found=%v err=%v", n, found, err)
			}
		})
	}
	return &wg
}

func waitingNames(o *Observer) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.products[testKey].nextNames)
}

func TestObserverPacesPartialReads(t *testing.T) {
	// The defaults: a 50 ms linger, a 1 s interval.
	o, fake, clk, names := newInvalidatedFixture(t, "pump", 130, ObserverOptions{MaxAge: time.Hour})
	reads := func() int { return fake.count("BatchQueryDeviceDetail") }

	// The first read after a quiet spell waits the linger alone.
	first := getAll(t, o, fake, names[:10])
	driveUntilTrue(t, func() bool { return waitingNames(o) == 10 && clk.HasWaiters() })
	clk.Step(50 * time.Millisecond)
	first.Wait()
	if got := reads(); got != 1 {
		t.Fatalf("10 Devices took %d reads, want 1", got)
	}

	// 20 more, right after: they wait until a second has passed since that
	// read began, not for another linger.
	second := getAll(t, o, fake, names[10:30])
	driveUntilTrue(t, func() bool { return waitingNames(o) == 20 && clk.HasWaiters() })
	clk.Step(950 * time.Millisecond)
	// Still waiting on its timer (a linger alone would have fired).
	driveUntilTrue(t, func() bool { return waitingNames(o) == 20 && clk.HasWaiters() })
	if got := reads(); got != 1 {
		t.Fatalf("a partial read started %d reads into the interval", got-1)
	}
	clk.Step(50 * time.Millisecond)
	second.Wait()
	if got := reads(); got != 2 {
		t.Fatalf("%d reads once the interval passed, want 2", got)
	}

	// 100 names fill a call: it starts at once, inside the interval.
	third := getAll(t, o, fake, names[30:130])
	third.Wait()
	if got := reads(); got != 3 {
		t.Errorf("%d reads, want 3: a full call does not wait for the interval", got)
	}
	if got := fake.detailNames(); len(got) != 3 || got[0] != 10 || got[1] != 20 || got[2] != 100 {
		t.Errorf("names per read = %v, want [10 20 100]", got)
	}
}

// A product nothing reads any more (its Product deleted, its Devices gone)
// does not keep its snapshot for the life of the process.
func TestObserverDropsSnapshotsNothingReads(t *testing.T) {
	o, fake, clk, names := newObserverFixture(3)
	ctx := context.Background()
	gone := Key{Account: "a", ProductKey: "a1Gone"}
	if _, _, err := o.Get(ctx, fake, gone, names[0]); err != nil {
		t.Fatal(err)
	}
	// A device of a product never listed was deleted: a view with only a
	// mark, which the next Get would page afresh anyway.
	marked := Key{Account: "a", ProductKey: "a1Marked"}
	o.Invalidate(marked, "meter-0001")
	clk.Step(time.Minute)
	live := Key{Account: "a", ProductKey: "a1Live"}
	if _, _, err := o.Get(ctx, fake, live, names[0]); err != nil {
		t.Fatal(err)
	}
	if _, kept := o.products[gone]; !kept || len(o.products) != 2 {
		t.Fatalf("views %v after one MaxAge, want the two listed kept and the mark-only one dropped", o.products)
	}
	clk.Step(time.Minute + time.Second)
	if _, _, err := o.Get(ctx, fake, live, names[1]); err != nil {
		t.Fatal(err)
	}
	if _, kept := o.products[live]; !kept || len(o.products) != 1 {
		t.Errorf("views %v, want only the product still read", o.products)
	}
}
