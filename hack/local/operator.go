package main

import (
	"context"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kiot-dev/kiot/controllers"
	"github.com/kiot-dev/kiot/internal/logging"
)

// startOperator runs Kiot's manager in this process, built exactly as main
// builds it (controllers.NewManager with production's defaults) except
// where it serves: metrics in plain HTTP on metricsAddr (loopback), no
// probes, no leader election.
// It logs to operator.log and stops when ctx ends; the returned channel
// reports how it ended.
func startOperator(ctx context.Context, cfg *rest.Config, dir, metricsAddr string) (<-chan error, error) {
	logFile, err := os.Create(filepath.Join(dir, "operator.log"))
	if err != nil {
		return nil, err
	}
	ctrl.SetLogger(logging.WithoutAPIBodies(zap.New(zap.WriteTo(logFile))))

	o := controllers.DefaultManagerOptions()
	o.MetricsAddr, o.ProbeAddr = metricsAddr, "0"
	// Plain HTTP on loopback, so curl and a local Prometheus need no
	// token; the deployed operator serves HTTPS with authorization.
	o.MetricsSecure = false
	// The local ProviderConfig points at the simulator on loopback.
	o.Controllers.Clients.AllowCustomEndpoints = true
	mgr, err := controllers.NewManager(cfg, o)
	if err != nil {
		_ = logFile.Close()
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		done <- mgr.Start(ctx)
		_ = logFile.Close()
	}()
	return done, nil
}
