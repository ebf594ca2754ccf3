package aliyun

import (
	"strings"
	"time"
)

// WriteGate says whether this process may change the platform now: the
// operator's leader-lease guard (internal/leaderlease) when replicas elect a
// leader, so that a replica that may have lost its lease writes nothing.
type WriteGate interface {
	// Window is how long a write sent now has to complete, or an error when
	// none may be sent.
	Window() (time.Duration, error)
}

// readPrefixes start the names of the operations that only read: the
// platform's naming is regular (Query…, List…, Get…, BatchQuery…,
// BatchGet…). Every other operation is taken to change something,
// BatchCheckDeviceNames included: it creates an ApplyId that holds names.
var readPrefixes = []string{"Query", "List", "Get", "BatchQuery", "BatchGet"}

// IsRead reports whether action only reads the platform's state, so that a
// replica without a lease may still send it.
func IsRead(action string) bool {
	for _, p := range readPrefixes {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// writeWindow asks the gate, for a call that writes, how long it may take;
// 0 and nil mean no limit beyond the attempt's own.
func (c *Client) writeWindow(req Request) (time.Duration, error) {
	if c.cfg.Writes == nil || IsRead(req.Action) {
		return 0, nil
	}
	window, err := c.cfg.Writes.Window()
	if err != nil {
		writesWithheld.WithLabelValues(req.Action).Inc()
		return 0, &Error{Action: req.Action, Message: err.Error(), class: ClassRetryable, cause: err}
	}
	return window, nil
}
