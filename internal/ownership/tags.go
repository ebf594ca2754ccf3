package ownership

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// WithMark adds obj's ownership mark to tags (a map the caller owns) and
// returns it: the tags a resource Kiot owns carries.
func WithMark(tags map[string]string, clusterID string, obj client.Object) map[string]string {
	tags[iotv1.OwnerTagKey] = Mark(clusterID, obj)
	return tags
}

// WithoutMark is a resource's tags without the mark, which is Kiot's,
// never the spec's, and so never drift.
func WithoutMark(tags []iot.Tag) map[string]string {
	m := iot.TagMap(tags)
	delete(m, iotv1.OwnerTagKey)
	return m
}

// RecordIntent stamps *requestedAt with the time of a coming create, before
// the call, so that a resource it makes whose answer is lost can be
// recognised as Kiot's own (Claim.Check). It is the kinds'
// managed.Intending, which writes status when it returns true.
func RecordIntent(obs managed.Observation, requestedAt **metav1.Time) (bool, error) {
	if obs.Exists {
		return false, nil
	}
	now := metav1.NewTime(time.Now())
	*requestedAt = &now
	return true, nil
}
