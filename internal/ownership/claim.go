package ownership

import (
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// RefusedRetry is how often a refused resource looks again. Nothing it
// waits for changes quickly (a person edits the spec, which reconciles at
// once, or the other owner lets go), so this only keeps it honest.
const RefusedRetry = 5 * time.Minute

// CreateSkew is how much earlier than Kiot's recorded create request the
// platform may date the resource that request made: the two clocks differ,
// and status keeps whole seconds.
const CreateSkew = 5 * time.Second

// Source is how a resource came to name a cloud resource.
type Source int

const (
	// FromStatus: Kiot recorded the identifier earlier, after it created or
	// adopted the resource (a Kiot from before marks existed included).
	FromStatus Source = iota
	// FromSpec: the user named it (spec.productKey, spec.groupId), which is
	// the explicit request to adopt it.
	FromSpec
	// ByName: found by the spec's name, the path of a lost create's
	// recovery, and of a name collision.
	ByName
)

// Claim is what a resource knows when it meets a cloud resource.
type Claim struct {
	// What names the cloud resource for messages ("product a1Key").
	What string
	// Mine is the resource's own mark.
	Mine   string
	Source Source
	// AdoptAnnotated: the resource carries iot.kiot.dev/adopt=true.
	AdoptAnnotated bool
	// CreateRequestedAt is the resource's status.createRequestedAt.
	CreateRequestedAt *metav1.Time
	// CreatedAt is when the platform made the cloud resource; zero when
	// unknown.
	CreatedAt time.Time
}

// NewClaim starts obj's claim: its own mark, whether it asks to adopt, and
// when it last asked the platform to create (createRequestedAt, from its
// status). The caller adds what it found: Source, What, CreatedAt.
func NewClaim(clusterID string, obj client.Object, createRequestedAt *metav1.Time) Claim {
	return Claim{
		Mine:              Mark(clusterID, obj),
		AdoptAnnotated:    obj.GetAnnotations()[iotv1.AnnotationAdopt] == "true",
		CreateRequestedAt: createRequestedAt,
	}
}

// Check decides from the cloud resource's tags whether the resource may
// take it: nil, with mark true when Kiot must still put its mark on it, or
// a refusal (a managed.Wait with reason OwnedByAnother or
// AdoptionRequired) before anything is read, changed or deleted.
func (c Claim) Check(tags map[string]string) (mark bool, err error) {
	owner, marked := tags[iotv1.OwnerTagKey]
	switch {
	case marked && owner == c.Mine:
		return false, nil
	case marked:
		return false, managed.Wait(iotv1.ReasonOwnedByAnother, RefusedRetry,
			"%s is owned by %s (tag %s=%s): Kiot never adopts, changes, reads or deletes another owner's resource",
			c.What, Describe(owner), iotv1.OwnerTagKey, owner)
	case c.Source != ByName || c.AdoptAnnotated || c.madeByOwnCreate():
		return true, nil
	}
	return false, managed.Wait(iotv1.ReasonAdoptionRequired, RefusedRetry,
		"%s has the spec's name but Kiot did not create it: to adopt it, name it in the spec or annotate %s=true",
		c.What, iotv1.AnnotationAdopt)
}

// madeByOwnCreate: the resource was made after Kiot asked for it, so it is
// what that request, whose answer was lost, made.
func (c Claim) madeByOwnCreate() bool {
	return c.CreateRequestedAt != nil && !c.CreatedAt.IsZero() &&
		!c.CreatedAt.Before(c.CreateRequestedAt.Add(-CreateSkew))
}

// Refused reports whether err is a Check's refusal.
func Refused(err error) bool {
	var wait *managed.WaitError
	return errors.As(err, &wait) && (wait.Reason == iotv1.ReasonOwnedByAnother || wait.Reason == iotv1.ReasonAdoptionRequired)
}

// CheckDelete judges a delete by the resource's tags as read (tags, err of
// the read): gone is managed.ErrAlreadyGone, another owner's or an
// unadopted resource managed.ErrNotOurs, anything else may be deleted.
func (c Claim) CheckDelete(tags []iot.Tag, err error) error {
	if aliyun.IsNotFound(err) {
		return managed.ErrAlreadyGone
	}
	if err != nil {
		return err
	}
	if _, err := c.Check(iot.TagMap(tags)); Refused(err) {
		return NotOurs(err)
	}
	return nil
}

// NotOurs turns a refusal met while deleting into managed.ErrNotOurs.
func NotOurs(err error) error {
	return fmt.Errorf("%w: %s", managed.ErrNotOurs, err.Error())
}

// Reserved refuses a spec that sets the owner tag itself.
func Reserved(tags []string) error {
	for _, k := range tags {
		if k == iotv1.OwnerTagKey {
			return managed.Terminal(fmt.Errorf("tag key %s is reserved for Kiot's ownership mark", iotv1.OwnerTagKey))
		}
	}
	return nil
}
