package controllers

import (
	"sync"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/kiot-dev/kiot/internal/kiotmetrics"
)

// fleetCollector is the collector registered on controller-runtime's
// process-wide registry; a process that builds a new manager (the chaos
// run restarts Kiot in-process) replaces it, so the fleet is always read
// from the running manager's cache.
var fleetCollector struct {
	sync.Mutex
	current *kiotmetrics.Collector
}

// setupFleetMetrics reports the fleet (docs/metrics.md) from mgr's cache,
// once mgr leads.
func setupFleetMetrics(mgr ctrl.Manager) error {
	c := &kiotmetrics.Collector{Reader: mgr.GetCache(), Ready: mgr.Elected(), Log: mgr.GetLogger().WithName("fleet-metrics")}
	fleetCollector.Lock()
	defer fleetCollector.Unlock()
	if fleetCollector.current != nil {
		metrics.Registry.Unregister(fleetCollector.current)
	}
	if err := metrics.Registry.Register(c); err != nil {
		return err
	}
	fleetCollector.current = c
	return nil
}
