package iotsim

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestSignedRequestsAreAccepted(t *testing.T) {
	e := newEnv(t, Options{})
	t.Run("GET with query", func(t *testing.T) {
		e.must("QueryProductList", map[string]string{"CurrentPage": "1"})
	})
	t.Run("POST split between query and form body", func(t *testing.T) {
		v := signed(e.key, http.MethodPost, e.region, map[string]string{
			"Action": "CreateProduct", "ProductName": "split_post", "NodeType": "0", "Description": "a b&c=d"})
		query, body := url.Values{}, url.Values{}
		for k, vs := range v {
			if k == "ProductName" || k == "NodeType" || k == "Description" {
				body[k] = vs
			} else {
				query[k] = vs
			}
		}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/?"+query.Encode(), strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("x-acs-action", "SomethingElse") // x-acs-* headers are not part of the RPC signature
		req.Header.Set("x-acs-version", "1999-01-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
		if got := e.sim.Snapshot().Products[0].Description; got != "a b&c=d" {
			t.Fatalf("description %q", got)
		}
	})
}

func TestGatewayRefusals(t *testing.T) {
	e := newEnv(t, Options{AccessKeys: []AccessKey{DefaultAccessKey}})
	base := map[string]string{"Action": "QueryProductList", "CurrentPage": "1"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name   string
		params url.Values
		status int
		code   string
	}{
		{"unknown AccessKeyId", signed(AccessKey{ID: "nobody", Secret: "x"}, "GET", "cn-shanghai", base), 404, "InvalidAccessKeyId.NotFound"},
		{"wrong secret", signed(AccessKey{ID: "testid", Secret: "wrong"}, "GET", "cn-shanghai", base), 400, "SignatureDoesNotMatch"},
		{"old timestamp", signed(e.key, "GET", "cn-shanghai", with(map[string]string{
			"Timestamp": time.Now().Add(-16 * time.Minute).UTC().Format("2006-01-02T15:04:05Z")})), 400, "InvalidTimeStamp.Expired"},
		{"future timestamp", signed(e.key, "GET", "cn-shanghai", with(map[string]string{
			"Timestamp": time.Now().Add(16 * time.Minute).UTC().Format("2006-01-02T15:04:05Z")})), 400, "InvalidTimeStamp.Expired"},
		{"missing SignatureNonce", signed(e.key, "GET", "cn-shanghai", with(map[string]string{"SignatureNonce": "<omit>"})), 400, "MissingParameter"},
		{"missing Timestamp", signed(e.key, "GET", "cn-shanghai", with(map[string]string{"Timestamp": "<omit>"})), 400, "MissingParameter"},
		{"missing Version", signed(e.key, "GET", "cn-shanghai", with(map[string]string{"Version": "<omit>"})), 400, "MissingParameter"},
		{"missing Action", signed(e.key, "GET", "cn-shanghai", map[string]string{"Action": "<omit>"}), 400, "MissingParameter"},
		{"unknown action", signed(e.key, "GET", "cn-shanghai", map[string]string{"Action": "Pub"}), 400, "UnsupportedOperation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, e.send(http.MethodGet, tt.params), tt.status, tt.code)
		})
	}

	t.Run("tampered parameter", func(t *testing.T) {
		v := signed(e.key, "GET", "cn-shanghai", base)
		v.Set("CurrentPage", "2")
		wantErr(t, e.send(http.MethodGet, v), 400, "SignatureDoesNotMatch")
	})
	t.Run("signed for GET, sent as POST", func(t *testing.T) {
		wantErr(t, e.send(http.MethodPost, signed(e.key, "GET", "cn-shanghai", base)), 400, "SignatureDoesNotMatch")
	})
	t.Run("reused nonce", func(t *testing.T) {
		v := signed(e.key, "GET", "cn-shanghai", with(map[string]string{"SignatureNonce": "same-nonce"}))
		if r := e.send(http.MethodGet, v); !r.success() {
			t.Fatalf("first use: %s", r.raw)
		}
		wantErr(t, e.send(http.MethodGet, v), 400, "SignatureNonceUsed")
	})
	t.Run("a refused signature does not burn the nonce", func(t *testing.T) {
		bad := signed(AccessKey{ID: "testid", Secret: "wrong"}, "GET", "cn-shanghai", with(map[string]string{"SignatureNonce": "n-2"}))
		wantErr(t, e.send(http.MethodGet, bad), 400, "SignatureDoesNotMatch")
		if r := e.send(http.MethodGet, signed(e.key, "GET", "cn-shanghai", with(map[string]string{"SignatureNonce": "n-2"}))); !r.success() {
			t.Fatal(r.raw)
		}
	})
}

func TestNonceCacheForgetsAfterWindow(t *testing.T) {
	c := newNonceCache()
	t0 := time.Unix(1_700_000_000, 0)
	if !c.use("k", t0, t0) || c.use("k", t0.Add(14*time.Minute), t0) {
		t.Fatal("a nonce is refused within 15 minutes")
	}
	if !c.use("k", t0.Add(16*time.Minute), t0) {
		t.Fatal("a nonce is usable again once its timestamp would be refused anyway")
	}
}

