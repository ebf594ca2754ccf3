// Command manager runs Kiot, the operator that makes Alibaba Cloud IoT
// Platform declarative.
package main

import (
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kiot-dev/kiot/controllers"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/logging"
)

func main() {
	o := controllers.DefaultManagerOptions()
	flag.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "Address the Prometheus metrics endpoint binds to; 0 disables it.")
	flag.BoolVar(&o.MetricsSecure, "metrics-secure", o.MetricsSecure, "Serve metrics over HTTPS to callers the API server authenticates and authorizes (ClusterRole kiot-metrics-reader); false serves plain HTTP to anyone, for a loopback run only.")
	flag.StringVar(&o.MetricsCertDir, "metrics-cert-dir", o.MetricsCertDir, "Directory with tls.crt and tls.key for the metrics endpoint (reloaded when they change); empty: a self-signed certificate generated at start.")
	flag.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "Address the /healthz and /readyz probes bind to.")
	flag.StringVar(&o.PprofAddr, "pprof-bind-address", o.PprofAddr, "Address Go's /debug/pprof profiles are served on, plain HTTP without authentication (use 127.0.0.1:PORT and port-forward); empty or 0 serves none.")
	flag.BoolVar(&o.LeaderElection, "leader-elect", o.LeaderElection, "Elect a leader so that only one replica reconciles at a time.")
	flag.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", o.LeaseDuration, "How long a standby waits, after the leader's last renewal it saw, before taking the Lease.")
	flag.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", o.RenewDeadline, "How long the leader keeps trying to renew before it stops leading. It writes, to the cloud and to Kubernetes, only while its last renewal is younger than this; must be shorter than the lease duration (the difference is the margin for a write to arrive).")
	flag.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", o.RetryPeriod, "How often the leader renews and a standby tries to acquire.")
	flag.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace, "Namespace of the leader election Lease (default: the pod's namespace).")
	flag.Float64Var(&o.KubeAPIQPS, "kube-api-qps", o.KubeAPIQPS, "Queries per second to the Kubernetes API server.")
	flag.IntVar(&o.KubeAPIBurst, "kube-api-burst", o.KubeAPIBurst, "Burst of queries to the Kubernetes API server.")
	opts := &o.Controllers
	flag.IntVar(&opts.MaxConcurrentReconciles, "max-concurrent-reconciles", opts.MaxConcurrentReconciles, "Workers per controller.")
	flag.IntVar(&opts.DeviceWorkers, "device-workers", opts.DeviceWorkers, "Workers of the Device controller; they share batched reads, so more workers make fewer platform calls.")
	flag.DurationVar(&opts.ResyncPeriod, "resync-period", opts.ResyncPeriod, "How often every resource is observed again to correct drift.")
	flag.DurationVar(&opts.DistributeTiming.PollMin, "distribute-poll-min", opts.DistributeTiming.PollMin, "Shortest interval between two polls of a running distribution job.")
	flag.BoolVar(&opts.Clients.AllowCustomEndpoints, "allow-custom-endpoints", opts.Clients.AllowCustomEndpoints, "Let ProviderConfigs name endpoints other than https://*.aliyuncs.com (the simulator, a proxy); off by default, since requests carry the AccessKey's signatures.")
	flag.StringVar(&opts.OperatorNamespace, "operator-namespace", opts.OperatorNamespace, "Namespace of the operator's own state (the batch registration journal); default $POD_NAMESPACE, else kiot-system.")
	flag.DurationVar(&opts.DistributeTiming.PollMax, "distribute-poll-max", opts.DistributeTiming.PollMax, "Longest interval between two polls of a running distribution job.")
	quotaShare := flag.Int("quota-share-percent", int(opts.Clients.QuotaShare*100), "Percentage of every IoT Platform action's documented QPS Kiot may use (1-100; at most 90 takes effect), leaving the rest to the account's other applications; a ProviderConfig's spec.quotaSharePercent overrides it.")
	flag.DurationVar(&opts.RegistrationBatchEstimate, "registration-batch-estimate", opts.RegistrationBatchEstimate, "How long a batch registration is expected to take until one has been seen (then learned from those seen); it decides how many new devices go straight to RegisterDevice meanwhile. The platform's take minutes.")
	flag.StringVar(&opts.ClusterID, "cluster-id", opts.ClusterID, "This cluster's identity in the ownership marks Kiot puts on products and groups (letters, digits, hyphens; default: the kube-system namespace's UID). Give every cluster sharing an account its own, and keep it across reinstalls.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	share, err := aliyun.SharePercent(int32(*quotaShare))
	if err != nil || share == 0 {
		fmt.Fprintln(os.Stderr, "--quota-share-percent: a percentage from 1 to 100")
		os.Exit(2)
	}
	opts.Clients.QuotaShare = share

	ctrl.SetLogger(logging.WithoutAPIBodies(zap.New(zap.UseFlagOptions(&zapOpts))))
	setupLog := ctrl.Log.WithName("setup")

	mgr, err := controllers.NewManager(ctrl.GetConfigOrDie(), o)
	if err != nil {
		setupLog.Error(err, "Creating the manager")
		os.Exit(1)
	}
	setupLog.Info("Starting the manager", "resyncPeriod", opts.ResyncPeriod, "maxConcurrentReconciles", opts.MaxConcurrentReconciles)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		setupLog.Error(err, "Running the manager")
		os.Exit(1)
	}
}
