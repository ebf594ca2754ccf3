package aliyun

import (
	"maps"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// QuotaUseWindow is the span over which quota use is measured: long enough
// that one scrape in a minute sees every call, short enough to show a burst.
const QuotaUseWindow = 60 * time.Second

const useBuckets = int(QuotaUseWindow / time.Second)

// useWindow counts the calls sent in each of the last 60 seconds.
type useWindow struct {
	counts [useBuckets]int
	second [useBuckets]int64
}

func (w *useWindow) add(at time.Time) {
	sec := at.Unix()
	i := int(sec % int64(useBuckets))
	if w.second[i] != sec {
		w.second[i], w.counts[i] = sec, 0
	}
	w.counts[i]++
}

// total is the number of calls sent in the window ending at now.
func (w *useWindow) total(now time.Time) int {
	n, sec := 0, now.Unix()
	for i := range w.counts {
		if age := sec - w.second[i]; age >= 0 && age < int64(useBuckets) {
			n += w.counts[i]
		}
	}
	return n
}

// quotaUse records, per (AccessKeyId, action), when calls were let through.
type quotaUse struct {
	mu      sync.Mutex
	windows map[quotaKey]*useWindow
}

// sent records one call of action let through at at.
func (u *quotaUse) sent(accessKeyID, action string, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.windows == nil {
		u.windows = map[quotaKey]*useWindow{}
	}
	k := quotaKey{accessKeyID: accessKeyID, action: action}
	w, ok := u.windows[k]
	if !ok {
		w = &useWindow{}
		u.windows[k] = w
	}
	w.add(at)
}

// QuotaUse returns, per action ever called, the calls sent in the
// QuotaUseWindow ending at now as a fraction of what the action's
// documented QPS allows in it, for the account closest to its limit (the
// platform counts per account). Kiot paces itself by the same quota, so the
// value stays at or below about 1; at 1 calls queue for their quota
// (kiot_iot_quota_wait_seconds grows).
func (r *QuotaRegistry) QuotaUse(now time.Time) map[string]float64 {
	r.mu.Lock()
	shares := maps.Clone(r.shares)
	r.mu.Unlock()
	r.use.mu.Lock()
	defer r.use.mu.Unlock()
	out := map[string]float64{}
	for k, w := range r.use.windows {
		qps, ok := QuotaFor(k.action, 0)
		if !ok {
			qps = UndocumentedQPS
		}
		share := shares[k.accessKeyID]
		if share == 0 {
			share = EffectiveShare(0)
		}
		ratio := float64(w.total(now)) / (qps * share * QuotaUseWindow.Seconds())
		out[k.action] = max(out[k.action], ratio)
	}
	return out
}

var (
	quotaUseDesc = prometheus.NewDesc("kiot_iot_quota_use_ratio",
		"Calls sent in the last 60s as a fraction of what Kiot's share of the action's documented QPS allows, for the account closest to its limit.",
		[]string{"action"}, nil)
	quotaQPSDesc = prometheus.NewDesc("kiot_iot_api_quota_qps",
		"The documented queries per second per account of each IoT Platform action (deep pages of QueryProductList and QueryDevice excepted).",
		[]string{"action"}, nil)
)

// quotaCollector reports the use of DefaultQuotaRegistry, the one every
// Client of the operator shares, at scrape time, and the quota table.
type quotaCollector struct {
	registry *QuotaRegistry
	now      func() time.Time
}

func (c quotaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- quotaUseDesc
	ch <- quotaQPSDesc
}

func (c quotaCollector) Collect(ch chan<- prometheus.Metric) {
	for action, ratio := range c.registry.QuotaUse(c.now()) {
		ch <- prometheus.MustNewConstMetric(quotaUseDesc, prometheus.GaugeValue, ratio, action)
	}
	for action, q := range Quotas {
		ch <- prometheus.MustNewConstMetric(quotaQPSDesc, prometheus.GaugeValue, q.QPS, action)
	}
}

func init() {
	metrics.Registry.MustRegister(quotaCollector{registry: DefaultQuotaRegistry, now: time.Now})
}
