// Package testbed brings Kiot up on loopback for harnesses that drive it
// from outside, as a cluster would run it: etcd and kube-apiserver (envtest,
// from the cached toolchain) with Kiot's CRDs, the IoT Platform simulator in
// this process, a ProviderConfig "default" pointing at it, and the operator
// as its own OS process that can be killed and started again. make chaos
// and make bench use it.
package testbed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// Options configure a Bed. Dir, ToolsDir and OperatorBinary are required;
// the rest have defaults fit for a fleet of a few thousand objects.
type Options struct {
	// Dir receives the kubeconfig, the certificates and every log
	// (operator.log, kube-apiserver.log, etcd.log, iot-sim.log). It is kept
	// after Stop, so a failure can be diagnosed.
	Dir string
	// ToolsDir holds etcd, kube-apiserver and kubectl (make -s envtest-path).
	ToolsDir string
	// RepoRoot is where config/crd/bases is read; default: the directory
	// holding go.mod, found upwards from the working directory.
	RepoRoot string
	// OperatorBinary is the manager built by BuildOperator.
	OperatorBinary string
	// OperatorArgs are added to the operator's command line (flags of
	// main.go, e.g. --max-concurrent-reconciles=8).
	OperatorArgs []string
	// ResyncPeriod is the operator's --resync-period; default 1 minute.
	ResyncPeriod time.Duration
	// SimTiming shortens the simulator's asynchronous phases; zero fields
	// take a fast default (batches and distribution jobs in well under a
	// second).
	SimTiming iotsim.Timing
	// SupervisePeriod: when the operator exits on its own (not by Kill),
	// it is started again after this pause, as a kubelet would; default 1s.
	SupervisePeriod time.Duration
	// Replicas is how many operator processes run (default 1). More than
	// one elect a leader through the Lease, as config/default's two do;
	// each logs to operator-replica-N.log.
	Replicas int
}

// Bed is a running test bed.
type Bed struct {
	// Sim is the simulator: Snapshot for the cloud's state and call counts,
	// SetFaults for failures.
	Sim *iotsim.Simulator
	// SimURL is the simulator's address, http://127.0.0.1:port.
	SimURL string
	// Operator is the operator process (the first replica).
	Operator *Operator
	// Operators are every replica, Operator first.
	Operators []*Operator
	// Kubeconfig is the admin kubeconfig file (the operator uses it too).
	Kubeconfig string
	// Dir is Options.Dir, with the logs.
	Dir string

	cp     *controlPlane
	sim    *simServer
	client client.Client
	config *rest.Config
}

// Scheme knows the core kinds and Kiot's.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := iotv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// Namespace of the credentials Secret, as in make local.
const (
	operatorNamespace = "kiot-system"
	credentialsSecret = "iot-sim-credentials"
)

