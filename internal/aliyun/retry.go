package aliyun

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy bounds how a Client repeats a call that failed in a way a
// repetition may cure: flow control, and transient platform or network
// failures (the latter only for calls that are safe to repeat).
//
// Retries here are short and few on purpose: they absorb a blip within one
// reconcile. Anything longer is the controller's business, through its
// workqueue's backoff, so a throttled account does not pile up blocked
// reconcilers.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt: 4 means up to 3 retries.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry; it doubles after
	// each attempt up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Jitter returns a float in [0, 1). It defaults to math/rand; tests fix it.
	Jitter func() float64
}

// DefaultRetryPolicy retries up to 3 times, backing off about 0.2 s, 0.4 s
// and 0.8 s: long enough for a one-second flow-control window to pass,
// short enough that a reconcile does not stall.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second}
}

// Backoff is the wait before attempt number attempt+1, after attempt
// failures. It is "equal jitter": half the exponential step is kept, the
// other half is random, so many clients throttled at the same moment spread
// out while each still waits a guaranteed minimum.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	step := p.BaseDelay
	for i := 1; i < attempt && step < p.MaxDelay; i++ {
		step *= 2
	}
	step = min(step, p.MaxDelay)
	jitter := p.Jitter
	if jitter == nil {
		jitter = rand.Float64
	}
	half := step / 2
	return half + time.Duration(jitter()*float64(step-half))
}

// shouldRetry decides whether a failed attempt is repeated. Throttled calls
// were refused before they ran, so any call may be repeated. A transient
// failure may have happened after the platform acted, so only calls that
// are safe to repeat are.
func (p RetryPolicy) shouldRetry(err error, req Request, attempt int) bool {
	if attempt >= p.MaxAttempts {
		return false
	}
	switch ClassOf(err) {
	case ClassThrottled:
		return true
	case ClassRetryable:
		return !req.NotIdempotent
	}
	return false
}
