// Package iotsim is a faithful stand-in for the Alibaba Cloud IoT Platform
// RPC API (version 2018-01-20): an http.Handler that verifies signatures,
// enforces the documented quotas, validates every parameter as documented
// and keeps products, devices, groups, batch registrations and distribution
// jobs in memory (optionally in a state file). The reference is
// ../shared/seeds (API-DIGEST.md cites each rule).
package iotsim

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Simulator is the IoT Platform simulator. It serves the API at "/" and its
// own control endpoints under /_sim/ (see admin.go). Safe for concurrent use.
type Simulator struct {
	keys      map[string]AccessKey // by AccessKeyId
	accounts  map[string]AccessKey // one key per UID, for account lookups
	instances instances
	quotas    bool
	timing    Timing
	log       *slog.Logger
	clock     clock.PassiveClock
	stateFile string

	nonces  *nonceCache
	limiter *limiter
	faults  faultInjector
	files   *resultFiles
	stats   stats

	mu    sync.Mutex // guards world
	world *world
}

// New builds a simulator and loads Options.StateFile when it exists.
func New(opts Options) (*Simulator, error) {
	keys := opts.AccessKeys
	if len(keys) == 0 {
		keys = []AccessKey{DefaultAccessKey}
	}
	s := &Simulator{
		keys:      map[string]AccessKey{},
		accounts:  map[string]AccessKey{},
		instances: newInstances(opts.Instances),
		quotas:    opts.Quotas,
		timing:    opts.Timing.withDefaults(),
		log:       opts.Logger,
		clock:     opts.Clock,
		stateFile: opts.StateFile,
		nonces:    newNonceCache(),
		limiter:   newLimiter(),
		files:     newResultFiles(),
		stats:     newStats(),
		world:     newWorld(),
	}
	if s.clock == nil {
		s.clock = clock.RealClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, k := range keys {
		if k.ID == "" || k.Secret == "" {
			return nil, errors.New("iotsim: an AccessKey needs an ID and a secret")
		}
		k.UID = cmp.Or(k.UID, DefaultUID)
		if k.AliyunID == "" {
			k.AliyunID = k.UID + "@example.com"
			if k.UID == DefaultUID {
				k.AliyunID = DefaultAliyunID
			}
		}
		if _, dup := s.keys[k.ID]; dup {
			return nil, fmt.Errorf("iotsim: AccessKey %s given twice", k.ID)
		}
		s.keys[k.ID] = k
		if _, ok := s.accounts[k.UID]; !ok {
			s.accounts[k.UID] = k
		}
	}
	for _, in := range opts.Instances {
		if in.ID == "" || in.Region == "" {
			return nil, fmt.Errorf("iotsim: instance %q needs an ID and a region", in.ID)
		}
	}
	if s.stateFile != "" {
		if err := s.load(); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return s, nil
}

// ServeHTTP serves the API and the /_sim endpoints.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveAdmin(w, r)
		return
	}
	s.serveAPI(w, r)
}

// serveAPI runs one RPC call: parameters, authentication, quota, faults,
// then the operation under the state lock.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newRequestID()
	params, err := requestParams(r)
	if err != nil {
		e := errInvalidParameter("body", err.Error())
		writeError(w, false, requestID, e)
		s.logCall(r, "", "", e.code, e.status, start, requestID)
		return
	}
	r.Form = params
	p := r.Form
	asXML := wantsXML(p.Get("Format"))
	action := p.Get("Action")
	now := s.now()

	out, accessKeyID, e := s.call(r, action, now)
	if e != nil {
		writeError(w, asXML, requestID, e)
		s.logCall(r, action, accessKeyID, e.code, e.status, start, requestID)
		return
	}
	writeSuccess(w, asXML, action, requestID, out)
	s.logCall(r, action, accessKeyID, "", http.StatusOK, start, requestID)
}

// now is the simulator's time: the phases of async objects, signature
// timestamps and quotas all read it.
func (s *Simulator) now() time.Time { return s.clock.Now() }

func (s *Simulator) call(r *http.Request, action string, now time.Time) (M, string, *apiError) {
	p := r.Form
	key, e := s.authenticate(r.Method, p, now)
	if e != nil {
		return nil, p.Get("AccessKeyId"), e
	}
	op, ok := operations[action]
	if !ok {
		return nil, key.ID, errUnsupportedOperation()
	}
	s.stats.call(action)
	v := s.faults.decide(action)
	if v.latency > 0 {
		time.Sleep(v.latency)
	}
	if v.throttle || (s.quotas && !s.limiter.allow(key.UID, action, pageOffset(p), now)) {
		s.stats.throttle(action)
		return nil, key.ID, errThrottled()
	}
	if v.injected != nil && !v.afterEffect {
		return nil, key.ID, v.injected
	}
	c := &call{s: s, p: p, action: action, key: key, now: now, host: r.Host, tls: r.TLS != nil}
	if !op.anyRegion || p.Get("IotInstanceId") != "" {
		inst, e := s.instances.resolve(p.Get("RegionId"), p.Get("IotInstanceId"), op.anyRegion)
		if e != nil {
			return nil, key.ID, e
		}
		c.inst = inst
	}
	out, e := s.run(op, c, now)
	if v.answerDelay > 0 {
		time.Sleep(v.answerDelay) // the effect is visible; the answer is not
	}
	if v.injected != nil && e == nil {
		return nil, key.ID, v.injected // it took effect; the answer is lost
	}
	return out, key.ID, e
}

// run applies one operation to the world under the lock.
func (s *Simulator) run(op operation, c *call, now time.Time) (M, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.w = s.world
	s.advance(now)
	return op.handle(c)
}

// logCall writes the request log line: never a secret or a parameter value
// beyond the action and the AccessKeyId (an identifier, sent in clear).
func (s *Simulator) logCall(r *http.Request, action, accessKeyID, code string, status int, start time.Time, requestID string) {
	if !s.log.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "API call",
		slog.String("action", action),
		slog.String("code", cmp.Or(code, "OK")),
		slog.Int("status", status),
		slog.Duration("latency", time.Since(start)),
		slog.String("accessKeyId", accessKeyID),
		slog.String("region", r.Form.Get("RegionId")),
		slog.String("requestId", requestID))
}
