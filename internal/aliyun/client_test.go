package aliyun

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestDoSendsSignedCommonParameters(t *testing.T) {
	manyNames := url.Values{"ProductKey": {"pk"}}
	for i := 1; i <= 10000; i++ {
		manyNames.Set(fmt.Sprintf("DeviceName.%d", i), fmt.Sprintf("device-%05d", i))
	}
	cases := []struct {
		name         string
		req          Request
		wantMethod   string
		wantRegion   string
		wantInstance string
	}{
		{
			name:         "short call is a GET with the instance",
			req:          Request{Action: "QueryProduct", Params: url.Values{"ProductKey": {"a1 b*~/ü"}}},
			wantMethod:   http.MethodGet,
			wantRegion:   "cn-hangzhou",
			wantInstance: "iot-instance-1",
		},
		{
			name:         "10,000 names go as a POST form",
			req:          Request{Action: "BatchCheckDeviceNames", Params: manyNames},
			wantMethod:   http.MethodPost,
			wantRegion:   "cn-hangzhou",
			wantInstance: "iot-instance-1",
		},
		{
			name:       "a pinned operation sends its region to the override host, without the instance",
			req:        Request{Action: "QueryDeviceDistributeJob", Params: url.Values{"JobId": {"j1"}}, Region: "cn-shanghai", WithoutInstanceID: true},
			wantMethod: http.MethodGet,
			wantRegion: "cn-shanghai",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			platform, srv := newFakePlatform(t)
			c, clock := newTestClient(t, srv)
			if err := c.Do(context.Background(), tc.req, nil); err != nil {
				t.Fatalf("Do: %v", err)
			}
			got := platform.requests()
			if len(got) != 1 {
				t.Fatalf("%d requests, want 1", len(got))
			}
			r := got[0]
			if r.method != tc.wantMethod {
				t.Errorf("method %s, want %s", r.method, tc.wantMethod)
			}
			if want := strings.TrimPrefix(srv.URL, "http://"); r.host != want {
				t.Errorf("host %s, want the override %s", r.host, want)
			}
			want := map[string]string{
				"Action":           tc.req.Action,
				"Format":           "JSON",
				"Version":          "2018-01-20",
				"SignatureMethod":  "HMAC-SHA1",
				"SignatureVersion": "1.0",
				"Timestamp":        clock.Now().UTC().Format("2006-01-02T15:04:05Z"),
				"RegionId":         tc.wantRegion,
				"AccessKeyId":      testCreds.AccessKeyID,
				"SecurityToken":    testCreds.SecurityToken,
				"IotInstanceId":    tc.wantInstance,
			}
			for k, v := range want {
				if r.params.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, r.params.Get(k), v)
				}
			}
			if r.params.Get("SignatureNonce") == "" {
				t.Error("no SignatureNonce")
			}
			for k, v := range tc.req.Params {
				if got := r.params[k]; len(got) != 1 || got[0] != v[0] {
					t.Errorf("operation parameter %s = %q, want %q", k, got, v)
					break
				}
			}
		})
	}
}

