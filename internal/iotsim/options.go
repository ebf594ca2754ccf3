package iotsim

import (
	"log/slog"
	"time"

	"k8s.io/utils/clock"
)

// Options configure a Simulator. The zero value is a usable simulator: one
// default account (testid:testsecret), documented quotas off unless Quotas is
// set, the seed's public instances, state in memory only, default timing.
type Options struct {
	// AccessKeys are the accepted credentials. Empty means DefaultAccessKey.
	AccessKeys []AccessKey
	// Quotas enforces the documented per-account QPS of every action
	// (aliyun.Quotas) when true; false lifts flow control entirely.
	Quotas bool
	// Instances are Enterprise Edition instances, in addition to the public
	// instance of each region (seed 003 L57–63).
	Instances []Instance
	// StateFile, when set, is loaded by New (if it exists) and written by
	// Save. The simulator does not write it on its own: the caller (the
	// command) decides when, so tests never touch the disk by accident.
	StateFile string
	// Timing holds the durations of the asynchronous phases.
	Timing Timing
	// Logger receives one line per API call (never a secret). Nil discards.
	Logger *slog.Logger
	// Clock replaces the wall clock (tests freeze or step it with
	// k8s.io/utils/clock/testing); nil is the wall clock.
	Clock clock.PassiveClock
}

// AccessKey is one accepted AccessKey pair and the account it belongs to.
// Keys of one account (same UID) share the account's quotas, as RAM users
// share their account's (seed 004 L7857–7859).
type AccessKey struct {
	ID     string `json:"id"`
	Secret string `json:"-"`
	// UID is the Alibaba Cloud account ID (TargetUid of a distribution).
	UID string `json:"uid"`
	// AliyunID is the account's login name (TargetAliyunId).
	AliyunID string `json:"aliyunId"`
}

// The default account: the values DESIGN.md gives a DistributeJob as its
// target account.
const (
	DefaultAccessKeyID     = "testid"
	DefaultAccessKeySecret = "testsecret"
	DefaultUID             = "1980000000000000"
	DefaultAliyunID        = "sim@example.com"
)

// DefaultAccessKey is the key used when Options.AccessKeys is empty.
var DefaultAccessKey = AccessKey{ID: DefaultAccessKeyID, Secret: DefaultAccessKeySecret, UID: DefaultUID, AliyunID: DefaultAliyunID}

// Instance is an IoT Platform instance: the place products, devices and
// groups live.
type Instance struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	// Name is shown as Source/TargetInstanceName in distribution listings.
	Name string `json:"name,omitempty"`
	// Public marks the shared public instance of a region.
	Public bool `json:"public,omitempty"`
}

// Timing holds the durations of the asynchronous phases. The phase of an
// async object is derived from its creation time and these durations on each
// read, so no goroutine runs per object and a persisted state resumes where
// it was. Tests use milliseconds; zero fields take the defaults.
type Timing struct {
	// BatchCheck is how long a batch stays in CHECK (BatchCheckDeviceNames).
	BatchCheck time.Duration
	// BatchCreate is how long a batch stays in CREATE.
	BatchCreate time.Duration
	// JobInitializing is how long a distribution job stays in status 0.
	JobInitializing time.Duration
	// JobRunning is how long it then stays in status 1.
	JobRunning time.Duration
	// ResultURLTTL is how long a QueryDeviceDistributeDetail URL is valid
	// (10 minutes, seed 003 L18–22).
	ResultURLTTL time.Duration
}

// DefaultTiming is the platform's, as far as the seed tells it: a batch
// registration "is asynchronously implemented and takes some minutes"
// (BatchCheckDeviceNames L13434, BatchRegisterDeviceWithApplyId L13691,
// BatchRegisterDevice L13838), so a batch takes two minutes here, half a
// minute to check and a minute and a half to create. Kiot is designed for
// that (a few devices go through RegisterDevice instead); tests and the
// benchmark's short table shorten it explicitly. Distribution jobs take
// seconds, as the seed gives no duration for them.
var DefaultTiming = Timing{
	BatchCheck:      30 * time.Second,
	BatchCreate:     90 * time.Second,
	JobInitializing: 2 * time.Second,
	JobRunning:      4 * time.Second,
	ResultURLTTL:    10 * time.Minute,
}

func (t Timing) withDefaults() Timing {
	if t.BatchCheck <= 0 {
		t.BatchCheck = DefaultTiming.BatchCheck
	}
	if t.BatchCreate <= 0 {
		t.BatchCreate = DefaultTiming.BatchCreate
	}
	if t.JobInitializing <= 0 {
		t.JobInitializing = DefaultTiming.JobInitializing
	}
	if t.JobRunning <= 0 {
		t.JobRunning = DefaultTiming.JobRunning
	}
	if t.ResultURLTTL <= 0 {
		t.ResultURLTTL = DefaultTiming.ResultURLTTL
	}
	return t
}
