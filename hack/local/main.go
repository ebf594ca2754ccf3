// Command local runs Kiot on this machine with nothing but Go: etcd and
// kube-apiserver from the cached toolchain, the IoT Platform simulator and
// the operator, all on loopback; it applies config/samples, waits until
// they are Ready, prints them, and stays up until Ctrl-C, when it stops
// everything it started. `make local` builds and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// options are make local's settings.
type options struct {
	dir, toolsDir, simListen, metricsAddr string
	timeout                               time.Duration
	out                                   io.Writer
	// ready, when set, is closed once everything is Ready (tests).
	ready chan<- struct{}
	// beforeWait, when set, runs once the samples are applied (tests: a
	// resource that is not a sample and never becomes Ready).
	beforeWait func(context.Context, *rest.Config) error
}

func main() {
	o := options{out: os.Stdout}
	flag.StringVar(&o.dir, "dir", filepath.Join("bin", "local"), "where the kubeconfig, logs and etcd data live")
	flag.StringVar(&o.toolsDir, "tools", "", "directory of etcd, kube-apiserver and kubectl (make local passes hack/tools/install.sh's)")
	flag.StringVar(&o.simListen, "sim-listen", "127.0.0.1:18080", "address of the IoT Platform simulator")
	flag.StringVar(&o.metricsAddr, "metrics", "127.0.0.1:18081", "address of the operator's Prometheus metrics")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long to wait for the samples to be Ready before saying so (everything keeps running)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "make local:", err)
		os.Exit(1)
	}
}

// run starts everything, waits for the samples, and stops everything when
// ctx ends.
func run(ctx context.Context, o options) error {
	if o.toolsDir == "" || !exists(filepath.Join(o.toolsDir, "kube-apiserver")) {
		return errors.New("--tools must name the directory of etcd, kube-apiserver and kubectl: run `make local`")
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	held, err := lock(filepath.Join(dir, "lock"))
	if errors.Is(err, errAlreadyRunning) {
		return fmt.Errorf("another make local is already running: %v; use it with KUBECONFIG=%s, or stop it with Ctrl-C first",
			err, filepath.Join(dir, "kubeconfig"))
	}
	if err != nil {
		return err
	}
	defer func() { _ = held.Close() }()
	start := time.Now()
	step := func(what string) { fmt.Fprintf(o.out, "==> %s\n", what) }

	step("Starting etcd and kube-apiserver")
	cp, err := startControlPlane(dir, o.toolsDir)
	if err != nil {
		return err
	}
	defer cp.stop()

	step("Starting the IoT Platform simulator on " + o.simListen + " (documented quotas on)")
	sim, err := startSimulator(dir, o.simListen)
	if err != nil {
		return err
	}
	defer sim.stop()

	k := kubectl{binary: filepath.Join(o.toolsDir, "kubectl"), kubeconfig: cp.kubeconfig}
	step("Installing the operator's RBAC (config/rbac)")
	if err := createNamespace(ctx, cp.config, operatorNamespace); err != nil {
		return err
	}
	if _, err := k.run("apply", "-k", filepath.Join("config", "rbac")); err != nil {
		return err
	}
	step("Starting Kiot as ServiceAccount " + operatorNamespace + "/" + operatorServiceAccount)
	operatorCfg, err := cp.operatorConfig()
	if err != nil {
		return err
	}
	opCtx, stopOperator := context.WithCancel(ctx)
	operatorDone, err := startOperator(opCtx, operatorCfg, dir, o.metricsAddr)
	if err != nil {
		stopOperator()
		return err
	}
	defer func() {
		stopOperator()
		<-operatorDone
	}()

	step("Creating the simulator's credentials and ProviderConfig default")
	if err := createCredentials(ctx, cp.config); err != nil {
		return err
	}
	if _, err := k.run("apply", "-f", filepath.Join(samplesDir(), "providerconfig.yaml")); err != nil {
		return err
	}
	// The sample names the default address; follow the simulator if it
	// listens elsewhere.
	endpoint := fmt.Sprintf(`{"spec":{"endpoint":"http://%s"}}`, sim.addr)
	if _, err := k.run("patch", "providerconfig", "default", "--type", "merge", "-p", endpoint); err != nil {
		return err
	}
	step("Applying config/samples")
	samples, err := sampleObjects(k)
	if err != nil {
		return err
	}
	out, err := k.run("apply", "-k", samplesDir())
	if err != nil {
		return err
	}
	fmt.Fprint(o.out, indent(out))
	if o.beforeWait != nil {
		if err := o.beforeWait(ctx, cp.config); err != nil {
			return err
		}
	}
	step("Waiting for the samples to be Ready")
	allReady, err := waitForSamples(ctx, o.out, cp.config, samples, o.timeout)
	if err != nil {
		return err
	}
	// The samples' table alone: a fleet applied meanwhile would bury it.
	providerConfig, err := k.run("get", "--show-kind", "-f", filepath.Join(samplesDir(), "providerconfig.yaml"))
	if err != nil {
		return err
	}
	table, err := k.run("get", "-k", samplesDir())
	if err != nil {
		return err
	}
	table = providerConfig + "\n" + table
	state := fmt.Sprintf("ready in %s", time.Since(start).Round(time.Second))
	if !allReady {
		state = "some samples are not Ready yet"
	}
	fmt.Fprintf(o.out, "\nKiot is running (%s).\n\n%s\n", state, table)
	fmt.Fprintf(o.out, `Use it:
  export KUBECONFIG=%s
  %s get kiot -A            # kubectl from the toolchain; any kubectl works
  %s get secret light-0001-device -o jsonpath='{.data.deviceSecret}' | base64 -d
  %s get device light-0001 -o jsonpath='{.status.location}'   # moved to Singapore by the DistributeJob
Simulator:  http://%s  (state: curl -s http://%s/_sim/state)
Metrics:    http://%s/metrics
Logs:       %s/{operator,iot-sim,kube-apiserver,etcd}.log

Press Ctrl-C to stop everything.
`, cp.kubeconfig, k.binary, k.binary, k.binary, sim.addr, sim.addr, o.metricsAddr, dir)
	if o.ready != nil && allReady {
		close(o.ready)
	}

	select {
	case <-ctx.Done():
	case err := <-operatorDone:
		if err != nil {
			return fmt.Errorf("the operator stopped: %w", err)
		}
	}
	step("Stopping Kiot, the simulator, kube-apiserver and etcd")
	return nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}
