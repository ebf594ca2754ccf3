package iot

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/aliyun/fakeclock"
)

var testCreds = aliyun.Credentials{AccessKeyID: "testid", AccessKeySecret: "testsecret-Xq9", SecurityToken: "sts-token-Zr7"}

// platform is a fake IoT Platform: it verifies each signature with the
// package's own signer, records the request and answers with the body
// scripted for its action (or success).
type platform struct {
	t       *testing.T
	mu      sync.Mutex
	answers map[string]func(url.Values) string
	got     []url.Values
	// url is the platform's address; files, when set, serves every path
	// but "/" there (result files the platform hands out on its own host).
	url   string
	files http.Handler
}

func newPlatform(t *testing.T) (*platform, *Client) {
	t.Helper()
	p := &platform{t: t, answers: map[string]func(url.Values) string{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	api, err := aliyun.NewClient(aliyun.Config{
		RegionID:      "cn-hangzhou",
		Endpoint:      srv.URL,
		IotInstanceID: "iot-inst-1",
		Credentials:   testCreds,
		Quotas:        aliyun.NewQuotaRegistry(),
		Clock:         fakeclock.NewStepping(time.Now()), // these tests are about requests and answers; pacing is tested in internal/aliyun
		Retry:         &aliyun.RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, New(api)
}

// answer scripts the body of every call of action.
func (p *platform) answer(action, body string) {
	p.answerWith(action, func(url.Values) string { return body })
}

func (p *platform) answerWith(action string, f func(url.Values) string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers[action] = f
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.files != nil && r.URL.Path != "/" {
		p.files.ServeHTTP(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		p.t.Errorf("parse: %v", err)
	}
	params := url.Values{}
	for k, v := range r.Form {
		params[k] = v
	}
	sig := params.Get("Signature")
	params.Del("Signature")
	if want := aliyun.Sign(r.Method, params, testCreds.AccessKeySecret); sig != want {
		p.t.Errorf("%s: bad signature", params.Get("Action"))
	}
	p.mu.Lock()
	p.got = append(p.got, params)
	f := p.answers[params.Get("Action")]
	p.mu.Unlock()
	body := `{"RequestId":"R","Success":true}`
	if f != nil {
		body = f(params)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func (p *platform) last() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.got) == 0 {
		return nil
	}
	return p.got[len(p.got)-1]
}

func (p *platform) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}
