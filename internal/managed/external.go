// Package managed is the one reconcile engine behind every cloud-backed
// kind. It owns finalizers, deletion and management policies, the pause,
// on-demand and poll-interval annotations, conditions, events, the
// connection Secret and the classification of errors; each kind supplies
// only a Connector and an External (Observe / Create / Update / Delete).
package managed

import (
	"context"
	"errors"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// Object is a Kiot resource the engine can reconcile.
type Object interface {
	client.Object
	// Managed returns the controls shared by every cloud-backed kind.
	Managed() *iotv1.ManagedSpec
	// ManagedStatus returns the status every cloud-backed kind reports.
	ManagedStatus() *iotv1.ManagedStatus
}

// Observation is what Observe learned of the cloud resource.
type Observation struct {
	// Exists is false when the cloud resource is not there (never created,
	// or deleted behind Kiot's back).
	Exists bool
	// UpToDate is false when the cloud resource differs from the spec.
	UpToDate bool
	// Drift names what differs, for the event and the log ("nickname").
	Drift []string
	// Secret is the data of the resource's connection Secret; nil when the
	// kind writes none.
	Secret map[string][]byte
	// Readiness, when set, is the kind's own verdict: a resource that exists
	// and matches its spec may still not be Ready (a job that is running).
	// Nil means Ready once it exists and is up to date.
	Readiness *Readiness
}

// Readiness is a kind's verdict on its Ready condition.
type Readiness struct {
	Ready   bool
	Reason  string
	Message string
	// RecheckAfter, when set, observes again that soon instead of at the
	// resync period (a running job is polled).
	RecheckAfter time.Duration
}

// External is one kind's cloud logic for one resource.
//
// The engine calls Observe on every reconcile; it calls Create only when
// Observe found nothing and the policy is Manage, Update only when Observe
// found drift and the policy is Manage, and Delete only for a resource being
// deleted with policy Delete.
type External interface {
	// Observe reads the cloud resource. It must not modify the cloud. It
	// records what it learned (identifiers, state, counts) in the object's
	// status, never in its spec.
	Observe(ctx context.Context, obj Object) (Observation, error)
	// Create makes the cloud resource and records its identifiers in the
	// object's status; the engine persists that status before anything else
	// can fail. It must adopt a resource of the same natural key that already
	// exists (a crash between a create and its status write) rather than
	// make a second one.
	Create(ctx context.Context, obj Object) error
	// Update brings the cloud resource to the spec; obs is the observation
	// that found it out of date.
	Update(ctx context.Context, obj Object, obs Observation) error
	// Delete removes the cloud resource using the identifiers in status,
	// or, when status has none (a create whose answer was lost or that a
	// delete overtook), by the resource's natural key. When it finds
	// nothing to delete it returns ErrAlreadyGone, so the engine never
	// reports a deletion that did not happen.
	Delete(ctx context.Context, obj Object) error
}

// CreationReporter is an External that may report a creation itself: a
// Device registered in a batch is reported once per batch, on its Product,
// so a fleet does not write an event per Device. When CreationReported
// says so after a Create, the engine records no Created event of its own.
type CreationReporter interface {
	CreationReported() bool
}

// ErrAlreadyGone is Delete's answer when no cloud resource was there to
// delete: never created, or deleted behind Kiot's back. The engine releases
// the finalizer as after a deletion but reports what really happened.
var ErrAlreadyGone = errors.New("no cloud resource was found to delete")

// ErrNotOurs is Delete's answer when the cloud resource it would delete is
// not the resource's: another owner's, or one Kiot was never asked to
// adopt. The engine leaves it alone, says so, and releases the finalizer.
var ErrNotOurs = errors.New("left the cloud resource alone")

// Connector builds an External for one resource from its ProviderConfig.
type Connector interface {
	Connect(ctx context.Context, obj Object) (External, error)
}
