package aliyun

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"
)

func TestQuotaTableRowsAreUsable(t *testing.T) {
	for action, q := range Quotas {
		if q.QPS <= 0 || strings.TrimSpace(q.Source) == "" {
			t.Errorf("%s: QPS %v, source %q", action, q.QPS, q.Source)
		}
	}
}

// spacing is the interval between two calls of a qps action at the
// default share (80%).
func spacing(qps float64) time.Duration {
	return time.Duration(float64(time.Second) / (qps * DefaultQuotaShare))
}

// Pacing is asserted by counting reservations, not by timing: five calls
// reserved at one instant to a 2-QPS action must be spread over 2.5 s (80%
// of 2 QPS).
func TestReservationsPaceAtTheShareOfTheDocumentedQPS(t *testing.T) {
	r := NewQuotaRegistry()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var delays []time.Duration
	for range 5 {
		d, _ := r.Reserve(now, "ak", "CreateDeviceDistributeJob", 0) // 2 QPS, 003:L31
		delays = append(delays, d)
	}
	want := []time.Duration{0, spacing(2), 2 * spacing(2), 3 * spacing(2), 4 * spacing(2)}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays %v, want %v", delays, want)
		}
	}
}

func TestQuotaIsSharedPerAccessKeyAndAction(t *testing.T) {
	r := NewQuotaRegistry()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.Reserve(now, "ak1", "UpdateProduct", 0) // 10 QPS
	if d, _ := r.Reserve(now, "ak1", "UpdateProduct", 0); d != spacing(10) {
		t.Errorf("same key and action: delay %v, want %v", d, spacing(10))
	}
	if d, _ := r.Reserve(now, "ak2", "UpdateProduct", 0); d != 0 {
		t.Errorf("another AccessKeyId waited %v", d)
	}
	if d, _ := r.Reserve(now, "ak1", "QueryProduct", 0); d != 0 {
		t.Errorf("another action waited %v", d)
	}
}

func TestDeepPagesUseTheDeepPageQuota(t *testing.T) {
	r := NewQuotaRegistry()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	deep := pageOffset(url.Values{"CurrentPage": {"2000"}, "PageSize": {"50"}})
	r.Reserve(now, "ak", "QueryDevice", deep)
	if d, _ := r.Reserve(now, "ak", "QueryDevice", deep); d != spacing(2) {
		t.Errorf("second deep page waits %v, want %v (2 QPS, L12068–12075)", d, spacing(2))
	}
}

func TestCancelledReservationReturnsTheToken(t *testing.T) {
	r := NewQuotaRegistry()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.Reserve(now, "ak", "CreateDeviceDistributeJob", 0)
	_, cancel := r.Reserve(now, "ak", "CreateDeviceDistributeJob", 0)
	cancel()
	if d, _ := r.Reserve(now, "ak", "CreateDeviceDistributeJob", 0); d != spacing(2) {
		t.Errorf("after a cancelled reservation the next waits %v, want %v", d, spacing(2))
	}
}

// Through the client: N calls to a 2-QPS action advance the fake clock by
// (N-1)/(2×0.8) seconds, and two clients of one account share the budget.
func TestClientsOfOneAccountSharePacing(t *testing.T) {
	platform, srv := newFakePlatform(t)
	registry := NewQuotaRegistry()
	clock := newFakeClock()
	shared := func(cfg *Config) { cfg.Quotas = registry; cfg.Clock = clock }
	a, _ := newTestClient(t, srv, shared)
	b, _ := newTestClient(t, srv, shared)
	start := clock.Now()
	for i := range 6 {
		c := a
		if i%2 == 1 {
			c = b
		}
		if err := c.Do(context.Background(), Request{Action: "CreateDeviceDistributeJob"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := clock.Since(start), 5*spacing(2); got != want {
		t.Errorf("6 calls at 80%% of 2 QPS took %v of fake time, want %v", got, want)
	}
	if n := len(platform.requests()); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
}

func TestQuotaWaitHonoursCancellation(t *testing.T) {
	platform, srv := newFakePlatform(t)
	c, _ := newTestClient(t, srv, func(cfg *Config) { cfg.Clock = clock.RealClock{} })
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Do(ctx, Request{Action: "CreateDeviceDistributeJob"}, nil); err != nil {
		t.Fatal(err)
	}
	cancel() // the next call would wait 500 ms for its token
	err := c.Do(ctx, Request{Action: "CreateDeviceDistributeJob"}, nil)
	if err == nil || !strings.Contains(err.Error(), "waiting for quota") {
		t.Fatalf("error %v, want a cancelled quota wait", err)
	}
	if n := len(platform.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
