package fleet

import "github.com/kiot-dev/kiot/internal/iot"

// Phase is where one device's registration stands.
type Phase int

const (
	// PhaseUnknown: the Registrar has never heard of the name (or forgot it).
	PhaseUnknown Phase = iota
	// PhaseQueued: waiting for its batch to form (the linger).
	PhaseQueued
	// PhaseChecking: in a BatchCheckDeviceNames batch.
	PhaseChecking
	// PhaseRegistering: its batch's ApplyId is journaled and registering.
	PhaseRegistering
	// PhaseRegistered: created by this Registrar; IotID and DeviceSecret set.
	PhaseRegistered
	// PhaseExists: the name was already taken in the product; observe and
	// adopt it.
	PhaseExists
	// PhaseRefused: the name or nickname can never be registered as given;
	// Reason says why (the Device reports InvalidSpec).
	PhaseRefused
	// PhaseFailed: the batch met an error that retrying cannot cure here
	// (the product is gone, permissions); Reason says which. Reported
	// once: the next Register of the name queues it again.
	PhaseFailed
	// PhaseDirect: waiting for, or in, its own RegisterDevice call.
	PhaseDirect
)

var phaseNames = [...]string{"Unknown", "Queued", "Checking", "Registering", "Registered", "Exists", "Refused", "Failed", "Direct"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "Phase(?)"
}

// Registration is one device's registration as the Registrar knows it.
type Registration struct {
	Phase Phase
	// ApplyID is the batch's, once it has one.
	ApplyID int64
	// IotID and DeviceSecret are set in PhaseRegistered.
	IotID        string
	DeviceSecret iot.Secret
	// Reason explains PhaseRefused and PhaseFailed; in a pending phase it
	// is the last transient error met, if any, for the Device's message.
	// It never holds a secret.
	Reason string
}

// Pending reports a registration still under way: the Device waits to be
// woken by the Registrar's notifier.
func (r Registration) Pending() bool {
	return r.Phase == PhaseQueued || r.Phase == PhaseChecking || r.Phase == PhaseRegistering || r.Phase == PhaseDirect
}

// Final reports a result the Device can act on.
func (r Registration) Final() bool { return !r.Pending() && r.Phase != PhaseUnknown }
