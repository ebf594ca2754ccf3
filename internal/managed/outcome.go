package managed

import (
	"errors"
	"fmt"
	"time"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// WaitError is a state to wait out rather than a failure: a dependency that
// is not ready, dependents that still exist, a full account quota. The
// engine reports Reason and Message in the conditions and looks again after
// After, without an error and so without the rate limiter's backoff.
type WaitError struct {
	Reason  string
	Message string
	After   time.Duration
	// Progress marks a normal step of the work rather than an obstacle
	// (InProgress): the reconcile did reach the API, so Synced stays True,
	// and no Warning event is raised.
	Progress bool
}

func (e *WaitError) Error() string { return e.Message }

// Wait returns a *WaitError.
func Wait(reason string, after time.Duration, format string, args ...any) error {
	return &WaitError{Reason: reason, Message: fmt.Sprintf(format, args...), After: after}
}

// InProgress returns a *WaitError for work under way that will wake the
// resource when it is done (a batch registration): Ready=False with reason,
// Synced=True, no event, and a look again after `after` in case the wake is
// lost.
func InProgress(reason string, after time.Duration, format string, args ...any) error {
	return &WaitError{Reason: reason, Message: fmt.Sprintf(format, args...), After: after, Progress: true}
}

// TerminalError is a spec the platform cannot accept as written. The engine
// sets Synced=False with Reason and waits for the spec to change instead of
// retrying.
type TerminalError struct {
	Reason string
	Err    error
}

func (e *TerminalError) Error() string { return e.Err.Error() }
func (e *TerminalError) Unwrap() error { return e.Err }

// Terminal wraps err as a *TerminalError with reason InvalidSpec.
func Terminal(err error) error {
	return &TerminalError{Reason: iotv1.ReasonInvalidSpec, Err: err}
}

// outcome is how the engine answers an error.
type outcome struct {
	reason string
	// after > 0 requeues after that long without returning the error.
	after time.Duration
	// progress: the work is under way, nothing failed (InProgress).
	progress bool
	// terminal stops retrying until the spec changes (a resync still runs).
	terminal bool
	// backoff returns the error so the controller's rate limiter backs off
	// exponentially.
	backoff bool
}

// Classifier sorts errors of a cloud client into the engine's classes; the
// table of platform codes lives with the client (internal/aliyun).
type Classifier interface {
	IsTerminal(error) bool
	IsThrottled(error) bool
	IsConflict(error) bool
}

// classify decides how to answer err. Conflicts (a resource locked by a
// running job, a batch in progress) clear up by themselves, so they are
// retried at a steady pace rather than with growing backoff.
func classify(err error, c Classifier, conflictRetry time.Duration) outcome {
	var wait *WaitError
	var terminal *TerminalError
	switch {
	case errors.As(err, &wait):
		return outcome{reason: wait.Reason, after: wait.After, progress: wait.Progress}
	case errors.As(err, &terminal):
		return outcome{reason: terminal.Reason, terminal: true}
	case c != nil && c.IsTerminal(err):
		return outcome{reason: iotv1.ReasonInvalidSpec, terminal: true}
	case c != nil && c.IsThrottled(err):
		return outcome{reason: iotv1.ReasonThrottled, backoff: true}
	case c != nil && c.IsConflict(err):
		return outcome{reason: iotv1.ReasonConflict, after: conflictRetry}
	default:
		return outcome{reason: iotv1.ReasonReconcileError, backoff: true}
	}
}
