package iot

import (
	"context"
	"strconv"
)

// maxGroupRelationsPerCall: "a maximum of 200 devices" per call (L18628–18647,
// L18807–18835).
const maxGroupRelationsPerCall = 200

// GroupDevice names a device by product and name, as the group relation
// calls require.
type GroupDevice struct {
	ProductKey string
	DeviceName string
}

// GroupRelationsAdded is BatchAddDeviceGroupRelations' answer
// (L18686–18740). It succeeds with partial results: devices already in the
// group or already in 10 groups are counted, not refused.
type GroupRelationsAdded struct {
	ValidDeviceCount               FlexInt
	SuccessAddedDeviceCount        FlexInt
	AlreadyRelatedGroupDeviceCount FlexInt
	ExceedTenGroupDeviceCount      FlexInt
	// Summary is the ErrorMessage sentence sent even on success (L18774).
	Summary string `json:"ErrorMessage"`
}

// BatchAddDeviceGroupRelations adds up to 200 devices to a group.
func (c *Client) BatchAddDeviceGroupRelations(ctx context.Context, groupID string, devices []GroupDevice) (*GroupRelationsAdded, error) {
	p, err := groupRelationParams("BatchAddDeviceGroupRelations", groupID, devices)
	if err != nil {
		return nil, err
	}
	var out GroupRelationsAdded
	if err := c.call(ctx, "BatchAddDeviceGroupRelations", p.values(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GroupRelationsDeleted is BatchDeleteDeviceGroupRelations' answer
// (L18869–18916).
type GroupRelationsDeleted struct {
	ValidDeviceCount               FlexInt
	SuccessDeviceCount             FlexInt
	AlreadyRelatedGroupDeviceCount FlexInt
}

// BatchDeleteDeviceGroupRelations removes up to 200 devices from a group;
// the devices themselves stay.
func (c *Client) BatchDeleteDeviceGroupRelations(ctx context.Context, groupID string, devices []GroupDevice) (*GroupRelationsDeleted, error) {
	p, err := groupRelationParams("BatchDeleteDeviceGroupRelations", groupID, devices)
	if err != nil {
		return nil, err
	}
	var out GroupRelationsDeleted
	if err := c.call(ctx, "BatchDeleteDeviceGroupRelations", p.values(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func groupRelationParams(action, groupID string, devices []GroupDevice) (params, error) {
	ch := check(action)
	ch.required("GroupId", groupID)
	ch.count("Device", len(devices), 1, maxGroupRelationsPerCall, "004 L18628–18647")
	p := params{}.set("GroupId", groupID)
	for i, d := range devices {
		ch.required("Device.ProductKey", d.ProductKey)
		ch.deviceName("Device.DeviceName", d.DeviceName)
		n := "Device." + strconv.Itoa(i+1)
		p.set(n+".ProductKey", d.ProductKey).set(n+".DeviceName", d.DeviceName)
	}
	return p, ch.err()
}
