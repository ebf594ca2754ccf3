package iotsim

import (
	"crypto/hmac"
	"net/url"
	"sync"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// The gateway's checks, in the order it makes them: common parameters,
// AccessKeyId, Timestamp, signature, then the nonce (last, so that a
// request nobody could sign cannot burn a nonce). The codes are not in the
// seeds (API-DIGEST §11.7); see errors.go.

// requiredCommon are the common parameters every request must carry
// (004 L3255–3343, plus Action, which every operation requires).
var requiredCommon = []string{"Action", "Version", "AccessKeyId", "Signature",
	"SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "RegionId"}

// clockSkew is how far a request's Timestamp may be from the server's clock,
// and how long a nonce is remembered.
const clockSkew = 15 * time.Minute

// authenticate checks a request's common parameters and signature and
// returns the calling key.
func (s *Simulator) authenticate(method string, p url.Values, now time.Time) (AccessKey, *apiError) {
	for _, name := range requiredCommon {
		if p.Get(name) == "" {
			return AccessKey{}, errMissingParameter(name)
		}
	}
	if v := p.Get("Version"); v != "2018-01-20" {
		return AccessKey{}, errInvalidParameter("Version", v+" is not a version of the IoT Platform API; use 2018-01-20.")
	}
	if m := p.Get("SignatureMethod"); m != "HMAC-SHA1" {
		return AccessKey{}, errInvalidParameter("SignatureMethod", m+" is not supported; use HMAC-SHA1.")
	}
	if v := p.Get("SignatureVersion"); v != "1.0" {
		return AccessKey{}, errInvalidParameter("SignatureVersion", v+" is not supported; use 1.0.")
	}
	key, ok := s.keys[p.Get("AccessKeyId")]
	if !ok {
		return AccessKey{}, errAccessKeyNotFound()
	}
	ts := p.Get("Timestamp")
	at, err := time.Parse("2006-01-02T15:04:05Z", ts)
	if err != nil {
		return AccessKey{}, errTimestampFormat(ts)
	}
	if d := now.Sub(at); d > clockSkew || d < -clockSkew {
		return AccessKey{}, errTimestampExpired(ts)
	}
	// The signature covers every received parameter but Signature itself,
	// decoded, with the received HTTP method (004 L3423–3502).
	want := aliyun.Sign(method, p, key.Secret)
	if !hmac.Equal([]byte(want), []byte(p.Get("Signature"))) {
		return AccessKey{}, errSignatureMismatch()
	}
	if !s.nonces.use(key.ID+"\x00"+p.Get("SignatureNonce"), now) {
		return AccessKey{}, errNonceUsed()
	}
	return key, nil
}

// nonceCache remembers the nonces of the last 15 minutes. Entries expire in
// the order they were added, so a queue makes expiry O(1) amortised and the
// memory proportional to the request rate, not to the uptime.
type nonceCache struct {
	mu    sync.Mutex
	seen  map[string]struct{}
	queue []nonceEntry
	head  int // queue[:head] are expired and already forgotten
}

type nonceEntry struct {
	key     string
	expires time.Time
}

func newNonceCache() *nonceCache { return &nonceCache{seen: map[string]struct{}{}} }

// use records the nonce and reports whether it was new.
func (c *nonceCache) use(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.head < len(c.queue) && now.After(c.queue[c.head].expires) {
		delete(c.seen, c.queue[c.head].key)
		c.queue[c.head] = nonceEntry{}
		c.head++
	}
	// Compact once half the queue is spent, so each entry is copied O(1)
	// times on average.
	if c.head > 1024 && c.head*2 > len(c.queue) {
		c.queue = append(c.queue[:0], c.queue[c.head:]...)
		c.head = 0
	}
	if _, dup := c.seen[key]; dup {
		return false
	}
	c.seen[key] = struct{}{}
	c.queue = append(c.queue, nonceEntry{key: key, expires: now.Add(clockSkew)})
	return true
}

func (c *nonceCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = map[string]struct{}{}
	c.queue = nil
	c.head = 0
}
