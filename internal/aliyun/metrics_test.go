package aliyun

import (
	"context"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counterValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return float64(m.Histogram.GetSampleCount())
}

func TestMetricsCountCallsCodesThrottlesAndQuotaWaits(t *testing.T) {
	const action = "ListProductTags" // no other test uses it
	throttled := answer{503, `{"Code":"Throttling.User"}`}
	notFound := ok(`{"Success":false,"Code":"iot.prod.NotExistedProduct"}`)
	_, srv := newFakePlatform(t, throttled, ok(`{"Success":true}`), notFound)
	c, _ := newTestClient(t, srv)

	checks := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"calls OK", apiCalls.WithLabelValues(action, "OK"), 1},
		{"calls throttled", apiCalls.WithLabelValues(action, "Throttling.User"), 1},
		{"calls not found", apiCalls.WithLabelValues(action, "iot.prod.NotExistedProduct"), 1},
		{"throttled answers", apiThrottled.WithLabelValues(action), 1},
		{"retries", apiRetries.WithLabelValues(action), 1},
		{"latency observations", apiCallDuration.WithLabelValues(action).(prometheus.Histogram), 3},
		{"quota wait observations", quotaWait.WithLabelValues(action).(prometheus.Histogram), 3},
	}
	// The metrics are the process's own: measure what these calls add, so
	// the test holds however often it runs in one process (-count).
	before := make([]float64, len(checks))
	for i, ch := range checks {
		before[i] = counterValue(t, ch.c)
	}

	_ = c.Do(context.Background(), Request{Action: action}, nil) // throttled, then OK
	_ = c.Do(context.Background(), Request{Action: action}, nil) // not found

	for i, ch := range checks {
		if got := counterValue(t, ch.c) - before[i]; got != ch.want {
			t.Errorf("%s grew by %v, want %v", ch.name, got, ch.want)
		}
	}
}

// The code label is a bounded set: the platform (or anything answering in
// its place) can send any code, and each new label value is a new series
// held for the life of the process.
func TestTheCodeLabelIsBounded(t *testing.T) {
	if got := metricCode(&Error{Code: "iot.prod.InvalidNodeType"}); got != "iot.prod.InvalidNodeType" {
		t.Errorf("a known code is labelled %q", got)
	}
	if got := metricCode(&Error{Code: "IOT.PROD.INVALIDNODETYPE"}); got != "iot.prod.InvalidNodeType" {
		t.Errorf("another spelling of a known code is labelled %q, want the first spelling", got)
	}
	if got := metricCode(&Error{Code: "Throttling.User"}); got != "Throttling.User" {
		t.Errorf("the gateway's throttling code is labelled %q", got)
	}
	seen := map[string]bool{}
	for i := range 1000 {
		seen[metricCode(&Error{Code: "iot.random.Code" + strconv.Itoa(i)})] = true
	}
	if len(seen) != 1 || !seen[otherCode] {
		t.Errorf("1,000 unknown codes made the labels %v, want only %q", seen, otherCode)
	}
}
