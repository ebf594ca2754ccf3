package iotsim

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// BenchmarkQueryDeviceDetailHTTP measures QueryDeviceDetail through the
// whole HTTP path: a real TCP listener, a signed request per call, signature
// and nonce checks, JSON answer. Quotas off, so the simulator is measured,
// not its flow control. Run:
//
//	go test -run '^$' -bench QueryDeviceDetailHTTP -benchtime 5s ./internal/iotsim/
func BenchmarkQueryDeviceDetailHTTP(b *testing.B) {
	sim, err := New(Options{Quotas: false})
	if err != nil {
		b.Fatal(err)
	}
	e := &env{t: b, sim: sim, srv: httptest.NewServer(sim), key: DefaultAccessKey, region: "cn-shanghai"}
	defer e.srv.Close()
	pk := e.product("bench_prod")
	for i := range 1000 {
		e.device(pk, fmt.Sprintf("bench-%04d", i))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			v := signed(DefaultAccessKey, http.MethodGet, "cn-shanghai", map[string]string{
				"Action": "QueryDeviceDetail", "ProductKey": pk, "DeviceName": fmt.Sprintf("bench-%04d", i%1000)})
			resp, err := client.Get(e.srv.URL + "/?" + v.Encode())
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// TestHundredThousandDevicesFitInMemory registers 100,000 devices through
// the simulator's own registration path and reports the heap they take.
func TestHundredThousandDevicesFitInMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 100k-device fleet")
	}
	sim, _ := New(Options{})
	before := heapInUse()
	sim.mu.Lock()
	c := &call{s: sim, w: sim.world, now: time.Now(), key: DefaultAccessKey, inst: publicInstances[0]}
	p := &product{Product: Product{InstanceID: c.inst.ID, OwnerUID: DefaultUID, ProductKey: newProductKey(), ProductName: "fleet"}}
	sim.world.products[productKeyOf(p.InstanceID, p.ProductKey)] = p
	for i := range 100_000 {
		c.newDevice(p, fmt.Sprintf("fleet-device-%06d", i), "")
	}
	sim.mu.Unlock()
	used := heapInUse() - before
	mb := float64(used) / (1 << 20)
	t.Logf("100,000 devices: %.1f MB of heap in use (%.0f bytes per device)", mb, float64(used)/100_000)
	if mb >= 300 {
		t.Fatalf("100,000 devices take %.1f MB, want < 300", mb)
	}
	runtime.KeepAlive(sim)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
