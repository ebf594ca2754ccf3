package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/controllers"
	"github.com/kiot-dev/kiot/internal/logging"
)

// startOperator runs Kiot's manager in this process, with the wiring main
// uses, logging to operator.log. It stops when ctx ends; the returned
// channel reports how it ended.
func startOperator(ctx context.Context, cfg *rest.Config, dir, metricsAddr string) (<-chan error, error) {
	logFile, err := os.Create(filepath.Join(dir, "operator.log"))
	if err != nil {
		return nil, err
	}
	ctrl.SetLogger(logging.WithoutAPIBodies(zap.New(zap.WriteTo(logFile))))

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(iotv1.AddToScheme(scheme))
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 100, 200
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return nil, err
	}
	if err := controllers.SetupAll(mgr, controllers.Options{MaxConcurrentReconciles: 4, ResyncPeriod: 10 * time.Minute}, os.Getenv); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		done <- mgr.Start(ctx)
		_ = logFile.Close()
	}()
	return done, nil
}
