package aliyun

import (
	"errors"
	"fmt"
	"strings"
)

// Error is every failure the IoT Platform reports, in either documented
// shape (004 L3374–3403 and the operations' response tables):
//
//   - HTTP 4xx/5xx with Code and Message (the gateway's shape);
//   - HTTP 200 with Success=false, Code and ErrorMessage (the iot.* shape);
//
// and the failures on the way there (network, oversized or unreadable
// answers), which carry HTTPStatus 0 or the status seen and an empty Code.
//
// Its text never holds parameters, URLs or credentials: only the action, the
// platform's code and message (scrubbed of the caller's credentials, since a
// gateway may echo its string-to-sign) and the request ID for support.
type Error struct {
	Action     string
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string

	class Class
	cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("IoT Platform ")
	b.WriteString(e.Action)
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code)
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	var details []string
	if e.HTTPStatus != 0 {
		details = append(details, fmt.Sprintf("HTTP %d", e.HTTPStatus))
	}
	if e.RequestID != "" {
		details = append(details, "RequestId "+e.RequestID)
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, ", ") + ")")
	}
	return b.String()
}

// Unwrap exposes the cause of a transport failure (for example
// context.DeadlineExceeded), never the *url.Error that would carry the URL.
func (e *Error) Unwrap() error { return e.cause }

// Class is how a caller should react to the error.
func (e *Error) Class() Class { return e.class }

// Class sorts errors by the reaction they call for. Controllers branch on
// it through the Is* helpers below, never on codes.
type Class int

const (
	// ClassUnknown is a code the table does not know. Controllers treat it
	// as an ordinary error: requeue with backoff.
	ClassUnknown Class = iota
	// ClassThrottled is flow control: the call was refused before it ran,
	// so it is always safe to repeat later.
	ClassThrottled
	// ClassRetryable is a transient failure of the platform or the network.
	ClassRetryable
	// ClassNotFound means the object is gone; on delete, that is success.
	ClassNotFound
	// ClassAlreadyExists means a create met an object with its natural key,
	// which the caller should look up and adopt.
	ClassAlreadyExists
	// ClassConflict means the platform's current state blocks the call (a
	// running job, children not yet deleted, a full quota of tasks): retry
	// later, slowly, without changing the request.
	ClassConflict
	// ClassTerminal means the request itself is wrong (invalid input,
	// permissions, an unknown instance): repeating it cannot succeed until
	// the spec or the configuration changes.
	ClassTerminal
)

var classNames = [...]string{"Unknown", "Throttled", "Retryable", "NotFound", "AlreadyExists", "Conflict", "Terminal"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// classified lets errors built outside this package (such as the typed
// operations' input validation) take part in the Is* helpers.
type classified interface {
	Class() Class
}

// ClassOf returns the class of the first classified error in err's chain,
// or ClassUnknown.
func ClassOf(err error) Class {
	var c classified
	if errors.As(err, &c) {
		return c.Class()
	}
	return ClassUnknown
}

// IsThrottled reports flow control by the platform.
func IsThrottled(err error) bool { return ClassOf(err) == ClassThrottled }

// IsRetryable reports a failure that a later identical call may not meet:
// throttling or a transient platform or network failure.
func IsRetryable(err error) bool {
	c := ClassOf(err)
	return c == ClassThrottled || c == ClassRetryable
}

// IsNotFound reports that the object addressed does not exist.
func IsNotFound(err error) bool { return ClassOf(err) == ClassNotFound }

// IsAlreadyExists reports a create that met an existing natural key.
func IsAlreadyExists(err error) bool { return ClassOf(err) == ClassAlreadyExists }

// IsConflict reports a call blocked by the platform's current state.
func IsConflict(err error) bool { return ClassOf(err) == ClassConflict }

// IsTerminal reports a request that cannot succeed as it stands.
func IsTerminal(err error) bool { return ClassOf(err) == ClassTerminal }

// ErrorCode returns the platform's code of err, or "" when err is not an
// *Error. Controllers use it for the few codes that deserve their own
// condition reason (for example CodeRunningTaskExceedLimit).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
