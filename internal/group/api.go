// Package group is the DeviceGroup kind's cloud logic: a group, its tags and
// its membership, mapped to IoT Platform calls. The engine in
// internal/managed drives it.
package group

import (
	"context"
	"iter"

	"github.com/kiot-dev/kiot/internal/iot"
)

// API is the part of the IoT Platform a DeviceGroup needs; *iot.Client has it.
type API interface {
	CreateDeviceGroup(ctx context.Context, in iot.CreateDeviceGroupInput) (*iot.Group, error)
	UpdateDeviceGroup(ctx context.Context, groupID, groupDesc string) error
	DeleteDeviceGroup(ctx context.Context, groupID string) error
	QueryDeviceGroupInfo(ctx context.Context, groupID, groupType string) (*iot.Group, error)
	AllGroups(ctx context.Context, in iot.GroupListInput) iter.Seq2[iot.Group, error]
	AllGroupMembers(ctx context.Context, groupID string, pageSize int) iter.Seq2[iot.GroupMember, error]
	BatchAddDeviceGroupRelations(ctx context.Context, groupID string, devices []iot.GroupDevice) (*iot.GroupRelationsAdded, error)
	BatchDeleteDeviceGroupRelations(ctx context.Context, groupID string, devices []iot.GroupDevice) (*iot.GroupRelationsDeleted, error)
	SetDeviceGroupTags(ctx context.Context, groupID, groupType string, tags []iot.Tag) error
	QueryDeviceGroupTagList(ctx context.Context, groupID, groupType string) ([]iot.Tag, error)
}
