package aliyun

import (
	"context"
	"net/url"
	"testing"
)

// BenchmarkSignRequest is the whole signing of a typical call as the client
// does it: common parameters, canonical query, HMAC and encoding.
func BenchmarkSignRequest(b *testing.B) {
	c, err := NewClient(Config{RegionID: "cn-shanghai", IotInstanceID: "iot-06z00ax1o4f****", Credentials: testCreds})
	if err != nil {
		b.Fatal(err)
	}
	req := Request{Action: "RegisterDevice", Params: url.Values{
		"ProductKey": {"a1rYuVF****"}, "DeviceName": {"light-0001"}, "Nickname": {"detectors_in_beijing"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.sign(req)
	}
}

// BenchmarkDoRoundTrip is one call against a local server: signing, HTTP
// over a kept-alive connection, decoding. The quota waits run on a fake
// clock, so the benchmark measures the client, not the 500-QPS pacing.
func BenchmarkDoRoundTrip(b *testing.B) {
	platform := &fakePlatform{t: &testing.T{}, secret: testCreds.AccessKeySecret,
		answers: []answer{ok(`{"RequestId":"R","Success":true,"Data":{"IotId":"x","DeviceName":"light"}}`)}}
	srv := newBenchServer(b, platform)
	clock := newFakeClock() // quota waits advance fake time, not the benchmark's
	c, err := NewClient(Config{RegionID: "cn-shanghai", Endpoint: srv, Credentials: testCreds, Quotas: NewQuotaRegistry(), Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	req := Request{Action: "QueryDeviceInfo", Params: url.Values{"ProductKey": {"pk"}, "DeviceName": {"light"}}}
	var out struct {
		Data struct{ IotId, DeviceName string }
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(context.Background(), req, &out); err != nil {
			b.Fatal(err)
		}
	}
}
