package controllers

import (
	"cmp"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/distribution"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// ManagerOptions say how a Kiot manager runs. Start from
// DefaultManagerOptions: main binds its flags to the fields, the local run
// (hack/local) changes only where it serves, so neither can drift from the
// other.
type ManagerOptions struct {
	// MetricsAddr and ProbeAddr are bind addresses; "0" disables.
	MetricsAddr string
	ProbeAddr   string
	// PprofAddr serves Go's /debug/pprof profiles (plain HTTP, no
	// authentication: bind it to loopback and port-forward); "" or "0",
	// the default, serves none.
	PprofAddr string
	// MetricsSecure serves /metrics over HTTPS to callers the API server
	// authenticates and authorizes (metricsServerOptions); off, plain HTTP
	// to anyone who reaches the address, for a loopback run only.
	MetricsSecure bool
	// MetricsCertDir holds tls.crt and tls.key for the metrics endpoint
	// (watched, so a rotated certificate is served); empty or without
	// them, a self-signed certificate is generated at start.
	MetricsCertDir string
	// LeaderElection makes only one replica reconcile at a time; the Lease
	// lives in LeaderElectionNamespace (empty: the pod's namespace).
	LeaderElection          bool
	LeaderElectionNamespace string
	// LeaseDuration, RenewDeadline and RetryPeriod are the leader
	// election's (client-go's meanings). A replica writes, to the cloud and
	// to Kubernetes, only while its last renewal is younger than
	// RenewDeadline; LeaseDuration − RenewDeadline is the margin for such a
	// write to arrive before another replica can hold the Lease
	// (internal/leaderlease).
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
	// KubeAPIQPS and KubeAPIBurst pace requests to the Kubernetes API.
	KubeAPIQPS   float64
	KubeAPIBurst int
	// Controllers are the options every controller honours.
	Controllers Options
	// Getenv reads the operator's environment (credentials of a
	// ProviderConfig whose source is Env).
	Getenv providerconfig.Getenv
}

// DefaultManagerOptions are production's defaults.
func DefaultManagerOptions() ManagerOptions {
	return ManagerOptions{
		MetricsAddr:   ":8443",
		MetricsSecure: true,
		ProbeAddr:     ":8081",
		// controller-runtime's defaults.
		LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second,
		RetryPeriod:   2 * time.Second,
		// client-go's defaults (20 QPS, burst 30) starve a fleet of
		// thousands of Devices whose Secrets and statuses are written on
		// first reconcile. A client-side limit is the wrong guard for the
		// API server: API Priority and Fairness already queues and sheds
		// a client that asks too much, fairly against everyone else. So
		// the limit only stops a runaway loop, and lets ~1,000 writes/s
		// through (a fleet of 10,000 Devices creates its Secrets and
		// statuses in well under a minute).
		KubeAPIQPS:   1000,
		KubeAPIBurst: 2000,
		Controllers: Options{
			// Workers mostly wait on the platform or the API server;
			// 16 keep a fleet's reconciles flowing while the platform's
			// quotas are enforced by the cloud client, not by starving
			// workers.
			MaxConcurrentReconciles: 16,
			// Enough that a forced resync's fresh reads fill
			// BatchQueryDeviceDetail's 100 names a call.
			DeviceWorkers: 100,
			ResyncPeriod:  10 * time.Minute,
			// The Deployment passes its namespace (the downward API);
			// kiot-system is config/'s.
			OperatorNamespace: cmp.Or(os.Getenv("POD_NAMESPACE"), "kiot-system"),
			// Retry stays 0 so that it follows ConflictRetry.
			DistributeTiming: distribution.Timing{PollMin: distribution.DefaultTiming.PollMin, PollMax: distribution.DefaultTiming.PollMax},
			Clients:          providerconfig.ClientFactory{UserAgent: userAgent(), QuotaShare: aliyun.DefaultQuotaShare},
			// The platform's batches take "some minutes" (L13434).
			RegistrationBatchEstimate: 2 * time.Minute,
		},
		Getenv: os.Getenv,
	}
}

// leaderElectionID names the Lease replicas compete for.
const leaderElectionID = "kiot.iot.kiot.dev"

// NewScheme holds the types a Kiot manager reads and writes: Kubernetes'
// own and iot.kiot.dev/v1alpha1.
func NewScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(iotv1.AddToScheme(scheme))
	return scheme
}

// NewManager builds Kiot's manager with every controller registered
// (SetupAll) and its health and readiness checks; the caller starts it.
// cfg is copied, not changed.
func NewManager(cfg *rest.Config, o ManagerOptions) (ctrl.Manager, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = float32(o.KubeAPIQPS), o.KubeAPIBurst
	opts := ctrl.Options{
		Scheme:                  NewScheme(),
		Cache:                   CacheOptions(),
		Metrics:                 metricsServerOptions(o),
		HealthProbeBindAddress:  o.ProbeAddr,
		PprofBindAddress:        o.PprofAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        leaderElectionID,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		// A manager that stops leading exits quickly so its replacement starts.
		LeaderElectionReleaseOnCancel: true,
	}
	started := func(ctrl.Manager) {}
	if o.LeaderElection {
		var err error
		if started, err = withLeaseGuard(cfg, &o, &opts); err != nil {
			return nil, err
		}
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return nil, err
	}
	started(mgr)
	if err := SetupAll(mgr, o.Controllers, o.Getenv); err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
}

// userAgent names this replica to the platform, so that its audit trail
// tells replicas apart.
func userAgent() string {
	if name := replicaName(); name != "" {
		return "kiot (" + name + ")"
	}
	return "kiot"
}
