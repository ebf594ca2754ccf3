package aliyun

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/utils/clock"
)

// QuotaRegistry holds one token bucket per (AccessKeyId, action, tier),
// filled at the documented QPS of Quotas. The platform counts calls per
// account (004 L7857–7859), so every Client that signs with the same
// AccessKeyId must draw on the same bucket: share one registry per process.
//
// Buckets have a burst of 1 and fill at the caller's share of the
// documented QPS (quota_share.go), at most 0.9 of it. A server that
// enforces "N queries per second" over any one-second window then never
// sees more than N from Kiot, even with arrivals jittered by 100 ms, at the
// price of spacing calls apart even when the account is idle.
type QuotaRegistry struct {
	mu       sync.Mutex
	limiters map[quotaKey]*rate.Limiter
	// shares is the share each AccessKeyId's buckets last filled at.
	shares map[string]float64
	// use counts the calls let through, for kiot_iot_quota_use_ratio.
	use quotaUse
}

type quotaKey struct {
	accessKeyID string
	action      string
	deep        bool
}

// UndocumentedQPS paces an action absent from Quotas. Every operation Kiot
// calls has a row (a test in internal/iot checks it), so this is a guard
// against a new action slipping in, not a limit anyone relies on.
const UndocumentedQPS = 1

// DefaultQuotaRegistry is shared by every Client built without a registry of
// its own.
var DefaultQuotaRegistry = NewQuotaRegistry()

// NewQuotaRegistry returns an empty registry; buckets are made on first use.
func NewQuotaRegistry() *QuotaRegistry {
	return &QuotaRegistry{limiters: map[quotaKey]*rate.Limiter{}, shares: map[string]float64{}}
}

// limitersFor returns the buckets a call draws from: the action's own and,
// for a deep page of QueryProductList or QueryDevice, also the deep-page one
// (a deep page surely still counts against the ordinary limit too). They
// fill at share (0: the default) of the documented QPS; the AccessKeyId's
// buckets take the share of the call that uses them (ProviderConfigs that
// share an AccessKey should give the same).
func (r *QuotaRegistry) limitersFor(now time.Time, accessKeyID, action string, pageOffset int, share float64) []*rate.Limiter {
	qps, ok := QuotaFor(action, 0)
	if !ok {
		qps = UndocumentedQPS
	}
	share = EffectiveShare(share)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shares[accessKeyID] = share
	out := []*rate.Limiter{r.limiterLocked(now, quotaKey{accessKeyID, action, false}, qps*share)}
	if deepQPS, _ := QuotaFor(action, pageOffset); ok && deepQPS != qps {
		out = append(out, r.limiterLocked(now, quotaKey{accessKeyID, action, true}, deepQPS*share))
	}
	return out
}

func (r *QuotaRegistry) limiterLocked(now time.Time, k quotaKey, qps float64) *rate.Limiter {
	l, ok := r.limiters[k]
	if !ok {
		l = rate.NewLimiter(rate.Limit(qps), 1)
		r.limiters[k] = l
	} else if l.Limit() != rate.Limit(qps) {
		l.SetLimitAt(now, rate.Limit(qps))
	}
	return l
}

// Reserve takes one token from each bucket the call draws on at now, at the
// default share, and returns how long the caller must wait before sending,
// plus a cancel that hands the tokens back if it gives up waiting.
func (r *QuotaRegistry) Reserve(now time.Time, accessKeyID, action string, pageOffset int) (delay time.Duration, cancel func()) {
	return r.ReserveShare(now, accessKeyID, action, pageOffset, 0)
}

// ReserveShare is Reserve at share of the documented QPS (0: the default).
func (r *QuotaRegistry) ReserveShare(now time.Time, accessKeyID, action string, pageOffset int, share float64) (delay time.Duration, cancel func()) {
	limiters := r.limitersFor(now, accessKeyID, action, pageOffset, share)
	reservations := make([]*rate.Reservation, 0, len(limiters))
	for _, l := range limiters {
		res := l.ReserveN(now, 1)
		reservations = append(reservations, res)
		delay = max(delay, res.DelayFrom(now))
	}
	return delay, func() {
		for _, res := range reservations {
			res.CancelAt(now)
		}
	}
}

// wait blocks until the call may be sent, or ctx is done. It returns the
// time it waited.
func (r *QuotaRegistry) wait(ctx context.Context, clk clock.Clock, accessKeyID, action string, pageOffset int, share float64) (time.Duration, error) {
	now := clk.Now()
	delay, cancel := r.ReserveShare(now, accessKeyID, action, pageOffset, share)
	if delay <= 0 {
		r.use.sent(accessKeyID, action, now)
		return 0, nil
	}
	if err := sleep(ctx, clk, delay); err != nil {
		cancel()
		return 0, err
	}
	r.use.sent(accessKeyID, action, now.Add(delay))
	return delay, nil
}
