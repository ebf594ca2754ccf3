// Command bench measures a fleet rollout through Kiot on loopback: etcd and
// kube-apiserver, the IoT Platform simulator with its documented quotas,
// and the operator as its own process (hack/testbed). It creates N Devices
// with a parallel client, forces one resync sweep, deletes them, and prints
// one Markdown table: the times, the IoT API calls per device by action,
// the throttled calls, the operator's peak memory, and the floors the times
// are compared with (the API server's write rate measured in the same run,
// and the documented quotas). `make bench` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kiot-dev/kiot/hack/testbed"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

type options struct {
	devices           int
	devicesPerProduct int
	workers           int
	keep              bool
	out               string
	timeout           time.Duration
	resyncPeriod      time.Duration
	operatorArgs      string
	finalizerPolicy   bool
	dir               string
	tools             string
	// batchCheck and batchCreate are the simulator's batch phases (0: the
	// test bed's short ones, 0.1 s each); operatorBinary replaces the
	// checkout's build.
	batchCheck, batchCreate time.Duration
	operatorBinary          string
	// properties gives every Device a nickname and two properties.
	properties bool
	// alone creates the Devices one after another instead of together.
	alone int
	// suite names the batch timings whose tables to measure (short,
	// seed); empty runs the one scenario the other flags describe.
	suite string
}

func main() {
	var o options
	flag.IntVar(&o.devices, "devices", 10000, "Devices to roll out")
	flag.IntVar(&o.devicesPerProduct, "devices-per-product", 0, "Devices per Product (0: all under one Product)")
	flag.IntVar(&o.workers, "workers", 16, "parallel requests of the benchmark's Kubernetes client")
	flag.BoolVar(&o.keep, "keep", false, "skip the deletion and leave everything running for inspection until Ctrl-C")
	flag.StringVar(&o.out, "out", "", "also write the table as Markdown to this file")
	flag.DurationVar(&o.timeout, "timeout", 40*time.Minute, "bound of the whole run; what was measured by then is printed and the exit status is 1")
	flag.DurationVar(&o.resyncPeriod, "resync-period", 10*time.Minute, "the operator's --resync-period (its default)")
	flag.BoolVar(&o.finalizerPolicy, "finalizer-policy", true, "install config/admission first, as the Helm chart does where the cluster serves it (Kubernetes 1.36+, as here): the API server puts Kiot's finalizer on each Device at create; false measures a cluster without it")
	flag.StringVar(&o.operatorArgs, "operator-args", "", "extra flags for the operator, space-separated (e.g. --max-concurrent-reconciles=8)")
	flag.StringVar(&o.dir, "dir", filepath.Join("bin", "bench"), "where the operator binary and the logs go")
	flag.StringVar(&o.tools, "tools", os.Getenv("KUBEBUILDER_ASSETS"), "directory of etcd, kube-apiserver and kubectl (make -s envtest-path)")
	flag.DurationVar(&o.batchCheck, "batch-check", 0, "the simulator's batch CHECK phase (default 100ms; the platform's is of the order of the simulator's default, 30s)")
	flag.DurationVar(&o.batchCreate, "batch-create", 0, "the simulator's batch CREATE phase (default 100ms; the simulator's own default is 90s)")
	flag.StringVar(&o.operatorBinary, "operator-binary", "", "run this operator binary instead of building the checkout's (compare two builds)")
	flag.BoolVar(&o.properties, "properties", false, "give every Device a nickname and two properties (site, floor), as real fleets tag their devices")
	flag.IntVar(&o.alone, "alone", 0, "create this many Devices one after another, each once the one before is Ready (replaces --devices)")
	flag.StringVar(&o.suite, "suite", "short,seed", "the tables to measure, one per batch timing: short (the test bed's 100ms+100ms) and seed (the simulator's default 30s+90s, the seed's \"some minutes\"); each runs 1 Device alone ×20, 100 Devices, 10,000 Devices and 10,000 with properties; any of --devices, --alone, --properties, --batch-check, --batch-create runs that one scenario instead")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "devices", "alone", "properties", "batch-check", "batch-create":
			o.suite = ""
		}
	})
	// envtest and the cache log through controller-runtime; not the report.
	ctrllog.SetLogger(logr.Discard())
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var complete bool
	var err error
	if o.suite != "" {
		complete, err = runSuite(ctx, o)
	} else {
		var r results
		if r, err = run(ctx, o); err == nil {
			complete = r.failure == ""
			err = o.print(r.markdown())
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if !complete {
		os.Exit(1)
	}
}

// print writes a table to stdout and, with --out, to that file.
func (o *options) print(table string) error {
	fmt.Print(table)
	if o.out == "" {
		return nil
	}
	return os.WriteFile(o.out, []byte(table), 0o644)
}

func (o *options) validate() error {
	if o.alone > 0 {
		o.devices = o.alone
	}
	switch {
	case o.tools == "":
		return errors.New("--tools (or KUBEBUILDER_ASSETS) must name the directory of etcd and kube-apiserver: run `make bench`")
	case o.devices < 1:
		return errors.New("--devices must be at least 1")
	case o.alone < 0:
		return errors.New("--alone must be 0 (Devices together) or more")
	case o.devicesPerProduct < 0:
		return errors.New("--devices-per-product must be 0 (all under one) or more")
	case o.workers < 1:
		return errors.New("--workers must be at least 1")
	}
	if o.devicesPerProduct == 0 || o.devicesPerProduct > o.devices {
		o.devicesPerProduct = o.devices
	}
	return nil
}

// operatorFlags are --operator-args and, unless they set it, the bed's
// batch duration as --registration-batch-estimate: the operator's default
// (2 minutes) is the platform's "some minutes", and a fresh operator learns
// the duration only from a batch it has run, so a bed of short batches
// would otherwise see its first 2 minutes of names go to RegisterDevice.
func (o *options) operatorFlags() []string {
	flags := strings.Fields(o.operatorArgs)
	if !strings.Contains(o.operatorArgs, "--registration-batch-estimate") {
		flags = append(flags, "--registration-batch-estimate="+o.batchDuration().String())
	}
	return flags
}

// batchDuration is the simulator's CHECK plus CREATE phases in force.
func (o *options) batchDuration() time.Duration {
	t := o.simTiming()
	if t == (iotsim.Timing{}) {
		t = testbed.FastTiming
	}
	return t.BatchCheck + t.BatchCreate
}

// operatorDescription names the operator's flags that shape a rollout.
func (o *options) operatorDescription() string {
	flags := strings.Join(o.operatorFlags(), " ")
	desc := fmt.Sprintf("%s, --resync-period=%s", flags, o.resyncPeriod)
	if o.finalizerPolicy {
		desc += "; finalizer admission policy (config/admission) installed"
	} else {
		desc += "; no finalizer admission policy (as on Kubernetes before 1.36)"
	}
	return desc
}

// logf reports progress on stderr, so stdout holds the table alone.
func logf(start time.Time, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6s] "+format+"\n", append([]any{time.Since(start).Round(time.Second)}, args...)...)
}
