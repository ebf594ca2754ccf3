// A call may carry 10,000 DeviceName.N plus the common parameters, more than
// the 10,000 query parameters net/url parses by default in current Go; the
// fake platform, like any Go server of these calls, must lift the limit.
//
//go:debug urlmaxqueryparams=0

package aliyun

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun/fakeclock"
)

var testCreds = Credentials{
	AccessKeyID:     "testid",
	AccessKeySecret: "s3cr3t/+=value",
	SecurityToken:   "tok&en/with+specials",
}

// newFakeClock is a clock that never really waits: a wait moves it on and
// is recorded (fakeclock.Stepping).
func newFakeClock() *fakeclock.Stepping {
	return fakeclock.NewStepping(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// received is one request as the fake platform saw it.
type received struct {
	method    string
	host      string
	params    url.Values
	signature string
}

// fakePlatform checks every signature the way the platform does (rebuilt
// from the decoded parameters with the received method, 004 L3405–3502),
// records the request and answers with the next scripted answer (the last
// one repeats).
type fakePlatform struct {
	t       *testing.T
	secret  string
	mu      sync.Mutex
	got     []received
	answers []answer
}

type answer struct {
	status int
	body   string
}

func ok(body string) answer { return answer{http.StatusOK, body} }

func newFakePlatform(t *testing.T, answers ...answer) (*fakePlatform, *httptest.Server) {
	t.Helper()
	if len(answers) == 0 {
		answers = []answer{ok(`{"RequestId":"R-OK","Success":true}`)}
	}
	p := &fakePlatform{t: t, secret: testCreds.AccessKeySecret, answers: answers}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *fakePlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.t.Errorf("parse form: %v", err)
	}
	params := url.Values{}
	for k, v := range r.Form {
		params[k] = v
	}
	sig := params.Get("Signature")
	params.Del("Signature")
	if want := Sign(r.Method, params, p.secret); sig != want {
		p.t.Errorf("%s %s: signature %q does not verify (want %q)", r.Method, params.Get("Action"), sig, want)
	}
	p.mu.Lock()
	p.got = append(p.got, received{method: r.Method, host: r.Host, params: params, signature: sig})
	a := p.answers[min(len(p.got), len(p.answers))-1]
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

func (p *fakePlatform) requests() []received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]received(nil), p.got...)
}

// newTestClient talks to srv with a fake clock, its own quota registry and
// a retry policy whose jitter is fixed.
func newTestClient(t *testing.T, srv *httptest.Server, mutate ...func(*Config)) (*Client, *fakeclock.Stepping) {
	t.Helper()
	clock := newFakeClock()
	cfg := Config{
		RegionID:      "cn-hangzhou",
		Endpoint:      srv.URL,
		IotInstanceID: "iot-instance-1",
		Credentials:   testCreds,
		Quotas:        NewQuotaRegistry(),
		Retry:         &RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Jitter: func() float64 { return 0.5 }},
		Clock:         clock,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

// hangingServer never answers until the client gives up.
func hangingServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newBenchServer(b *testing.B, h http.Handler) string {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}
