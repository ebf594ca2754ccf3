package aliyun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	dto "github.com/prometheus/client_model/go"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

const (
	leakDeviceSecret  = "devSecretXYZ123"
	leakProductSecret = "prodSecretABC789"
)

// forbidden is every form in which a secret could slip out.
func forbidden() []string {
	var out []string
	for _, s := range []string{testCreds.AccessKeySecret, testCreds.SecurityToken, leakDeviceSecret, leakProductSecret} {
		out = append(out, s, PercentEncode(s), PercentEncode(PercentEncode(s)), url.QueryEscape(s))
	}
	return out
}

// A gateway that echoes its string-to-sign, as Alibaba Cloud's does on a
// signature mismatch: that string carries the SecurityToken.
func echoingAnswer() answer {
	p := url.Values{"AccessKeyId": {testCreds.AccessKeyID}, "SecurityToken": {testCreds.SecurityToken}}
	sts := StringToSign("GET", CanonicalQuery(p))
	return answer{400, fmt.Sprintf(`{"Code":"SignatureDoesNotMatch","Message":%q}`,
		"Specified signature is not matched with our calculation. server string to sign is:"+sts+" raw "+testCreds.SecurityToken+" "+testCreds.AccessKeySecret)}
}

type capturedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capturedLog) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.buf.WriteString(prefix + " " + args + "\n")
	}, funcr.Options{Verbosity: 10})
}

func TestNoSecretLeaks(t *testing.T) {
	var logs capturedLog
	ctx := logf.IntoContext(context.Background(), logs.logger())
	var texts []string

	withSecrets := ok(fmt.Sprintf(`{"Success":true,"Data":{"DeviceSecret":%q,"ProductSecret":%q}}`, leakDeviceSecret, leakProductSecret))
	wrongType := ok(fmt.Sprintf(`{"Success":true,"Data":{"DeviceSecret":%q}}`, leakDeviceSecret))
	throttled := answer{503, `{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}`}

	calls := []struct {
		name    string
		answers []answer
		out     any
	}{
		{"success carrying secrets", []answer{withSecrets}, &struct {
			Data struct{ DeviceSecret, ProductSecret string }
		}{}},
		{"answer that does not fit", []answer{wrongType}, &struct{ Data struct{ DeviceSecret int } }{}},
		{"echoed string-to-sign", []answer{echoingAnswer()}, nil},
		{"retried then failed", []answer{throttled}, nil},
	}
	for _, call := range calls {
		_, srv := newFakePlatform(t, call.answers...)
		c, _ := newTestClient(t, srv)
		err := c.Do(ctx, Request{Action: "QueryDeviceInfo", Params: url.Values{"DeviceName": {"d1"}}}, call.out)
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
		}
	}
	// A transport failure, whose raw error would quote the signed URL.
	_, srv := newFakePlatform(t)
	c, _ := newTestClient(t, srv)
	srv.Close()
	if err := c.Do(ctx, Request{Action: "QueryDeviceInfo"}, nil); err != nil {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
	}
	// The credentials themselves, every way Go prints them.
	creds, _ := json.Marshal(testCreds)
	cfgJSON, _ := json.Marshal(Config{Credentials: testCreds})
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s", testCreds, testCreds, testCreds, testCreds), string(creds), string(cfgJSON),
		fmt.Sprintf("%v %+v", Config{Credentials: testCreds}, Config{Credentials: testCreds}))
	logs.mu.Lock()
	texts = append(texts, logs.buf.String())
	logs.mu.Unlock()
	texts = append(texts, gatheredLabels(t))

	if !strings.Contains(strings.Join(texts, "\n"), "SignatureDoesNotMatch: Specified signature is not matched") {
		t.Error("the echoed message was dropped instead of scrubbed")
	}
	if !strings.Contains(logs.buf.String(), "Retrying IoT Platform call") {
		t.Error("the retries were not logged, so the log check proves nothing")
	}
	for _, text := range texts {
		for _, secret := range forbidden() {
			if strings.Contains(text, secret) {
				t.Errorf("%q leaks into %q", secret, text)
			}
		}
	}
}

// gatheredLabels is every label value the metrics registry holds.
func gatheredLabels(t *testing.T) string {
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range families {
		for _, m := range f.GetMetric() {
			writeLabels(&b, m)
		}
	}
	return b.String()
}

func writeLabels(b *strings.Builder, m *dto.Metric) {
	for _, l := range m.GetLabel() {
		b.WriteString(l.GetName() + "=" + l.GetValue() + " ")
	}
}
