package iotsim

import (
	"sync"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// limiter enforces the documented QPS of each action per account (the UID:
// every key of an account draws on the same buckets, as RAM users share
// their account's quota, 004 L7857–7859). Each bucket refills at QPS tokens
// per second and holds at most QPS tokens, so more than QPS calls within one
// second are refused however they are spread.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}} }

// allow takes a token for the call, if there is one. pageOffset is
// CurrentPage × PageSize: deep pages of QueryProductList and QueryDevice
// draw on a separate, slower bucket (2 QPS, L8762–8765, L12068–12075).
func (l *limiter) allow(uid, action string, pageOffset int, now time.Time) bool {
	qps, ok := aliyun.QuotaFor(action, pageOffset)
	if !ok || qps <= 0 {
		return true
	}
	key := uid + "\x00" + action
	if q := aliyun.Quotas[action]; q.DeepPageQPS > 0 && pageOffset >= aliyun.DeepPageOffset {
		key += "\x00deep"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: qps, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(qps, b.tokens+elapsed*qps)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets = map[string]*bucket{}
}
