package controllers

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kiot-dev/kiot/internal/leaderlease"
)

// withLeaseGuard makes a leader-electing manager write only while its Lease
// is known to be held (internal/leaderlease): the Lease lock is wrapped so
// that the guard sees each renewal, and both the manager's Kubernetes client
// and every IoT Platform client ask the guard before a write. The returned
// function hands the lock the manager's event recorder once the manager
// exists.
func withLeaseGuard(cfg *rest.Config, o *ManagerOptions, opts *ctrl.Options) (func(ctrl.Manager), error) {
	guard, err := leaderlease.New(leaderlease.Timing{LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline}, nil)
	if err != nil {
		return nil, err
	}
	events := &lateRecorder{}
	lock, err := newLeaseLock(cfg, o, events)
	if err != nil {
		return nil, err
	}
	opts.LeaderElectionResourceLockInterface = leaderlease.Wrap(lock, guard)
	opts.LeaseDuration, opts.RenewDeadline, opts.RetryPeriod = &o.LeaseDuration, &o.RenewDeadline, &o.RetryPeriod
	opts.NewClient = guard.NewClient
	o.Controllers.Clients.Writes = guard
	return func(mgr ctrl.Manager) {
		events.target.Store(&eventRecorder{mgr.GetEventRecorderFor("kiot-leader-election")}) //nolint:staticcheck // the Lease lock takes the old events API
	}, nil
}

// newLeaseLock is the Lease lock controller-runtime would build, with an
// identity that starts with the replica's name (POD_NAME, else the
// hostname: in a pod, the same) so that people and harnesses can tell which
// replica holds it.
func newLeaseLock(cfg *rest.Config, o *ManagerOptions, events resourcelock.EventRecorder) (resourcelock.Interface, error) {
	namespace := o.LeaderElectionNamespace
	if namespace == "" {
		raw, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
		if err != nil {
			return nil, errors.New("leader election: not running in a pod; give --leader-election-namespace")
		}
		namespace = strings.TrimSpace(string(raw))
	}
	cfg = rest.AddUserAgent(rest.CopyConfig(cfg), "leader-election")
	// One hung request must not cost the Lease: as controller-runtime does.
	cfg.Timeout = max(o.RenewDeadline/2, time.Second)
	core, err := corev1client.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	coordination, err := coordinationv1client.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, namespace, leaderElectionID, core, coordination,
		resourcelock.ResourceLockConfig{Identity: replicaName() + "_" + string(uuid.NewUUID()), EventRecorder: events})
	if err != nil {
		return nil, fmt.Errorf("leader election: %w", err)
	}
	return lock, nil
}

// replicaName is this replica's name: the pod's (the Deployment passes
// POD_NAME from the downward API), else the host's.
func replicaName() string {
	if name := os.Getenv("POD_NAME"); name != "" {
		return name
	}
	name, _ := os.Hostname()
	return name
}

// lateRecorder records the Lease lock's events through the manager's
// recorder, which exists only after the lock was built; events before then
// are dropped ("became leader" cannot come before the manager starts).
type lateRecorder struct {
	target atomic.Pointer[eventRecorder]
}

type eventRecorder struct{ record.EventRecorder }

func (l *lateRecorder) Eventf(obj runtime.Object, eventType, reason, format string, args ...any) {
	if t := l.target.Load(); t != nil {
		t.Eventf(obj, eventType, reason, format, args...)
	}
}
