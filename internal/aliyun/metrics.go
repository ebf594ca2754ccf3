package aliyun

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics of the IoT Platform client, on the controller-runtime registry so
// the manager's /metrics endpoint serves them. Labels are the action and the
// platform's code only: bounded sets, and nothing secret or per-object.
var (
	apiCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kiot_iot_api_calls_total",
		Help: "HTTP exchanges with the IoT Platform, by action and result code (OK, the platform's error code when Kiot knows it, other for any other code, HTTPnnn, or a transport failure).",
	}, []string{"action", "code"})

	apiCallDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kiot_iot_api_call_duration_seconds",
		Help:    "Duration of one HTTP exchange with the IoT Platform, quota waits excluded.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
	}, []string{"action"})

	apiThrottled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kiot_iot_api_throttled_total",
		Help: "Answers of the IoT Platform that refused a call for flow control.",
	}, []string{"action"})

	apiRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kiot_iot_api_retries_total",
		Help: "Calls repeated by the client after a throttled or transient failure.",
	}, []string{"action"})

	writesWithheld = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kiot_iot_writes_withheld_total",
		Help: "Calls that would change the platform and were not sent, because this replica's leader lease was not known to be held (never renewed, or last renewed a renew deadline ago or more).",
	}, []string{"action"})

	quotaWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kiot_iot_quota_wait_seconds",
		Help:    "Time a call waited for its client-side quota token before being sent.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
	}, []string{"action"})
)

// init registers once per process; tests build as many Clients as they like
// without touching the registry again.
func init() {
	metrics.Registry.MustRegister(apiCalls, apiCallDuration, apiThrottled, apiRetries, writesWithheld, quotaWait)
}

// metricCode is the code label of an attempt's outcome.
func metricCode(err error) string {
	if err == nil {
		return "OK"
	}
	if e, ok := err.(*Error); ok {
		switch {
		case e.Code != "":
			return codeLabel(e.Code)
		case e.HTTPStatus != 0:
			return "HTTP" + strconv.Itoa(e.HTTPStatus)
		}
	}
	return "TransportError"
}

func observeAttempt(action string, err error, took time.Duration) {
	apiCalls.WithLabelValues(action, metricCode(err)).Inc()
	apiCallDuration.WithLabelValues(action).Observe(took.Seconds())
	if IsThrottled(err) {
		apiThrottled.WithLabelValues(action).Inc()
	}
}

// otherCode is the code label of every code Kiot does not know.
const otherCode = "other"

// metricOnlyCodes are codes Kiot knows besides codeClass's: the members of
// its prefix families that the platform is documented to send.
var metricOnlyCodes = map[string]bool{
	"throttling":                 true,
	"throttling.user":            true,
	"throttling.api":             true,
	"iot.system.systemexception": true,
	"serviceunavailable":         true,
	"internalerror":              true,
}

// codeSpellings holds, per known code (lower-cased), the spelling the
// platform first used for it.
var codeSpellings sync.Map

// codeLabel bounds the code label: a code Kiot knows keeps the platform's
// spelling (one per code, so odd capitals cannot multiply the series);
// anything else, which an endpoint could vary without end, is "other".
func codeLabel(code string) string {
	lower := strings.ToLower(code)
	if _, known := codeClass[lower]; !known && !metricOnlyCodes[lower] {
		return otherCode
	}
	spelling, _ := codeSpellings.LoadOrStore(lower, code)
	return spelling.(string)
}
