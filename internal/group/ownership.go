package group

import (
	"context"
	"fmt"
	"time"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/ownership"
)

var _ managed.Intending = (*External)(nil)

// locate is the id of the group g names, and what g may claim of it: the
// id in status (Kiot's own record), else spec.groupId (the request to
// adopt it), else the group of the spec's name under its parent.
func (e *External) locate(ctx context.Context, g *iotv1.DeviceGroup) (string, ownership.Claim, error) {
	claim := ownership.NewClaim(e.ClusterID, g, g.Status.CreateRequestedAt)
	id := g.Status.GroupID
	switch {
	case id != "":
		claim.Source = ownership.FromStatus
	case g.Spec.GroupID != "":
		id, claim.Source = g.Spec.GroupID, ownership.FromSpec
	default:
		parentID, err := e.parentID(ctx, g)
		if err != nil {
			return "", claim, err
		}
		found, err := e.findByName(ctx, g.Spec.GroupName, parentID)
		if err != nil || found == nil {
			return "", claim, err
		}
		id, claim.Source = found.GroupID, ownership.ByName
		if created, err := time.Parse(time.RFC3339, found.UtcCreate); err == nil {
			claim.CreatedAt = created
		}
	}
	claim.What = fmt.Sprintf("group %s (%s)", id, g.Spec.GroupName)
	return id, claim, nil
}

// take records a group Create found already there, if g may claim it, and
// marks it, keeping the tags it has.
func (e *External) take(ctx context.Context, g *iotv1.DeviceGroup, id string, claim ownership.Claim) error {
	tags, err := e.API.QueryDeviceGroupTagList(ctx, id, "")
	if err != nil {
		return err
	}
	unmarked, err := claim.Check(iot.TagMap(tags))
	if err != nil {
		return err
	}
	g.Status.GroupID = id
	if !unmarked {
		return nil
	}
	return e.API.SetDeviceGroupTags(ctx, id, "", iot.SortedTags(ownership.WithMark(iot.TagMap(tags), e.ClusterID, g)))
}

// desiredTags are the spec's tags and the ownership mark.
func (e *External) desiredTags(g *iotv1.DeviceGroup) []iot.Tag {
	return iot.SortedTags(ownership.WithMark(iot.StringMap(g.Spec.Tags), e.ClusterID, g))
}

// RecordIntent notes the time of a coming create in status before the
// call (ownership.RecordIntent).
func (e *External) RecordIntent(_ context.Context, obj managed.Object, obs managed.Observation) (bool, error) {
	return ownership.RecordIntent(obs, &obj.(*iotv1.DeviceGroup).Status.CreateRequestedAt)
}
