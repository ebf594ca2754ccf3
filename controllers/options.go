// Package controllers wires Kiot's reconcilers into a controller-runtime
// manager. Each file holds one kind's controller; cloud logic lives in
// internal/.
package controllers

import (
	"time"
)

// Options are the manager-wide settings every controller honours.
type Options struct {
	// MaxConcurrentReconciles bounds the workers of each controller.
	MaxConcurrentReconciles int
	// ResyncPeriod is how often a resource is observed again to catch drift.
	ResyncPeriod time.Duration
}
