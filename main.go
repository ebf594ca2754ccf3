// Command manager runs Kiot, the operator that makes Alibaba Cloud IoT
// Platform declarative.
package main

import (
	"flag"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/controllers"
	"github.com/kiot-dev/kiot/internal/distribution"
	"github.com/kiot-dev/kiot/internal/logging"
)

func main() {
	var (
		metricsAddr, probeAddr string
		leaderElect            bool
		leaderElectionNS       string
		kubeAPIQPS             float64
		kubeAPIBurst           int
		opts                   controllers.Options
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "Address the Prometheus metrics endpoint binds to; 0 disables it.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles at a time.")
	flag.StringVar(&leaderElectionNS, "leader-election-namespace", "", "Namespace of the leader election Lease (default: the pod's namespace).")
	// client-go's defaults (20 QPS, burst 30) starve a fleet of thousands of
	// Devices whose Secrets and statuses are written on first reconcile.
	flag.Float64Var(&kubeAPIQPS, "kube-api-qps", 100, "Queries per second to the Kubernetes API server.")
	flag.IntVar(&kubeAPIBurst, "kube-api-burst", 200, "Burst of queries to the Kubernetes API server.")
	flag.IntVar(&opts.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "Workers per controller.")
	flag.DurationVar(&opts.ResyncPeriod, "resync-period", 10*time.Minute, "How often every resource is observed again to correct drift.")
	flag.DurationVar(&opts.DistributeTiming.PollMin, "distribute-poll-min", distribution.DefaultTiming.PollMin, "Shortest interval between two polls of a running distribution job.")
	flag.DurationVar(&opts.DistributeTiming.PollMax, "distribute-poll-max", distribution.DefaultTiming.PollMax, "Longest interval between two polls of a running distribution job.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()

	ctrl.SetLogger(logging.WithoutAPIBodies(zap.New(zap.UseFlagOptions(&zapOpts))))
	setupLog := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(iotv1.AddToScheme(scheme))

	restConfig := ctrl.GetConfigOrDie()
	restConfig.QPS = float32(kubeAPIQPS)
	restConfig.Burst = kubeAPIBurst

	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          leaderElect,
		LeaderElectionID:        "kiot.iot.kiot.dev",
		LeaderElectionNamespace: leaderElectionNS,
		// A manager that stops leading exits quickly so its replacement starts.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		setupLog.Error(err, "Creating the manager")
		os.Exit(1)
	}

	if err := controllers.SetupAll(mgr, opts, os.Getenv); err != nil {
		setupLog.Error(err, "Setting up the controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "Adding the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		setupLog.Error(err, "Adding the readiness check")
		os.Exit(1)
	}

	setupLog.Info("Starting the manager", "resyncPeriod", opts.ResyncPeriod, "maxConcurrentReconciles", opts.MaxConcurrentReconciles)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		setupLog.Error(err, "Running the manager")
		os.Exit(1)
	}
}
