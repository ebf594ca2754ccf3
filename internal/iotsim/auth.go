package iotsim

import (
	"container/heap"
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

// clockSkew is how far a request's Timestamp may be from the server's clock
// (so a nonce is remembered until its request's Timestamp is that far in
// the past).
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
	if !s.nonces.use(key.ID+"\x00"+p.Get("SignatureNonce"), now, at) {
		return AccessKey{}, errNonceUsed()
	}
	return key, nil
}

// nonceCache remembers each nonce until the request that carried it could
// no longer pass the Timestamp check: until the later of its arrival and its
// Timestamp, plus the allowed skew. Remembering it only from its arrival
// would let a request stamped 14 minutes ahead be replayed once its nonce is
// forgotten while its Timestamp is still accepted. Entries leave in expiry
// order from a min-heap, so memory is proportional to the request rate, not
// to the uptime.
type nonceCache struct {
	mu     sync.Mutex
	seen   map[string]struct{}
	expiry nonceHeap
}

type nonceEntry struct {
	key     string
	expires time.Time
}

func newNonceCache() *nonceCache { return &nonceCache{seen: map[string]struct{}{}} }

// use records the nonce of a request stamped at and reports whether it was
// new.
func (c *nonceCache) use(key string, now, stamped time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.expiry) > 0 && now.After(c.expiry[0].expires) {
		delete(c.seen, heap.Pop(&c.expiry).(nonceEntry).key)
	}
	if _, dup := c.seen[key]; dup {
		return false
	}
	c.seen[key] = struct{}{}
	heap.Push(&c.expiry, nonceEntry{key: key, expires: later(now, stamped).Add(clockSkew)})
	return true
}

func (c *nonceCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = map[string]struct{}{}
	c.expiry = nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// nonceHeap orders entries by expiry (container/heap).
type nonceHeap []nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h nonceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nonceHeap) Push(x any)        { *h = append(*h, x.(nonceEntry)) }
func (h *nonceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