func TestNoncesAreUnique(t *testing.T) {
	platform, srv := newFakePlatform(t)
	c, _ := newTestClient(t, srv)
	for range 50 {
		if err := c.Do(context.Background(), Request{Action: "QueryDeviceInfo"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, r := range platform.requests() {
		n := r.params.Get("SignatureNonce")
		if seen[n] {
			t.Fatalf("nonce %s reused", n)
		}
		seen[n] = true
	}
}

func TestEndpoints(t *testing.T) {
	cfg := Config{RegionID: "ap-southeast-1"}
	if got, want := cfg.endpointFor("ap-southeast-1"), "https://iot.ap-southeast-1.aliyuncs.com"; got != want {
		t.Errorf("regional endpoint %s, want %s", got, want)
	}
	if got, want := cfg.endpointFor("cn-shanghai"), "https://iot.cn-shanghai.aliyuncs.com"; got != want {
		t.Errorf("pinned endpoint %s, want %s", got, want)
	}
	cfg.Endpoint = "http://127.0.0.1:18080/"
	if got, want := cfg.endpointFor("cn-shanghai"), "http://127.0.0.1:18080"; got != want {
		t.Errorf("override %s, want %s", got, want)
	}
}

func TestNewClientRefusesIncompleteConfig(t *testing.T) {
	cases := map[string]Config{
		"no region":    {Credentials: testCreds},
		"no secret":    {RegionID: "cn-shanghai", Credentials: Credentials{AccessKeyID: "id"}},
		"bad endpoint": {RegionID: "cn-shanghai", Credentials: testCreds, Endpoint: "127.0.0.1:18080"},
		"ftp endpoint": {RegionID: "cn-shanghai", Credentials: testCreds, Endpoint: "ftp://x"},
		// Zero takes the default; a negative bound would fail every call.
		"negative timeout":        {RegionID: "cn-shanghai", Credentials: testCreds, AttemptTimeout: -time.Second},
		"negative response bound": {RegionID: "cn-shanghai", Credentials: testCreds, MaxResponseBytes: -1},
		"negative POST threshold": {RegionID: "cn-shanghai", Credentials: testCreds, PostThreshold: -1},
	}
	for name, cfg := range cases {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%s: NewClient accepted it", name)
		} else if strings.Contains(err.Error(), testCreds.AccessKeySecret) {
			t.Errorf("%s: error leaks the secret", name)
		}
	}
}

func TestErrorShapes(t *testing.T) {
	cases := []struct {
		name   string
		answer answer
		want   Error
		class  Class
	}{
		{
			name:   "gateway shape",
			answer: answer{400, `{"RequestId":"R1","Code":"UnsupportedOperation","Message":"The specified action is not supported."}`},
			want:   Error{HTTPStatus: 400, Code: "UnsupportedOperation", Message: "The specified action is not supported.", RequestID: "R1"},
			class:  ClassTerminal,
		},
		{
			name:   "iot shape, HTTP 200",
			answer: ok(`{"RequestId":"R2","Success":false,"Code":"iot.prod.NotExistedProduct","ErrorMessage":"The product does not exist."}`),
			want:   Error{HTTPStatus: 200, Code: "iot.prod.NotExistedProduct", Message: "The product does not exist.", RequestID: "R2"},
			class:  ClassNotFound,
		},
		{
			name:   "Success as the string false (002:L131)",
			answer: ok(`{"RequestId":"R3","Success":"false","Code":"iot.provisioning.RunningTaskExcceedLimit","ErrorMessage":"too many"}`),
			want:   Error{HTTPStatus: 200, Code: CodeRunningTaskExceedLimit, Message: "too many", RequestID: "R3"},
			class:  ClassConflict,
		},
		{
			name:   "flow control",
			answer: answer{503, `{"RequestId":"R4","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`},
			want:   Error{HTTPStatus: 503, Code: "Throttling.User", Message: "Request was denied due to user flow control.", RequestID: "R4"},
			class:  ClassThrottled,
		},
		{
			name:   "a 5xx that is not JSON",
			answer: answer{502, `<html>bad gateway</html>`},
			want:   Error{HTTPStatus: 502, Message: "unreadable answer: Bad Gateway"},
			class:  ClassRetryable,
		},
		{
			name:   "iot.system.* is transient",
			answer: ok(`{"RequestId":"R5","Success":false,"Code":"iot.system.SystemException","ErrorMessage":"A system exception occurred."}`),
			want:   Error{HTTPStatus: 200, Code: "iot.system.SystemException", Message: "A system exception occurred.", RequestID: "R5"},
			class:  ClassRetryable,
		},
		{
			name:   "numeric code",
			answer: answer{400, `{"RequestId":"R6","Code":400,"Message":"odd"}`},
			want:   Error{HTTPStatus: 400, Code: "400", Message: "odd", RequestID: "R6"},
			class:  ClassUnknown,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newFakePlatform(t, tc.answer)
			c, _ := newTestClient(t, srv, func(cfg *Config) { cfg.Retry.MaxAttempts = 1 })
			err := c.Do(context.Background(), Request{Action: "QueryProduct"}, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if e.Action != "QueryProduct" || e.HTTPStatus != tc.want.HTTPStatus || e.Code != tc.want.Code ||
				e.Message != tc.want.Message || e.RequestID != tc.want.RequestID {
				t.Errorf("got %+v\nwant %+v", *e, tc.want)
			}
			if e.Class() != tc.class {
				t.Errorf("class %v, want %v", e.Class(), tc.class)
			}
		})
	}
}

func TestSuccessShapes(t *testing.T) {
	cases := map[string]string{
		"plain":                  `{"RequestId":"R","Success":true,"Data":{"N":1}}`,
		"Success as a string":    `{"RequestId":"R","Success":"true","Data":{"N":1}}`,
		"Code success (000:L34)": `{"RequestId":"R","Code":"success","Success":true,"Data":{"N":1}}`,
		"no Success field":       `{"RequestId":"R","Data":{"N":1}}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, srv := newFakePlatform(t, ok(body))
			c, _ := newTestClient(t, srv)
			var out struct{ Data struct{ N int } }
			if err := c.Do(context.Background(), Request{Action: "QueryProduct"}, &out); err != nil {
				t.Fatal(err)
			}
			if out.Data.N != 1 {
				t.Errorf("decoded %+v", out)
			}
		})
	}
}

func TestErrorTextNamesActionCodeAndRequest(t *testing.T) {
	e := &Error{Action: "DeleteDevice", HTTPStatus: 200, Code: "iot.device.NotExistedDevice", Message: "The device does not exist.", RequestID: "R9"}
	want := "IoT Platform DeleteDevice: iot.device.NotExistedDevice: The device does not exist. (HTTP 200, RequestId R9)"
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
}

func TestRetriesThrottledAnswersThenSucceeds(t *testing.T) {
	throttled := answer{503, `{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}`}
	platform, srv := newFakePlatform(t, throttled, throttled, ok(`{"Success":true}`))
	c, clock := newTestClient(t, srv)
	if err := c.Do(context.Background(), Request{Action: "CreateDeviceDistributeJob", NotIdempotent: true}, nil); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if n := len(platform.requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	// Jitter fixed at 0.5: 75 ms then 150 ms, among the quota waits.
	if !containsAll(clock.Waits(), 75*time.Millisecond, 150*time.Millisecond) {
		t.Errorf("waits %v lack the backoffs 75ms, 150ms", clock.Waits())
	}
}

func containsAll(got []time.Duration, want ...time.Duration) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestRetryDecisions(t *testing.T) {
	throttled := answer{400, `{"Code":"Throttling","Message":"slow down"}`}
	unavailable := answer{503, `{"Code":"ServiceUnavailable","Message":"try later"}`}
	invalid := ok(`{"Success":false,"Code":"iot.prod.InvalidFormattedProductName","ErrorMessage":"bad name"}`)
	cases := []struct {
		name          string
		answer        answer
		notIdempotent bool
		wantRequests  int
		wantCheck     func(error) bool
	}{
		{"throttled: retried up to the attempt limit", throttled, false, 4, IsThrottled},
		{"throttled non-idempotent call: still retried", throttled, true, 4, IsThrottled},
		{"transient: retried", unavailable, false, 4, IsRetryable},
		{"transient non-idempotent call: not retried", unavailable, true, 1, IsRetryable},
		{"invalid input: never retried", invalid, false, 1, IsTerminal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			platform, srv := newFakePlatform(t, tc.answer)
			c, _ := newTestClient(t, srv)
			err := c.Do(context.Background(), Request{Action: "CreateProduct", NotIdempotent: tc.notIdempotent}, nil)
			if !tc.wantCheck(err) {
				t.Errorf("error %v not of the expected class", err)
			}
			if n := len(platform.requests()); n != tc.wantRequests {
				t.Errorf("%d requests, want %d", n, tc.wantRequests)
			}
		})
	}
}

// cancellingClock cancels the caller's context when asked to back off, as
// a controller shutting down would, and never fires the backoff's timer.
type cancellingClock struct {
	*clocktesting.FakeClock
	cancel context.CancelFunc
}

func (c cancellingClock) NewTimer(d time.Duration) clock.Timer {
	c.cancel()
	return c.FakeClock.NewTimer(d)
}

func TestBackoffHonoursCancellation(t *testing.T) {
	platform, srv := newFakePlatform(t, answer{503, `{"Code":"Throttling.User"}`})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := newTestClient(t, srv, func(cfg *Config) {
		cfg.Clock = cancellingClock{clocktesting.NewFakeClock(time.Now()), cancel}
		cfg.Quotas = NewQuotaRegistry()
	})
	err := c.Do(ctx, Request{Action: "QueryProduct"}, nil)
	if !IsThrottled(err) {
		t.Errorf("error %v, want the throttled answer that was being retried", err)
	}
	if n := len(platform.requests()); n != 1 {
		t.Errorf("%d requests after cancellation, want 1", n)
	}
}

func TestBackoffGrowsAndIsBounded(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond}
	for _, jitter := range []float64{0, 0.999} {
		p.Jitter = func() float64 { return jitter }
		prev := time.Duration(0)
		for attempt := 1; attempt <= 6; attempt++ {
			d := p.Backoff(attempt)
			if d > p.MaxDelay || d < p.BaseDelay/2 {
				t.Errorf("jitter %v attempt %d: %v outside [%v, %v]", jitter, attempt, d, p.BaseDelay/2, p.MaxDelay)
			}
			if d < prev {
				t.Errorf("jitter %v attempt %d: %v shrank from %v", jitter, attempt, d, prev)
			}
			prev = d
		}
	}
}

func TestAttemptTimeoutBoundsAHangingServer(t *testing.T) {
	srv := hangingServer(t)
	c, _ := newTestClient(t, srv, func(cfg *Config) {
		cfg.AttemptTimeout = 20 * time.Millisecond
		cfg.Retry.MaxAttempts = 1
	})
	err := c.Do(context.Background(), Request{Action: "QueryProduct"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !IsRetryable(err) {
		t.Fatalf("error %v, want a retryable deadline", err)
	}
	if strings.Contains(err.Error(), "Signature") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("error quotes the request: %v", err)
	}
}

func TestResponseSizeIsBounded(t *testing.T) {
	platform, srv := newFakePlatform(t, ok(`{"Success":true,"Data":"`+strings.Repeat("x", 1000)+`"}`))
	c, _ := newTestClient(t, srv, func(cfg *Config) { cfg.MaxResponseBytes = 100 })
	err := c.Do(context.Background(), Request{Action: "QueryProduct"}, nil)
	if err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Fatalf("error %v, want the size bound", err)
	}
	if IsRetryable(err) || len(platform.requests()) != 1 {
		t.Error("an oversized answer is retried, though asking again gets the same answer")
	}
}

func TestNetworkErrorDoesNotQuoteTheURL(t *testing.T) {
	_, srv := newFakePlatform(t)
	c, _ := newTestClient(t, srv, func(cfg *Config) { cfg.Retry.MaxAttempts = 2 })
	srv.Close()
	err := c.Do(context.Background(), Request{Action: "QueryProduct", Params: url.Values{"ProductKey": {"pk"}}}, nil)
	if !IsRetryable(err) {
		t.Fatalf("error %v, want retryable", err)
	}
	for _, leak := range []string{"Signature", "AccessKeyId", "ProductKey", "?"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q contains %q", err, leak)
		}
	}
}

// The transport's canonical form must be the signer's, byte for byte.
func TestCanonicalPairsMatchCanonicalQuery(t *testing.T) {
	params := url.Values{"b": {"2", "1"}, "a b": {"x*y~z"}, "A": {"ü"}, "DeviceName.10": {"d10"}, "DeviceName.2": {"d2"}, "e": {""}}
	var pairs []pair
	for name, values := range params {
		for _, v := range values {
			pairs = append(pairs, pair{name, v})
		}
	}
	if got, want := canonicalPairs(pairs), CanonicalQuery(params); got != want {
		t.Errorf("canonicalPairs = %s\nCanonicalQuery = %s", got, want)
	}
}

func TestOperationParamsCannotOverrideCommonOnes(t *testing.T) {
	platform, srv := newFakePlatform(t)
	c, _ := newTestClient(t, srv)
	req := Request{Action: "QueryProduct", Params: url.Values{"AccessKeyId": {"someone-else"}, "Version": {"2017-04-20"}, "IotInstanceId": {"iot-other"}}}
	if err := c.Do(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	got := platform.requests()[0].params
	if got["AccessKeyId"][0] != testCreds.AccessKeyID || len(got["AccessKeyId"]) != 1 || got.Get("Version") != APIVersion {
		t.Errorf("common parameters overridden: %v", got)
	}
	if got.Get("IotInstanceId") != "iot-other" || len(got["IotInstanceId"]) != 1 {
		t.Errorf("an explicit IotInstanceId should win over the configured one: %v", got["IotInstanceId"])
	}
}
