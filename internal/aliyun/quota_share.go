package aliyun

import "fmt"

// The account's other applications and RAM users draw on the same
// per-account QPS as Kiot ("RAM users of an Alibaba Cloud account share the
// quota of the account", 004 L7859), so Kiot takes a share of each action's
// documented QPS, never all of it.
const (
	// DefaultQuotaShare is the fraction of every action's documented QPS
	// Kiot uses unless the operator's --quota-share-percent or a
	// ProviderConfig's spec.quotaSharePercent says otherwise.
	DefaultQuotaShare = 0.8
	// MaxQuotaShare caps any share, and is the margin against jitter: calls
	// leave a bucket at rate r spaced 1/r apart, and when their arrivals at
	// the platform jitter by up to 100 ms, any one second of arrivals holds
	// at most floor(1.1·r)+1 of them. That is at most the documented N
	// while r < N/1.1, which 0.9·N is, for every N (1 QPS included). A
	// share of 100% so still leaves a tenth of the quota unused.
	MaxQuotaShare = 0.9
	// JitterAllowance is the arrival jitter MaxQuotaShare is sized for.
	JitterAllowance = 0.1 // seconds
)

// EffectiveShare is the fraction of the documented QPS a bucket fills at
// for the configured share (0: the default).
func EffectiveShare(share float64) float64 {
	if share <= 0 {
		share = DefaultQuotaShare
	}
	return min(share, MaxQuotaShare)
}

// SharePercent turns a percentage (the operator flag, a ProviderConfig
// field) into a share; 0 means the default.
func SharePercent(percent int32) (float64, error) {
	if percent < 0 || percent > 100 {
		return 0, fmt.Errorf("a quota share is a percentage from 1 to 100, not %d", percent)
	}
	return float64(percent) / 100, nil
}
