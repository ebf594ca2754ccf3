package iotsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// testTiming makes every async phase take milliseconds.
var testTiming = Timing{BatchCheck: 20 * time.Millisecond, BatchCreate: 20 * time.Millisecond,
	JobInitializing: 20 * time.Millisecond, JobRunning: 30 * time.Millisecond, ResultURLTTL: time.Minute}

// env is a simulator behind an httptest server and a tiny signed client.
type env struct {
	t      testing.TB
	sim    *Simulator
	srv    *httptest.Server
	key    AccessKey
	region string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	if opts.Timing == (Timing{}) {
		opts.Timing = testTiming
	}
	sim, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	key := DefaultAccessKey
	if len(opts.AccessKeys) > 0 {
		key = opts.AccessKeys[0]
	}
	return &env{t: t, sim: sim, srv: srv, key: key, region: "cn-shanghai"}
}

var nonceSeq atomic.Int64

// signed returns the request's parameters with the common ones and the
// signature, as an SDK would send them.
func signed(key AccessKey, method, region string, params map[string]string) url.Values {
	v := url.Values{}
	v.Set("Format", "JSON")
	v.Set("Version", "2018-01-20")
	v.Set("AccessKeyId", key.ID)
	v.Set("SignatureMethod", "HMAC-SHA1")
	v.Set("SignatureVersion", "1.0")
	v.Set("SignatureNonce", fmt.Sprintf("nonce-%d-%d", time.Now().UnixNano(), nonceSeq.Add(1)))
	v.Set("Timestamp", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
	v.Set("RegionId", region)
	for k, val := range params {
		if val == "<omit>" {
			v.Del(k)
			continue
		}
		v.Set(k, val)
	}
	v.Set("Signature", aliyun.Sign(method, v, key.Secret))
	return v
}

// response is a decoded JSON answer.
type response struct {
	status int
	body   map[string]any
	raw    string
}

func (r response) code() string {
	s, _ := r.body["Code"].(string)
	return s
}

func (r response) success() bool {
	b, _ := r.body["Success"].(bool)
	return b && r.status == http.StatusOK
}

// get walks a path of object keys and array indexes ("Data.List.ProductInfo.0.ProductKey").
func (r response) get(path string) any {
	var cur any = r.body
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func (r response) str(path string) string {
	s, _ := r.get(path).(string)
	return s
}

func (r response) num(path string) int {
	f, _ := r.get(path).(float64)
	return int(f)
}

func (r response) list(path string) []any {
	l, _ := r.get(path).([]any)
	return l
}

// call sends a signed GET of action with params.
func (e *env) call(action string, params map[string]string) response {
	e.t.Helper()
	p := map[string]string{"Action": action}
	for k, v := range params {
		p[k] = v
	}
	return e.send(http.MethodGet, signed(e.key, http.MethodGet, e.region, p))
}

func (e *env) send(method string, v url.Values) response {
	e.t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequest(method, e.srv.URL+"/?"+v.Encode(), nil)
	} else {
		req, err = http.NewRequest(method, e.srv.URL+"/", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			e.t.Fatalf("bad JSON %q: %v", raw, err)
		}
	}
	return out
}

// must calls and fails the test unless the call succeeds.
func (e *env) must(action string, params map[string]string) response {
	e.t.Helper()
	r := e.call(action, params)
	if !r.success() {
		e.t.Fatalf("%s: HTTP %d %s", action, r.status, r.raw)
	}
	return r
}

func (e *env) product(name string) string {
	e.t.Helper()
	return e.must("CreateProduct", map[string]string{"ProductName": name, "NodeType": "0"}).str("ProductKey")
}

func (e *env) device(pk, name string) response {
	e.t.Helper()
	return e.must("RegisterDevice", map[string]string{"ProductKey": pk, "DeviceName": name})
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wantErr checks a failed answer's status and code.
func wantErr(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("want HTTP %d %s, got HTTP %d %s", status, code, r.status, r.raw)
	}
	if _, opShape := r.body["Success"]; opShape {
		if r.body["Success"] != false || r.str("ErrorMessage") == "" || r.str("RequestId") == "" {
			t.Fatalf("operation error shape: %s", r.raw)
		}
	} else if r.str("Message") == "" || r.str("RequestId") == "" {
		t.Fatalf("gateway error shape: %s", r.raw)
	}
}
