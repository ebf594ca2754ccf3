package testbed

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// FastTiming, the bed's default, makes batch registrations and
// distribution jobs finish in well under a second, so a fleet's time is
// Kiot's, not the simulator's.
var FastTiming = iotsim.Timing{
	BatchCheck: 100 * time.Millisecond, BatchCreate: 100 * time.Millisecond,
	JobInitializing: 200 * time.Millisecond, JobRunning: 500 * time.Millisecond,
}

// simServer serves the simulator on loopback behind a wrapper that lets a
// harness see each call between its effect and its answer.
type simServer struct {
	sim    *iotsim.Simulator
	server *http.Server
	log    *os.File
	addr   string

	hook     atomic.Pointer[func(string)]
	mu       sync.Mutex
	inflight map[string]int64
	written  []Write
}

// Write is one call that changes the platform, as the simulator received it.
type Write struct {
	At     time.Time
	Action string
	// Replica is the sender's POD_NAME, read from its User-Agent
	// ("kiot (replica-1)"); empty for another client.
	Replica string
}

func (s *simServer) writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.written)
}

// replicaOf reads the replica's name from Kiot's User-Agent.
func replicaOf(userAgent string) string {
	_, rest, ok := strings.Cut(userAgent, "(")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, ")")
	return name
}

func startSimulator(dir string, timing iotsim.Timing) (*simServer, error) {
	logFile, err := os.Create(filepath.Join(dir, "iot-sim.log"))
	if err != nil {
		return nil, err
	}
	if timing == (iotsim.Timing{}) {
		timing = FastTiming
	}
	sim, err := iotsim.New(iotsim.Options{Quotas: true, Timing: timing, Logger: slog.New(slog.NewTextHandler(logFile, nil))})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &simServer{sim: sim, log: logFile, addr: ln.Addr().String(), inflight: map[string]int64{}}
	s.server = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.server.Serve(ln) }()
	return s, nil
}

func (s *simServer) setHook(hook func(string)) {
	if hook == nil {
		s.hook.Store(nil)
		return
	}
	s.hook.Store(&hook)
}

func (s *simServer) inFlight(action string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight[action]
}

// serve reads the call's Action (the body is put back for the simulator),
// counts the call in flight, and calls the hook when the simulator starts
// to answer, that is after the action took effect.
func (s *simServer) serve(w http.ResponseWriter, r *http.Request) {
	action := r.URL.Query().Get("Action")
	if r.Method == http.MethodPost && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			action = form.Get("Action")
		}
	}
	if action == "" {
		s.sim.ServeHTTP(w, r)
		return
	}
	s.mu.Lock()
	s.inflight[action]++
	if !aliyun.IsRead(action) {
		s.written = append(s.written, Write{At: time.Now(), Action: action, Replica: replicaOf(r.UserAgent())})
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight[action]--
		s.mu.Unlock()
	}()
	hw := &hookedWriter{ResponseWriter: w}
	if h := s.hook.Load(); h != nil {
		hw.before = func() { (*h)(action) }
	}
	s.sim.ServeHTTP(hw, r)
}

func (s *simServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.server.Shutdown(ctx)
	_ = s.log.Close()
}

// hookedWriter runs before once, just before the first byte of the answer.
type hookedWriter struct {
	http.ResponseWriter
	before func()
	once   sync.Once
}

func (h *hookedWriter) fire() {
	if h.before != nil {
		h.once.Do(h.before)
	}
}

func (h *hookedWriter) WriteHeader(code int) {
	h.fire()
	h.ResponseWriter.WriteHeader(code)
}

func (h *hookedWriter) Write(p []byte) (int, error) {
	h.fire()
	return h.ResponseWriter.Write(p)
}
