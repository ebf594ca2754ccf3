package managed

import (
	"cmp"
	"math/rand/v2"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// MinPollInterval is the shortest period the poll-interval annotation can
// set. Every observation costs platform calls charged to the AccessKey's
// quotas, which every tenant of that key shares: an annotation of 1ms once
// made one Device call QueryDeviceDetail and QueryDeviceProp ~50 times a
// second and starved everyone else. A shorter annotation is clamped to it
// and reported once in a PollIntervalClamped Warning event (iotv1.EventPollIntervalClamped).
const MinPollInterval = 30 * time.Second

// pollInterval is the resync period, or the poll-interval annotation's
// (never below the floor), with up to 10% jitter so a fleet created
// together does not resync together.
func (r *Reconciler) pollInterval(obj Object) time.Duration {
	period, _ := r.requestedPoll(obj)
	return period + time.Duration(rand.Int64N(int64(period)/10+1))
}

// requestedPoll is the period before jitter, and whether the annotation
// asked for less than the floor.
func (r *Reconciler) requestedPoll(obj Object) (period time.Duration, clamped bool) {
	period = r.ResyncPeriod
	v, ok := obj.GetAnnotations()[iotv1.AnnotationPollInterval]
	if !ok {
		return period, false
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return period, false
	}
	if floor := r.minPollInterval(); d < floor {
		return floor, true
	}
	return d, false
}

func (r *Reconciler) minPollInterval() time.Duration {
	return cmp.Or(r.MinPollInterval, MinPollInterval)
}

// reportClamp emits the PollIntervalClamped event when the annotation asks
// for less than the floor, once per annotation value: the resource is
// observed at every period, and repeating the same news each time would
// flood the namespace's events.
func (r *Reconciler) reportClamp(obj Object) {
	if _, clamped := r.requestedPoll(obj); !clamped {
		r.clamps.forget(obj.GetUID())
		return
	}
	value := obj.GetAnnotations()[iotv1.AnnotationPollInterval]
	if !r.clamps.first(obj.GetUID(), value) {
		return
	}
	r.event(obj, corev1.EventTypeWarning, iotv1.EventPollIntervalClamped, "Poll",
		"The %s annotation asks for %s; Kiot observes this resource every %s at most, to spare the AccessKey's platform quotas",
		iotv1.AnnotationPollInterval, value, r.minPollInterval())
}

// clampReports remembers, per object, the annotation value last reported.
type clampReports struct {
	mu       sync.Mutex
	reported map[types.UID]string
}

// first records value and reports whether it differs from the last one.
func (c *clampReports) first(uid types.UID, value string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reported == nil {
		c.reported = map[types.UID]string{}
	}
	if last, ok := c.reported[uid]; ok && last == value {
		return false
	}
	c.reported[uid] = value
	return true
}

func (c *clampReports) forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.reported, uid)
}
