package aliyun

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestASharePacesAtThatFractionOfTheQuota(t *testing.T) {
	r := NewQuotaRegistry()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.ReserveShare(now, "ak", "UpdateProduct", 0, 0.5) // 10 QPS
	if d, _ := r.ReserveShare(now, "ak", "UpdateProduct", 0, 0.5); d != 200*time.Millisecond {
		t.Errorf("at half of 10 QPS the next call waits %v, want 200ms", d)
	}
	// All of the quota is never taken: MaxQuotaShare is the margin.
	r2 := NewQuotaRegistry()
	r2.ReserveShare(now, "ak", "UpdateProduct", 0, 1)
	perCall := 1 / (10 * MaxQuotaShare)
	want := time.Duration(perCall * float64(time.Second))
	if d, _ := r2.ReserveShare(now, "ak", "UpdateProduct", 0, 1); d != want {
		t.Errorf("at a share of 1 the next call waits %v, want 1/(0.9×10 QPS)", d)
	}
	// Use is reported against the share.
	r3, clk := NewQuotaRegistry(), newFakeClock()
	for range 2 {
		if _, err := r3.wait(context.Background(), clk, "ak", "UpdateProduct", 0, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	if got := r3.QuotaUse(clk.Now())["UpdateProduct"]; got != 2.0/(10*0.5*60) {
		t.Errorf("use %v, want 2 calls over a minute of 5 QPS", got)
	}
}

func TestAShareOutsideZeroToOneIsRefused(t *testing.T) {
	for _, share := range []float64{-0.1, 1.5} {
		if _, err := NewClient(Config{RegionID: "cn-shanghai", Credentials: testCreds, QuotaShare: share}); err == nil {
			t.Errorf("share %v accepted", share)
		}
	}
	if _, err := SharePercent(101); err == nil {
		t.Error("101% accepted")
	}
	if s, err := SharePercent(60); err != nil || s != 0.6 {
		t.Errorf("SharePercent(60) = %v, %v", s, err)
	}
}

// The margin holds for every documented quota: calls reserved back to
// back, each arriving up to 100 ms late at random, never put more than the
// documented N inside any one second of arrivals, even at a share of 100%.
func TestNoSecondOfArrivalsExceedsTheQuotaWithJitter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, qps := range []float64{1, 2, 5, 10, 30, 50, 500} {
		r := NewQuotaRegistry()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var arrivals []time.Duration
		for range int(qps*20) + 5 {
			// A fake action with this quota: the registry reads Quotas.
			d, _ := r.reserveAt(now, qps, 1)
			jitter := time.Duration(rng.Float64() * JitterAllowance * float64(time.Second))
			arrivals = append(arrivals, d+jitter)
		}
		sort.Slice(arrivals, func(i, j int) bool { return arrivals[i] < arrivals[j] })
		most := 0
		for i := range arrivals {
			n := sort.Search(len(arrivals), func(j int) bool { return arrivals[j] >= arrivals[i]+time.Second }) - i
			most = max(most, n)
		}
		if most > int(qps) {
			t.Errorf("%v QPS: %d calls arrived within one second", qps, most)
		}
	}
}

// reserveAt reserves one call of an action whose documented quota is qps,
// at share, without the table: for tests of the pacing itself.
func (r *QuotaRegistry) reserveAt(now time.Time, qps, share float64) (time.Duration, func()) {
	r.mu.Lock()
	l := r.limiterLocked(now, quotaKey{accessKeyID: "test", action: "test"}, qps*EffectiveShare(share))
	r.mu.Unlock()
	res := l.ReserveN(now, 1)
	return res.DelayFrom(now), func() { res.CancelAt(now) }
}
