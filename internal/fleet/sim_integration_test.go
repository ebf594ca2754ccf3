package fleet_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// TestFleetAgainstSimulator registers 200 devices under one product through
// the real simulator over HTTP (signatures and documented quotas enforced),
// then observes them all, counting the calls the simulator saw.
func TestFleetAgainstSimulator(t *testing.T) {
	sim, err := iotsim.New(iotsim.Options{
		Quotas: true,
		Timing: iotsim.Timing{BatchCheck: time.Millisecond, BatchCreate: time.Millisecond,
			JobInitializing: time.Millisecond, JobRunning: time.Millisecond, ResultURLTTL: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	signed, err := aliyun.NewClient(aliyun.Config{
		RegionID: "cn-shanghai", Endpoint: srv.URL,
		Credentials: aliyun.Credentials{AccessKeyID: iotsim.DefaultAccessKeyID, AccessKeySecret: iotsim.DefaultAccessKeySecret},
		Quotas:      aliyun.NewQuotaRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	client := iot.New(signed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	product, err := client.CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_fleet_lamp", NodeType: iot.NodeTypeDevice})
	if err != nil {
		t.Fatal(err)
	}
	key := fleet.Key{Account: "sim", ProductKey: product.ProductKey}
	before := callsOf(sim)

	woken := make(chan string, 200)
	r, err := fleet.NewRegistrar(fleet.RegistrarOptions{
		Journal: fleet.NewMemoryJournal(),
		Notify:  func(_ fleet.Key, name string) { woken <- name },
		Linger:  50 * time.Millisecond,
		// Longer than the simulator's phases, so one poll ends each.
		PollInterval: 100 * time.Millisecond,
		// The simulator's batches take milliseconds: RegisterDevice
		// clears no backlog faster, so every name goes to a batch.
		BatchEstimate: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = r.Start(ctx) }()
	defer func() { cancel(); <-stopped }()

	names := make([]string, 200)
	for i := range names {
		names[i] = fmt.Sprintf("lamp-%04d", i)
		if reg := r.Register(client, key, names[i], fmt.Sprintf("lamp_%d", i)); !reg.Pending() {
			t.Fatalf("%s: %+v, want pending", names[i], reg)
		}
	}
	timeout := time.After(30 * time.Second)
	for range names {
		select {
		case <-woken:
		case <-timeout:
			t.Fatal("not every device was woken within 30 s")
		}
	}
	registered := map[string]fleet.Registration{}
	for _, n := range names {
		reg := r.Peek(key, n)
		if reg.Phase != fleet.PhaseRegistered || reg.IotID == "" || reg.DeviceSecret.Reveal() == "" {
			t.Fatalf("%s: %+v, want Registered with IotId and secret", n, reg)
		}
		registered[n] = reg
	}
	afterRegister := callsOf(sim)
	t.Logf("registration calls: %v", afterRegister.byAction)
	if n := afterRegister.total - before.total; n > 10 {
		t.Errorf("registering 200 devices took %d API calls, want ≤ 10: %v", n, afterRegister.byAction)
	}

	o := fleet.NewObserver(fleet.ObserverOptions{MaxAge: time.Minute})
	for _, n := range names {
		obs, found, err := o.Get(ctx, client, key, n)
		if err != nil || !found {
			t.Fatalf("%s: found=%v err=%v", n, found, err)
		}
		want := registered[n]
		if obs.IotID != want.IotID || obs.DeviceSecret.Reveal() != want.DeviceSecret.Reveal() || obs.Status != iot.DeviceStatusUnactive {
			t.Errorf("%s: observed %+v, registered %+v", n, obs, want)
		}
	}
	afterObserve := callsOf(sim)
	if n := afterObserve.total - afterRegister.total; n != 4 {
		t.Errorf("observing 200 devices took %d calls, want 4 QueryDevice pages: %v", n, afterObserve.byAction)
	}
	if afterObserve.throttled != 0 {
		t.Errorf("%d calls were throttled", afterObserve.throttled)
	}
}

type simCalls struct {
	total, throttled int64
	byAction         map[string]int64
}

var fleetActions = []string{"BatchCheckDeviceNames", "BatchRegisterDeviceWithApplyId", "QueryBatchRegisterDeviceStatus",
	"QueryPageByApplyId", "QueryDevice", "BatchQueryDeviceDetail", "RegisterDevice", "QueryDeviceDetail"}

func callsOf(sim *iotsim.Simulator) simCalls {
	c := simCalls{byAction: map[string]int64{}}
	for _, a := range fleetActions {
		c.byAction[a] = sim.Calls(a)
		c.total += sim.Calls(a)
		c.throttled += sim.Throttled(a)
	}
	return c
}
