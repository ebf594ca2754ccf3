package iotsim

import (
	"fmt"
	"slices"
)

// Group membership (L18602–18952, L19799–19968, L20110–20318).

// maxRelationsPerCall is the Device.N limit of both relation calls.
const maxRelationsPerCall = 200

// relationDevices reads Device.N.ProductKey / DeviceName; devices that do
// not exist are not "valid" and are skipped (they count in no total but
// the request's).
func (c *call) relationDevices() (valid []*Device, requested int, e *apiError) {
	items := c.structs("Device")
	if len(items) == 0 {
		return nil, 0, iotError("iot.device.NoneDeviceNameElement")
	}
	if len(items) > maxRelationsPerCall {
		return nil, 0, iotErrorf("iot.device.DeviceCountExceeded", "Specify at most %d devices in a call.", maxRelationsPerCall)
	}
	for _, it := range items {
		pk, dn := it["ProductKey"], it["DeviceName"]
		if pk == "" {
			return nil, 0, iotError("iot.prod.NullProductKey")
		}
		if dn == "" {
			return nil, 0, iotError("iot.device.NullDeviceName")
		}
		d, ok := c.w.byName[deviceKeyOf(c.inst.ID, pk, dn)]
		if !ok {
			continue
		}
		if p := c.w.products[productKeyOf(c.inst.ID, pk)]; p == nil || p.OwnerUID != c.key.UID {
			continue
		}
		if !slices.Contains(valid, d) {
			valid = append(valid, d)
		}
	}
	return valid, len(items), nil
}

// batchAddDeviceGroupRelations reports partial results through counts with
// Success=true and a summary in ErrorMessage, even on success (L18686–18774).
// AlreadyRelatedGroupDeviceCount counts the requested devices that were
// already members (the other reading, the whole membership, is ambiguity 20).
func batchAddDeviceGroupRelations(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	valid, requested, e := c.relationDevices()
	if e != nil {
		return nil, e
	}
	added, already, exceed := 0, 0, 0
	for _, d := range valid {
		switch {
		case slices.Contains(d.Groups, g.GroupID):
			already++
		case len(d.Groups) >= maxGroupsPerDevice:
			exceed++
		default:
			d.Groups = append(d.Groups, g.GroupID)
			g.Members = append(g.Members, d.IotID)
			added++
		}
	}
	return M{
		"SuccessAddedDeviceCount": added, "AlreadyRelatedGroupDeviceCount": already,
		"ExceedTenGroupDeviceCount": exceed, "ValidDeviceCount": len(valid),
		"ErrorMessage": fmt.Sprintf("%d devices have been added, and %d devices failed to be added.", added, requested-added-already),
	}, nil
}

// batchDeleteDeviceGroupRelations removes relations only (L18781–18952).
func batchDeleteDeviceGroupRelations(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	valid, _, e := c.relationDevices()
	if e != nil {
		return nil, e
	}
	removed := 0
	for _, d := range valid {
		if slices.Contains(d.Groups, g.GroupID) {
			d.Groups = removeString(d.Groups, g.GroupID)
			g.Members = removeString(g.Members, d.IotID)
			removed++
		}
	}
	return M{"SuccessDeviceCount": removed, "AlreadyRelatedGroupDeviceCount": removed, "ValidDeviceCount": len(valid)}, nil
}

// queryDeviceGroupByDevice: the device's groups, no paging (L19877–19907).
func queryDeviceGroupByDevice(c *call) (M, *apiError) {
	if c.str("DeviceName") == "" {
		return nil, iotError("iot.device.NullDeviceName")
	}
	if c.str("ProductKey") == "" {
		return nil, iotError("iot.prod.NullProductKey")
	}
	sub := *c
	sub.p = map[string][]string{"ProductKey": {c.str("ProductKey")}, "DeviceName": {c.str("DeviceName")}}
	_, d, e := sub.device()
	if e != nil {
		return nil, e
	}
	var gs []*Group
	for _, id := range d.Groups {
		if g, ok := c.w.groups[id]; ok {
			gs = append(gs, g)
		}
	}
	sortGroupsNewestFirst(gs)
	items := make([]M, 0, len(gs))
	for _, g := range gs {
		items = append(items, groupInfo(g))
	}
	return M{"GroupInfos": M{"GroupInfo": items}}, nil
}

// queryDeviceListByDeviceGroup: members, oldest first, paging at the top
// level (L20186–20242). No limit is documented; 10 by default, at most 200
// as QueryDeviceGroupList. [inferred]
func queryDeviceListByDeviceGroup(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	page, size, e := c.paging(10, 200, false)
	if e != nil {
		return nil, e
	}
	from, to := pageOf(len(g.Members), page, size)
	items := make([]M, 0, to-from)
	for _, id := range g.Members[from:to] {
		d := c.w.devices[id]
		if d == nil {
			continue
		}
		name := ""
		if p := c.w.products[productKeyOf(d.InstanceID, d.ProductKey)]; p != nil {
			name = p.ProductName
		}
		items = append(items, M{"DeviceName": d.DeviceName, "IotId": d.IotID, "ProductKey": d.ProductKey, "ProductName": name})
	}
	return M{"Data": M{"SimpleDeviceInfo": items}, "Page": page, "PageSize": size,
		"PageCount": pageCount(len(g.Members), size), "Total": len(g.Members)}, nil
}
