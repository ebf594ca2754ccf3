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
	flag.Parse()
	// envtest and the cache log through controller-runtime; not the report.
	ctrllog.SetLogger(logr.Discard())
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	complete, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if !complete {
		os.Exit(1)
	}
}

func (o *options) validate() error {
	switch {
	case o.tools == "":
		return errors.New("--tools (or KUBEBUILDER_ASSETS) must name the directory of etcd and kube-apiserver: run `make bench`")
	case o.devices < 1:
		return errors.New("--devices must be at least 1")
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

func (o *options) operatorFlags() []string { return strings.Fields(o.operatorArgs) }

// operatorDescription names the operator's flags that shape a rollout.
func (o *options) operatorDescription() string {
	flags := "its default flags"
	if o.operatorArgs != "" {
		flags = strings.Join(o.operatorFlags(), " ")
	}
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
