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
	// MaxConcurrentReconciles bounds the workers of each controller but the
	// Device's.
	MaxConcurrentReconciles int
	// DeviceWorkers bounds the Device controller's workers (0: as
	// MaxConcurrentReconciles). A Device's reconcile mostly waits for a read
	// shared by every Device of its product, and one read carries as many
	// Devices as wait for it (up to 100 a BatchQueryDeviceDetail call), so
	// more workers make fewer platform calls, not more.
	DeviceWorkers int
	// ResyncPeriod is how often a resource is observed again to catch drift.
	ResyncPeriod time.Duration
	// MinPollInterval is the floor of the iot.kiot.dev/poll-interval
	// annotation (0: managed.MinPollInterval, 30s); the envtest suites
	// lower it to stay quick. Not a flag: the floor protects the
	// AccessKey's quotas, shared by every tenant.
	MinPollInterval time.Duration
	// ConflictRetry is how long a resource waits after the platform says it
	// is busy (a running job, a batch in progress); 0 means 30s.
	ConflictRetry time.Duration
	// DistributeTiming paces DistributeJobs: how often a running job is
	// polled, and how long a job waits for a free slot (0: ConflictRetry).
	DistributeTiming distribution.Timing
	// ProductRecount is how long a Product waits after a change of one of
	// its Devices before observing the platform again (0: 30s).
	ProductRecount time.Duration
	// OperatorNamespace is where the operator keeps its own state (the
	// batch registration journal's ConfigMaps).
	OperatorNamespace string
	// RegistrationPoll is the longest wait between two reads of a batch
	// registration's progress (0: the Registrar's default, 2s; the suite
	// shortens it).
	RegistrationPoll time.Duration
	// RegistrationLinger and RegistrationMaxLinger shape batches: a forming
	// batch leaves once no name came for RegistrationLinger, at the latest
	// RegistrationMaxLinger after its first (0: the Registrar's defaults,
	// 200 ms and 1 s).
	RegistrationLinger    time.Duration
	RegistrationMaxLinger time.Duration
	// RegistrationBatchEstimate is the batch registration's duration the
	// Registrar expects until it has seen one (0: its default, 2 minutes,
	// the seed's "some minutes"); it decides how many new devices go
	// straight to RegisterDevice meanwhile.
	RegistrationBatchEstimate time.Duration
	// Clients builds the IoT Platform clients (tests shorten backoffs).
	Clients providerconfig.ClientFactory
	// CredentialsRecheck is how often a ProviderConfig's credentials are
	// read again for its Ready condition (0: DefaultCredentialsRecheck).
	CredentialsRecheck time.Duration
	// ClusterID is this cluster's identity in the ownership marks on
	// products and groups; empty means the kube-system namespace's UID,
	// which every cluster has, is unique and survives reinstalling Kiot.
	ClusterID string
}
