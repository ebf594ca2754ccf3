// Package controllers wires Kiot's reconcilers into a controller-runtime
// manager. Each file holds one kind's controller; cloud logic lives in
// internal/.
package controllers

import (
	"time"

	"github.com/kiot-dev/kiot/internal/distribution"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// Options are the manager-wide settings every controller honours.
type Options struct {
	// MaxConcurrentReconciles bounds the workers of each controller.
	MaxConcurrentReconciles int
	// ResyncPeriod is how often a resource is observed again to catch drift.
	ResyncPeriod time.Duration
	// ConflictRetry is how long a resource waits after the platform says it
	// is busy (a running job, a batch in progress); 0 means 30s.
	ConflictRetry time.Duration
	// DistributeTiming paces DistributeJobs: how often a running job is
	// polled, and how long a job waits for a free slot (0: ConflictRetry).
	DistributeTiming distribution.Timing
	// ProductRecount is how long a Product waits after a change of one of
	// its Devices before observing the platform again (0: 30s).
	ProductRecount time.Duration
	// Clients builds the IoT Platform clients (tests shorten backoffs).
	Clients providerconfig.ClientFactory
	// ClusterID is this cluster's identity in the ownership marks on
	// products and groups; empty means the kube-system namespace's UID,
	// which every cluster has, is unique and survives reinstalling Kiot.
	ClusterID string
}