// Start brings the whole bed up and returns once the operator's
// ProviderConfig "default" is Ready. On error, whatever started is stopped.
func Start(ctx context.Context, o Options) (_ *Bed, err error) {
	if o.Dir == "" || o.ToolsDir == "" || o.OperatorBinary == "" {
		return nil, errors.New("testbed: Dir, ToolsDir and OperatorBinary are required")
	}
	if o.RepoRoot == "" {
		if o.RepoRoot, err = RepoRoot(); err != nil {
			return nil, err
		}
	}
	if o.ResyncPeriod == 0 {
		o.ResyncPeriod = time.Minute
	}
	if o.SupervisePeriod == 0 {
		o.SupervisePeriod = time.Second
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	b := &Bed{Dir: o.Dir}
	defer func() {
		if err != nil {
			b.Stop()
		}
	}()
	if b.cp, err = startControlPlane(o.Dir, o.ToolsDir, filepath.Join(o.RepoRoot, "config", "crd", "bases")); err != nil {
		return nil, err
	}
	b.config, b.Kubeconfig = b.cp.config, b.cp.kubeconfig
	if b.client, err = client.New(b.config, client.Options{Scheme: Scheme}); err != nil {
		return nil, err
	}
	if b.sim, err = startSimulator(o.Dir, o.SimTiming); err != nil {
		return nil, err
	}
	b.Sim, b.SimURL = b.sim.sim, "http://"+b.sim.addr
	if err := b.createProviderConfig(ctx); err != nil {
		return nil, err
	}
	// The ProviderConfig points at the simulator on loopback.
	args := append([]string{"--resync-period=" + o.ResyncPeriod.String(), "--allow-custom-endpoints"}, o.OperatorArgs...)
	replicas := max(o.Replicas, 1)
	for i := range replicas {
		name, logName := fmt.Sprintf("replica-%d", i+1), "operator.log"
		if replicas > 1 {
			logName = "operator-" + name + ".log"
		}
		op := newOperator(o.OperatorBinary, b.Kubeconfig, filepath.Join(o.Dir, logName), args, o.SupervisePeriod, name, replicas > 1)
		b.Operators = append(b.Operators, op)
		if err := op.Start(); err != nil {
			return nil, err
		}
	}
	b.Operator = b.Operators[0]
	if err := b.waitProviderConfigReady(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	return b, nil
}

// Client is an admin client of the control plane (Kiot's kinds and the
// core ones).
func (b *Bed) Client() client.Client { return b.client }

// RESTConfig is the admin client's configuration.
func (b *Bed) RESTConfig() *rest.Config { return rest.CopyConfig(b.config) }

// OnAnswer calls hook with the action of every simulator API call after the
// call took effect and before its answer is written: killing the operator
// there loses the answer of a call that happened. nil removes the hook.
func (b *Bed) OnAnswer(hook func(action string)) { b.sim.setHook(hook) }

// Writes are the simulator API calls that change the platform, in the
// order they arrived, with the replica that sent each.
func (b *Bed) Writes() []Write { return b.sim.writes() }

// InFlight is the number of simulator API calls of action being served now.
func (b *Bed) InFlight(action string) int64 { return b.sim.inFlight(action) }

// RestartAPIServer stops kube-apiserver, waits pause, and starts it again
// on the same address with the same certificates; etcd keeps running, so
// nothing stored is lost. Clients reconnect on their own.
func (b *Bed) RestartAPIServer(pause time.Duration) error {
	return b.cp.restartAPIServer(pause)
}

// Stop stops the operator, the simulator and the control plane. The logs in
// Dir stay.
func (b *Bed) Stop() {
	for _, op := range b.Operators {
		op.Stop()
	}
	if b.sim != nil {
		b.sim.stop()
	}
	if b.cp != nil {
		b.cp.stop()
	}
}

func (b *Bed) createProviderConfig(ctx context.Context) error {
	if err := b.client.Create(ctx, &corev1.Namespace{ObjectMeta: objectMeta("", operatorNamespace)}); err != nil {
		return err
	}
	if err := b.client.Create(ctx, &corev1.Secret{
		ObjectMeta: objectMeta(operatorNamespace, credentialsSecret),
		StringData: map[string]string{
			iotv1.SecretKeyAccessKeyID:     iotsim.DefaultAccessKeyID,
			iotv1.SecretKeyAccessKeySecret: iotsim.DefaultAccessKeySecret,
		},
	}); err != nil {
		return err
	}
	return b.client.Create(ctx, &iotv1.ProviderConfig{
		ObjectMeta: objectMeta("", iotv1.DefaultProviderConfigName),
		Spec: iotv1.ProviderConfigSpec{
			Region:   "cn-shanghai",
			Endpoint: b.SimURL,
			Credentials: iotv1.ProviderCredentials{
				Source:    iotv1.CredentialsSourceSecret,
				SecretRef: &iotv1.SecretReference{Namespace: operatorNamespace, Name: credentialsSecret},
			},
		},
	})
}

func (b *Bed) waitProviderConfigReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var pc iotv1.ProviderConfig
		err := b.client.Get(ctx, client.ObjectKey{Name: iotv1.DefaultProviderConfigName}, &pc)
		if err == nil && IsReady(pc.Status.Conditions) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ProviderConfig default not Ready after %s (see %s)", timeout, b.Operator.LogPath())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// LeaderElectionID and the operator's namespace name the Lease replicas
// compete for (controllers.leaderElectionID).
const leaderElectionID = "kiot.iot.kiot.dev"

// LeaseRecord is the leader election Lease as last written.
type LeaseRecord struct {
	// Identity is the holder's ("" when released); Replica its replica
	// name, the identity up to "_".
	Identity, Replica string
	// Acquired is when the holder took the Lease, on its clock.
	Acquired time.Time
}

// Lease reads the leader election Lease; a zero record when none exists
// yet.
func (b *Bed) Lease(ctx context.Context) (LeaseRecord, error) {
	var l coordinationv1.Lease
	err := b.client.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: leaderElectionID}, &l)
	if apierrors.IsNotFound(err) {
		return LeaseRecord{}, nil
	}
	if err != nil {
		return LeaseRecord{}, err
	}
	var rec LeaseRecord
	if l.Spec.HolderIdentity != nil {
		rec.Identity = *l.Spec.HolderIdentity
		rec.Replica, _, _ = strings.Cut(rec.Identity, "_")
	}
	if l.Spec.AcquireTime != nil {
		rec.Acquired = l.Spec.AcquireTime.Time
	}
	return rec, nil
}

// Replica is the operator process of that name, or nil.
func (b *Bed) Replica(name string) *Operator {
	for _, op := range b.Operators {
		if op.Name() == name {
			return op
		}
	}
	return nil
}