// A request stamped up to the skew ahead of the clock is accepted; its
// nonce must outlive its Timestamp's acceptance, or the request can be
// replayed once the nonce is forgotten.
func TestNonceCacheHoldsANonceStampedInTheFutureUntilItsTimestampExpires(t *testing.T) {
	c := newNonceCache()
	t0 := time.Unix(1_700_000_000, 0)
	ahead := t0.Add(14 * time.Minute)
	if !c.use("k", t0, ahead) {
		t.Fatal("a fresh nonce was refused")
	}
	// 16 minutes on, the request's Timestamp is 2 minutes old: accepted by
	// the Timestamp check, so the nonce must still be remembered.
	if c.use("k", t0.Add(16*time.Minute), ahead) {
		t.Fatal("a request stamped 14 minutes ahead was accepted again after 16 minutes")
	}
	if c.use("k", ahead.Add(clockSkew), ahead) {
		t.Fatal("the nonce was forgotten while its Timestamp is still within the skew")
	}
	if !c.use("k", ahead.Add(clockSkew+time.Second), ahead) {
		t.Fatal("a nonce is usable again once its timestamp would be refused anyway")
	}
}

// End to end: the replay is refused by the gateway itself.
func TestAFutureStampedRequestCannotBeReplayedAfterTheArrivalWindow(t *testing.T) {
	clock := clocktesting.NewFakePassiveClock(time.Now())
	e := newEnv(t, Options{Clock: clock})
	v := signed(e.key, "GET", "cn-shanghai", map[string]string{"Action": "QueryProductList", "CurrentPage": "1",
		"SignatureNonce": "future-nonce", "Timestamp": clock.Now().Add(14 * time.Minute).UTC().Format("2006-01-02T15:04:05Z")})
	if r := e.send(http.MethodGet, v); !r.success() {
		t.Fatal(r.raw)
	}
	clock.SetTime(clock.Now().Add(16 * time.Minute))
	wantErr(t, e.send(http.MethodGet, v), 400, "SignatureNonceUsed")
}

func TestXMLIsTheDefaultFormat(t *testing.T) {
	e := newEnv(t, Options{})
	v := signed(e.key, "GET", e.region, map[string]string{"Action": "CreateProduct", "ProductName": "xml_prod", "NodeType": "0", "Format": "<omit>"})
	r := e.send(http.MethodGet, v)
	var doc struct {
		XMLName    xml.Name
		ProductKey string
		Success    bool
		Data       struct{ ProductName string }
	}
	if err := xml.Unmarshal([]byte(r.raw), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.raw)
	}
	if doc.XMLName.Local != "CreateProductResponse" || !doc.Success || doc.ProductKey == "" || doc.Data.ProductName != "xml_prod" {
		t.Fatalf("XML answer: %s", r.raw)
	}

	v = signed(e.key, "GET", e.region, map[string]string{"Action": "QueryProduct", "ProductKey": "nope", "Format": "XML"})
	r = e.send(http.MethodGet, v)
	var errDoc struct {
		XMLName xml.Name
		Code    string
	}
	if err := xml.Unmarshal([]byte(r.raw), &errDoc); err != nil || errDoc.XMLName.Local != "Error" || errDoc.Code != "iot.prod.NotExistedProduct" {
		t.Fatalf("XML error: %v %s", err, r.raw)
	}

	v = signed(AccessKey{ID: "testid", Secret: "bad"}, "GET", e.region, map[string]string{"Action": "QueryProduct", "Format": "XML"})
	r = e.send(http.MethodGet, v)
	if !strings.Contains(r.raw, "<Error>") || !strings.Contains(r.raw, "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("XML gateway error: %s", r.raw)
	}
}

func TestSignatureMatchesTheSeedExample(t *testing.T) {
	// The simulator signs with internal/aliyun; this pins that it verifies
	// the documented example (004 L3504–3539) as sent over the wire.
	v := url.Values{}
	for k, val := range map[string]string{"AccessKeyId": "testid", "Action": "Pub", "ProductKey": "12345abcde",
		"TopicFullName": "/12345abcde/testdevice/user/get", "MessageContent": "aGVsbG8gd29ybGQ", "Qos": "0",
		"Format": "XML", "Version": "2018-01-20", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Timestamp": "2018-07-31T07:43:57Z", "RegionId": "cn-shanghai"} {
		v.Set(k, val)
	}
	v.Set("Signature", "NUh3otvAoXOZmG/a2gDShh6Ze9w=")
	sim, _ := New(Options{Clock: clocktesting.NewFakePassiveClock(time.Date(2018, 7, 31, 7, 50, 0, 0, time.UTC))})
	_, e := sim.authenticate(http.MethodGet, v, sim.now())
	if e != nil {
		t.Fatalf("the seed's signed request is refused: %v", e)
	}
	if got := aliyun.Sign(http.MethodGet, v, "testsecret"); got != "NUh3otvAoXOZmG/a2gDShh6Ze9w=" {
		t.Fatal(got)
	}
}
