// Command iot-sim runs the IoT Platform simulator (internal/iotsim) on a
// local port, so Kiot and people can develop against the IoT Platform API
// without an Alibaba Cloud account:
//
//	go run ./hack/iot-sim --listen 127.0.0.1:18080 --access-key testid:testsecret
//
// Point a client at http://127.0.0.1:18080 with any RegionId; the
// simulator's own endpoints are under /_sim/ (healthz, state, faults, reset,
// devices/status).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kiot-dev/kiot/internal/iotsim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "iot-sim:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg.opts.Logger = log
	sim, err := iotsim.New(cfg.opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("IoT Platform simulator listening", "url", "http://"+ln.Addr().String(),
		"accessKeys", keyIDs(cfg.opts.AccessKeys), "quotas", cfg.quotas, "stateFile", cfg.opts.StateFile)

	var saveTick <-chan time.Time
	if cfg.opts.StateFile != "" && cfg.saveEvery > 0 {
		t := time.NewTicker(cfg.saveEvery)
		defer t.Stop()
		saveTick = t.C
	}
	for {
		select {
		case err := <-serveErr:
			return err
		case <-saveTick:
			// Periodic saves bound what a crash (SIGKILL) can lose.
			if err := sim.Save(); err != nil {
				log.Error("Saving the state failed", "err", err)
			}
		case <-ctx.Done():
			log.Info("Shutting down")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdownCtx); err != nil {
				log.Error("Shutdown did not finish cleanly", "err", err)
			}
			if err := sim.Save(); err != nil {
				return fmt.Errorf("saving the state: %w", err)
			}
			return nil
		}
	}
}

type config struct {
	listen    string
	quotas    string
	saveEvery time.Duration
	opts      iotsim.Options
}

// parseFlags reads the command line of DESIGN.md's simulator contract.
func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("iot-sim", flag.ContinueOnError)
	var cfg config
	var keys, instances multiFlag
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:18080", "address to listen on")
	fs.Var(&keys, "access-key", "accepted AccessKey as ID:SECRET[:UID] (repeatable; default testid:testsecret, UID "+iotsim.DefaultUID+")")
	fs.StringVar(&cfg.quotas, "quotas", "documented", "flow control: documented (the per-account QPS of each action) or off")
	fs.StringVar(&cfg.opts.StateFile, "state-file", "", "file that keeps the cloud's state across restarts (written atomically)")
	fs.DurationVar(&cfg.saveEvery, "save-interval", 5*time.Second, "how often to save the state file while running (0: only at shutdown)")
	fs.Var(&instances, "instance", "Enterprise Edition instance as ID:REGION (repeatable)")
	t := iotsim.DefaultTiming
	fs.DurationVar(&cfg.opts.Timing.BatchCheck, "batch-check", t.BatchCheck, "duration of a batch registration's CHECK phase")
	fs.DurationVar(&cfg.opts.Timing.BatchCreate, "batch-create", t.BatchCreate, "duration of a batch registration's CREATE phase")
	fs.DurationVar(&cfg.opts.Timing.JobInitializing, "job-initializing", t.JobInitializing, "how long a distribution job stays in status 0")
	fs.DurationVar(&cfg.opts.Timing.JobRunning, "job-running", t.JobRunning, "how long a distribution job stays in status 1")
	fs.DurationVar(&cfg.opts.Timing.ResultURLTTL, "result-url-ttl", t.ResultURLTTL, "validity of a distribution result file URL")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch cfg.quotas {
	case "documented":
		cfg.opts.Quotas = true
	case "off":
	default:
		return cfg, fmt.Errorf("--quotas must be documented or off, not %q", cfg.quotas)
	}
	for _, k := range keys {
		key, err := parseAccessKey(k)
		if err != nil {
			return cfg, err
		}
		cfg.opts.AccessKeys = append(cfg.opts.AccessKeys, key)
	}
	for _, in := range instances {
		id, region, ok := strings.Cut(in, ":")
		if !ok || id == "" || region == "" {
			return cfg, fmt.Errorf("--instance %q: want ID:REGION", in)
		}
		cfg.opts.Instances = append(cfg.opts.Instances, iotsim.Instance{ID: id, Region: region})
	}
	return cfg, nil
}

// parseAccessKey reads ID:SECRET[:UID]. The default key's account is the
// default UID; another UID is another account (for cross-account refusals).
func parseAccessKey(s string) (iotsim.AccessKey, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return iotsim.AccessKey{}, errors.New("--access-key: want ID:SECRET[:UID]")
	}
	k := iotsim.AccessKey{ID: parts[0], Secret: parts[1], UID: iotsim.DefaultUID}
	if len(parts) == 3 && parts[2] != "" {
		k.UID = parts[2]
	}
	return k, nil
}

func keyIDs(keys []iotsim.AccessKey) []string {
	if len(keys) == 0 {
		return []string{iotsim.DefaultAccessKeyID}
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return ids
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
