// Command chaos rolls a fleet of Devices, two Products, two DeviceGroups and
// a DistributeJob out through Kiot, running as its own process, while it is
// killed, the platform fails or loses answers, and kube-apiserver restarts;
// then deletes it all. After each scenario it checks, from the simulator's
// state, that every resource has exactly one cloud object, that Secrets and
// memberships match the platform, that every distribution job is recorded,
// and that a deletion leaves nothing behind. `make chaos` runs it; it exits
// non-zero when an invariant fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kiot-dev/kiot/hack/testbed"
)

type options struct {
	devices   int
	scenarios []string
	seed      uint64
	timeout   time.Duration
	phase     time.Duration
	dir       string
	tools     string
	// operator, when set, is the operator binary to run instead of this
	// checkout's (to compare two builds in the same run of the harness).
	operator string
}

func main() {
	var o options
	var names string
	flag.IntVar(&o.devices, "devices", 500, "Devices in the fleet")
	flag.StringVar(&names, "scenarios", "", "comma-separated scenarios to run (default all): "+scenarioNames())
	flag.Uint64Var(&o.seed, "seed", uint64(time.Now().UnixNano()), "seed of the random kill moments and faults")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "bound of the whole run; scenarios not started by then are reported as not run")
	flag.DurationVar(&o.phase, "phase-timeout", 2*time.Minute, "bound of each rollout and each deletion")
	flag.StringVar(&o.dir, "dir", filepath.Join("bin", "chaos"), "where the operator binary and each scenario's logs go")
	flag.StringVar(&o.tools, "tools", os.Getenv("KUBEBUILDER_ASSETS"), "directory of etcd, kube-apiserver and kubectl (make -s envtest-path)")
	flag.StringVar(&o.operator, "operator-binary", "", "run this operator binary instead of building the checkout's (compare another build with the same scenarios)")
	flag.Parse()
	// envtest logs through controller-runtime; its logs are not the report.
	ctrllog.SetLogger(logr.Discard())
	if names != "" {
		o.scenarios = strings.Split(names, ",")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := runAll(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func scenarioNames() string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return strings.Join(names, ",")
}

func runAll(ctx context.Context, o options) (failed bool, err error) {
	if o.tools == "" {
		return false, errors.New("--tools (or KUBEBUILDER_ASSETS) must name the directory of etcd and kube-apiserver: run `make chaos`")
	}
	chosen := scenarios
	if len(o.scenarios) > 0 {
		chosen = nil
		for _, name := range o.scenarios {
			i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == strings.TrimSpace(name) })
			if i < 0 {
				return false, fmt.Errorf("no scenario %q (have %s)", name, scenarioNames())
			}
			chosen = append(chosen, scenarios[i])
		}
	}
	root, err := testbed.RepoRoot()
	if err != nil {
		return false, err
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	start := time.Now()
	log := func(format string, args ...any) {
		fmt.Printf("[%5s] "+format+"\n", append([]any{time.Since(start).Round(time.Second)}, args...)...)
	}
	bin := o.operator
	if bin == "" {
		log("building the operator")
		if bin, err = testbed.BuildOperator(root, dir); err != nil {
			return false, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var results []result
	for i, s := range chosen {
		if ctx.Err() != nil {
			results = append(results, result{name: s.name, notRun: true})
			continue
		}
		log("scenario %s: %s", s.name, s.about)
		res := runScenario(ctx, s, o, testbed.Options{
			Dir: filepath.Join(dir, s.name), ToolsDir: o.tools, RepoRoot: root, OperatorBinary: bin,
			// The bed's batches take 0.2 s (testbed.FastTiming), and the
			// operator is told so: the fleet registers mostly in batches,
			// whose crash safety the scenarios are about, and a few names
			// through RegisterDevice.
			OperatorArgs: []string{"--distribute-poll-min=100ms", "--distribute-poll-max=1s", "--registration-batch-estimate=200ms"},
		}, rand.New(rand.NewPCG(o.seed, uint64(i))), log)
		results = append(results, res)
		log("scenario %s: %s", s.name, res.verdict())
	}
	targetChecks(results)
	fmt.Println()
	report(os.Stdout, results, o, time.Since(start))
	for _, r := range results {
		if !r.ok() {
			failed = true
		}
	}
	return failed, nil
}
