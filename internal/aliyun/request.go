package aliyun

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Request is one RPC call: an action and its operation parameters. The
// client adds the common parameters (004 L3255–3343) and the signature.
type Request struct {
	Action string
	// Params are the operation's own parameters, lists already flattened
	// (DeviceName.1, DeviceName.2, ...).
	Params url.Values
	// Region pins the call to a region whatever the Config says: the
	// distribution operations are served only by cn-shanghai (002:L5,
	// 003:L28). Empty means Config.RegionID.
	Region string
	// WithoutInstanceID marks an operation that does not take IotInstanceId
	// (the distribution operations name instances their own way).
	WithoutInstanceID bool
	// NotIdempotent marks a call that creates something new each time
	// (BatchRegisterDevice, CreateDeviceDistributeJob, ...). A transient
	// failure may have come after the platform acted, so the client does not
	// repeat it; throttled answers are still repeated, as the platform
	// refused them before acting.
	NotIdempotent bool
}

// API version and signature scheme of every call (004 L3268–3316).
const (
	APIVersion       = "2018-01-20"
	signatureMethod  = "HMAC-SHA1"
	signatureVersion = "1.0"
	timestampLayout  = "2006-01-02T15:04:05Z"
)

// signedPayload is a request ready for the wire: the method and the encoded
// parameters, Signature included, for the query string or the form body.
type signedPayload struct {
	method  string
	encoded string
	region  string
}

func (c *Client) sign(req Request) signedPayload {
	region := cmp.Or(req.Region, c.cfg.RegionID)
	pairs := make([]pair, 0, len(req.Params)+12)
	for name, values := range req.Params {
		if commonParams[name] {
			continue // the client owns these
		}
		for _, v := range values {
			pairs = append(pairs, pair{name, v})
		}
	}
	pairs = append(pairs,
		pair{"Action", req.Action},
		pair{"Format", "JSON"}, // the default is XML (L3263–3266)
		pair{"Version", APIVersion},
		pair{"SignatureMethod", signatureMethod},
		pair{"SignatureVersion", signatureVersion},
		pair{"SignatureNonce", newNonce()},
		pair{"Timestamp", c.cfg.Clock.Now().UTC().Format(timestampLayout)},
		pair{"RegionId", region},
		pair{"AccessKeyId", c.cfg.Credentials.AccessKeyID},
	)
	if token := c.cfg.Credentials.SecurityToken; token != "" {
		pairs = append(pairs, pair{"SecurityToken", token})
	}
	if c.cfg.IotInstanceID != "" && !req.WithoutInstanceID && !req.Params.Has("IotInstanceId") {
		pairs = append(pairs, pair{"IotInstanceId", c.cfg.IotInstanceID})
	}

	canonical := canonicalPairs(pairs)
	method := http.MethodGet
	if len(canonical) > c.cfg.PostThreshold {
		method = http.MethodPost
	}
	signature := signCanonical(method, canonical, c.cfg.Credentials.AccessKeySecret)
	// The canonical query is already RFC 3986 encoded, which any form or
	// query parser decodes, so the signed bytes are the bytes sent.
	return signedPayload{
		method:  method,
		encoded: canonical + "&Signature=" + PercentEncode(signature),
		region:  region,
	}
}

// commonParams are set by the client on every call (004 L3255–3343), so an
// operation's parameters cannot override or duplicate them.
var commonParams = map[string]bool{
	"Action": true, "Format": true, "Version": true, "SignatureMethod": true, "SignatureVersion": true,
	"SignatureNonce": true, "Timestamp": true, "RegionId": true, "AccessKeyId": true, "SecurityToken": true,
	"Signature": true,
}

type pair struct{ name, value string }

// canonicalPairs is CanonicalQuery over a list instead of a url.Values:
// the same sort by name (stable, so a name's values keep their order) and
// encoding, without copying every call's parameters into a fresh map.
func canonicalPairs(pairs []pair) string {
	slices.SortStableFunc(pairs, func(a, b pair) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	b.Grow(len(pairs) * 32)
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(PercentEncode(p.name))
		b.WriteByte('=')
		b.WriteString(PercentEncode(p.value))
	}
	return b.String()
}

// newNonce is 128 random bits: unique per request (L3318–3321) without any
// coordination between Clients.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// pageOffset is CurrentPage × PageSize of a paged call, or 0: the deep-page
// quota of QueryProductList and QueryDevice depends on it.
func pageOffset(params url.Values) int {
	page, err1 := strconv.Atoi(params.Get("CurrentPage"))
	size, err2 := strconv.Atoi(params.Get("PageSize"))
	if err1 != nil || err2 != nil || page < 0 || size < 0 {
		return 0
	}
	return page * size
}
