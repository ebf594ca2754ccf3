package aliyun

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestQuotaUseIsCallsInTheLastMinuteOverKiotsShareOfTheQPS(t *testing.T) {
	r := NewQuotaRegistry()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sendEvery := func(ak, action string, n int, every time.Duration) {
		for i := range n {
			r.use.sent(ak, action, t0.Add(time.Duration(i)*every))
		}
	}
	// 96 calls of a 2-QPS action fill one minute at the default share
	// (80%): Kiot is at its share of the account's quota. Another
	// account's 30 calls do not lower the verdict.
	sendEvery("ak1", "CreateDeviceDistributeJob", 96, 625*time.Millisecond)
	sendEvery("ak2", "CreateDeviceDistributeJob", 30, 625*time.Millisecond)
	// 12 calls of a 10-QPS action: 12 / 480.
	sendEvery("ak1", "UpdateProduct", 12, 100*time.Millisecond)

	got := r.QuotaUse(t0.Add(59400 * time.Millisecond))
	want := map[string]float64{"CreateDeviceDistributeJob": 1, "UpdateProduct": 0.025}
	for action, ratio := range want {
		if got[action] != ratio {
			t.Errorf("%s: use %v, want %v (all: %v)", action, got[action], ratio, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("use reported for %v, want only the actions called", got)
	}
	// 30s on, the calls of the first 30 seconds have left the window.
	if got := r.QuotaUse(t0.Add(89400 * time.Millisecond))["CreateDeviceDistributeJob"]; got != 0.5 {
		t.Errorf("30s later: use %v, want 0.5", got)
	}
	for action, ratio := range r.QuotaUse(t0.Add(2 * time.Minute)) {
		if ratio != 0 {
			t.Errorf("%s: use %v a minute after the last call, want 0", action, ratio)
		}
	}
}

// Through the client's wait: a call is counted when its quota lets it go,
// and a call that gave up waiting is not counted.
func TestQuotaUseCountsCallsTheQuotaLetThrough(t *testing.T) {
	r := NewQuotaRegistry()
	clk := newFakeClock()
	for range 3 {
		if _, err := r.wait(context.Background(), clk, "ak", "CreateDeviceDistributeJob", 0, 0); err != nil { // 2 QPS
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.wait(cancelled, clk, "ak", "CreateDeviceDistributeJob", 0, 0); err == nil {
		t.Fatal("a wait on a cancelled context succeeded")
	}
	if got := r.QuotaUse(clk.Now())["CreateDeviceDistributeJob"]; got != 3.0/96 {
		t.Errorf("use %v, want 3/96 (80%% of 2 QPS over a minute)", got)
	}
}

func TestQuotaCollectorExportsUseAndTheDocumentedQPS(t *testing.T) {
	r := NewQuotaRegistry()
	clk := newFakeClock()
	if _, err := r.wait(context.Background(), clk, "ak", "QueryDeviceProvisioning", 0, 0); err != nil { // 50 QPS
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(quotaCollector{registry: r, now: clk.Now})
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]map[string]float64{}
	for _, f := range families {
		values[f.GetName()] = map[string]float64{}
		for _, m := range f.GetMetric() {
			values[f.GetName()][m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	if got := values["kiot_iot_quota_use_ratio"]; len(got) != 1 || got["QueryDeviceProvisioning"] != 1.0/(50*0.8*60) {
		t.Errorf("use: %v, want QueryDeviceProvisioning at 1/2400", got)
	}
	if got := values["kiot_iot_api_quota_qps"]; len(got) != len(Quotas) || got["BatchQueryDeviceDetail"] != 5 {
		t.Errorf("quota table: %d actions, BatchQueryDeviceDetail %v; want %d and 5", len(got), got["BatchQueryDeviceDetail"], len(Quotas))
	}
}
