package iotsim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Faults are failures injected on demand, for reliability tests (POST
// /_sim/faults, or SetFaults). Setting faults replaces the previous ones; a
// zero Faults clears them.
type Faults struct {
	// Actions maps an action name, or "*" for every action, to its fault.
	// An action's own entry wins over "*".
	Actions map[string]ActionFault `json:"actions,omitempty"`
	// InterruptJobs makes distribution jobs created from now on end in
	// status 3 ("unexpectedly interrupted") instead of 2, without copying.
	InterruptJobs bool `json:"interruptJobs,omitempty"`
	// HoldJobs keeps every unfinished distribution job running (status 1)
	// while set, as a slow platform would; cleared, each job ends as its
	// age says.
	HoldJobs bool `json:"holdJobs,omitempty"`
	// ExpiredResultFiles makes the next N result-file URLs that
	// QueryDeviceDistributeDetail hands out expired already, as if the
	// caller had fetched them more than 10 minutes late.
	ExpiredResultFiles int `json:"expiredResultFiles,omitempty"`
	// JobListLag makes ListDeviceDistributeJob omit jobs younger than this,
	// as a list that lags the platform's writes would: a job just made is
	// known to QueryDeviceDistributeJob but not listed yet.
	JobListLag Duration `json:"jobListLag,omitempty"`
}

// ActionFault is what happens to calls of one action.
type ActionFault struct {
	// ErrorRate is the share of calls (0–1) answered with Code.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// Count, when > 0, limits the injected errors to the next Count calls.
	Count int `json:"count,omitempty"`
	// Code and Message of the injected error; defaults by HTTPStatus.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// HTTPStatus of the injected error: 200 answers in the operation shape
	// (Success=false), anything else in the gateway shape. Default 500.
	HTTPStatus int `json:"httpStatus,omitempty"`
	// Latency is added to every call of the action, e.g. "250ms", before
	// the action runs.
	Latency Duration `json:"latency,omitempty"`
	// AnswerDelay holds the answer this long after the action took effect:
	// the platform already has the object while the caller still waits, the
	// window in which a slow create meets a delete or a crash.
	AnswerDelay Duration `json:"answerDelay,omitempty"`
	// AfterEffect runs the action before answering the injected error: the
	// call took effect but its answer was lost (a timeout, a gateway 5xx).
	AfterEffect bool `json:"afterEffect,omitempty"`
	// Throttle refuses every call with Throttling.User, as if the quota
	// were exhausted (counted as throttled).
	Throttle bool `json:"throttle,omitempty"`
}

// Duration is a time.Duration that reads and writes as "250ms" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64 // a bare number is nanoseconds, as time.Duration
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("duration must be a string like \"250ms\": %w", err)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// faultInjector holds the current faults.
type faultInjector struct {
	mu     sync.Mutex
	faults Faults
}

func (f *faultInjector) set(faults Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = faults
}

func (f *faultInjector) get() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

func (f *faultInjector) interruptJobs() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults.InterruptJobs
}

func (f *faultInjector) holdJobs() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults.HoldJobs
}

// listsJob reports whether ListDeviceDistributeJob shows a job created at
// createdMs, at nowMs, under the JobListLag fault.
func (f *faultInjector) listsJob(createdMs, nowMs int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return nowMs-createdMs >= time.Duration(f.faults.JobListLag).Milliseconds()
}

// takeExpiredResultFile reports whether the next result file is to be
// issued expired, using up one of ExpiredResultFiles.
func (f *faultInjector) takeExpiredResultFile() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faults.ExpiredResultFiles <= 0 {
		return false
	}
	f.faults.ExpiredResultFiles--
	return true
}

// verdict is what the injector decided for one call.
type verdict struct {
	// latency is added before the action runs, answerDelay after it.
	latency, answerDelay time.Duration
	throttle             bool
	// injected is the error to answer (nil: the action's own answer);
	// afterEffect says it comes after running the action, not instead.
	injected    *apiError
	afterEffect bool
}

// decide returns what happens to one call of action.
func (f *faultInjector) decide(action string) verdict {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults.Actions) == 0 {
		return verdict{}
	}
	name := action
	af, ok := f.faults.Actions[name]
	if !ok {
		name = "*"
		if af, ok = f.faults.Actions[name]; !ok {
			return verdict{}
		}
	}
	v := verdict{latency: time.Duration(af.Latency), answerDelay: time.Duration(af.AnswerDelay)}
	if af.Throttle {
		v.throttle = true
		return v
	}
	if af.ErrorRate <= 0 || rand.Float64() >= af.ErrorRate {
		return v
	}
	if af.Count > 0 {
		af.Count--
		if af.Count == 0 {
			af.ErrorRate = 0
		}
		f.faults.Actions[name] = af
	}
	v.injected, v.afterEffect = af.err(), af.AfterEffect
	return v
}

func (af ActionFault) err() *apiError {
	status := cmp.Or(af.HTTPStatus, http.StatusInternalServerError)
	code, msg := af.Code, af.Message
	if status == http.StatusOK {
		e := iotError(cmp.Or(code, "iot.system.SystemException"))
		e.message = cmp.Or(msg, e.message)
		return e
	}
	if code == "" {
		code, msg = defaultFault(status, msg)
	}
	return gatewayError(status, code, cmp.Or(msg, "Injected fault."))
}

func defaultFault(status int, msg string) (string, string) {
	switch {
	case status == http.StatusServiceUnavailable:
		return "ServiceUnavailable", cmp.Or(msg, "The request has failed due to a temporary failure of the server.")
	case status >= 500:
		return "InternalError", cmp.Or(msg, "The request processing has failed due to some unknown error, exception or failure.")
	default:
		return "InvalidParameter", cmp.Or(msg, "Injected fault.")
	}
}
