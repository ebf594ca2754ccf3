package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kiot-dev/kiot/hack/testbed"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// bench is one run: the bed, the clients, and what was measured so far.
type bench struct {
	o       options
	start   time.Time
	bed     *testbed.Bed
	client  client.Client
	tracker *tracker
	api     *apiRequests
	fleet   *fleet
	keys    map[string]bool // the fleet's ProductKeys
	r       results
}

// run measures one rollout. A phase that did not finish is the results'
// failure (the table then says which and how far it got); err is for a
// bed that could not be brought up at all.
func run(ctx context.Context, o options) (_ results, err error) {
	b := &bench{o: o, start: time.Now(), fleet: newFleet(o.devices, o.devicesPerProduct, o.properties)}
	b.r = results{devices: o.devices, properties: o.properties, products: len(b.fleet.products), workers: o.workers, commit: commit(),
		quota: newQuotaFloor(o.devices, o.devicesPerProduct), operator: o.operatorDescription(),
		platform: platformFloor{batch: o.batchDuration(), share: aliyun.EffectiveShare(0)}}
	root, err := testbed.RepoRoot()
	if err != nil {
		return b.r, err
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return b.r, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return b.r, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return b.r, err
	}
	bin := o.operatorBinary
	if bin == "" {
		b.logf("building the operator")
		if bin, err = testbed.BuildOperator(root, dir); err != nil {
			return b.r, err
		}
	}
	signals := ctx
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	b.logf("starting etcd, kube-apiserver, the simulator (quotas on) and the operator; logs in %s", dir)
	b.bed, err = testbed.Start(ctx, testbed.Options{
		Dir: dir, ToolsDir: o.tools, RepoRoot: root, OperatorBinary: bin,
		OperatorArgs: o.operatorFlags(), ResyncPeriod: o.resyncPeriod,
		SimTiming: o.simTiming(),
	})
	if err != nil {
		return b.r, err
	}
	defer func() {
		if o.keep {
			b.logf("--keep: KUBECONFIG=%s, simulator %s (GET /_sim/state), operator log %s; Ctrl-C stops everything",
				b.bed.Kubeconfig, b.bed.SimURL, b.bed.Operator.LogPath())
			<-signals.Done()
		}
		b.bed.Stop()
	}()
	// The benchmark's client is bounded by its workers alone: client-go's
	// rate limiter would otherwise be the floor being measured.
	cfg := b.bed.RESTConfig()
	cfg.QPS, cfg.Burst = -1, 0
	if b.client, err = client.New(cfg, client.Options{Scheme: testbed.Scheme}); err != nil {
		return b.r, err
	}
	if b.api, err = newAPIRequests(cfg); err != nil {
		return b.r, err
	}
	err = b.phases(ctx, root, cfg)
	b.r.peakRSS = b.bed.Operator.PeakRSS()
	b.r.crashes = b.bed.Operator.Crashes()
	if err != nil {
		b.r.failure = err.Error()
		if ctx.Err() != nil && signals.Err() == nil {
			b.r.failure = fmt.Sprintf("not finished within --timeout %s: %s", o.timeout, err)
		}
		b.logf("%s", b.r.failure)
	}
	return b.r, nil
}

func (b *bench) logf(format string, args ...any) { logf(b.start, format, args...) }

// wait polls check every 200ms until it reports done, logging its
// progress every 10 seconds; on ctx's end the error carries the progress.
func (b *bench) wait(ctx context.Context, what string, check func() (bool, string)) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	lastLog := time.Now()
	for {
		done, progress := check()
		if done {
			return nil
		}
		if time.Since(lastLog) >= 10*time.Second {
			b.logf("%s: %s", what, progress)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s", what, progress)
		case <-tick.C:
		}
	}
}

// commit is the short commit id, with -dirty when the work tree differs.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	id := strings.TrimSpace(string(out))
	if exec.Command("git", "diff", "--quiet", "HEAD", "--", ".").Run() != nil {
		id += "-dirty"
	}
	return id
}

// simTiming is the simulator's timing: the bed's short phases, or the
// batch phases asked for.
func (o options) simTiming() iotsim.Timing {
	if o.batchCheck == 0 && o.batchCreate == 0 {
		return iotsim.Timing{}
	}
	t := testbed.FastTiming
	t.BatchCheck = cmp.Or(o.batchCheck, t.BatchCheck)
	t.BatchCreate = cmp.Or(o.batchCreate, t.BatchCreate)
	return t
}
