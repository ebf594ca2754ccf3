package iot

import (
	"context"
	"testing"
)

var groupCases = []opCase{
	{
		name: "CreateDeviceGroup", action: "CreateDeviceGroup",
		answer: `{"Data":{"GroupDesc":"Group test","GroupName":"grouptest","UtcCreate":"2018-10-17T11:19:31.000Z","GroupId":"HtMLECKbdJQL****"},"RequestId":"4D6D7F71","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateDeviceGroup(ctx, CreateDeviceGroupInput{GroupName: "grouptest", SuperGroupID: "parent1", GroupDesc: "Group test"})
		},
		params: map[string]string{"GroupName": "grouptest", "SuperGroupId": "parent1", "GroupDesc": "Group test"},
		want:   func(t *testing.T, got any) { equal(t, "GroupID", got.(*Group).GroupID, "HtMLECKbdJQL****") },
	},
	{
		name: "UpdateDeviceGroup", action: "UpdateDeviceGroup",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.UpdateDeviceGroup(ctx, "g1", "new description")
		},
		params: map[string]string{"GroupId": "g1", "GroupDesc": "new description"},
	},
	{
		name: "DeleteDeviceGroup", action: "DeleteDeviceGroup",
		call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteDeviceGroup(ctx, "g1") },
		params: map[string]string{"GroupId": "g1"},
	},
	{
		name: "QueryDeviceGroupInfo", action: "QueryDeviceGroupInfo",
		answer: `{"RequestId":"7411716B","Data":{"GroupName":"aliyun","UtcCreate":"2021-10-14T14:35:51.000Z","DeviceOnline":0,"GroupDesc":"usefulGroup","DeviceActive":1,"DynamicGroupExpression":"product_key = \"a1***\"","DeviceCount":10,"GroupId":"tDQvBJqbUyHs****"},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceGroupInfo(ctx, "tDQvBJqbUyHs****", "")
		},
		params: map[string]string{"GroupId": "tDQvBJqbUyHs****"},
		absent: []string{"GroupType"},
		want: func(t *testing.T, got any) {
			g := got.(*Group)
			equal(t, "counts", []FlexInt{g.DeviceCount, g.DeviceActive, g.DeviceOnline}, []FlexInt{10, 1, 0})
		},
	},
	{
		name: "QueryDeviceGroupList", action: "QueryDeviceGroupList",
		answer: `{"PageCount":3,"Data":{"GroupInfo":[{"GroupName":"test1","UtcCreate":"2021-10-01T02:58:34.000Z","GroupId":"Kzt9FD8wje8o***","GroupType":"LINK_PLATFORM_DYNAMIC"}]},"PageSize":10,"RequestId":"BEFCA316","CurrentPage":1,"Success":true,"Total":24}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceGroupList(ctx, GroupListInput{GroupName: "test1", GroupTypes: []string{GroupTypeDynamic}, Page: Page{PageSize: 10}})
		},
		params: map[string]string{"GroupName": "test1", "GroupTypes.1": GroupTypeDynamic, "PageSize": "10"},
		want: func(t *testing.T, got any) {
			l := got.(*GroupList)
			equal(t, "page", l.PageInfo, PageInfo{Page: 1, PageSize: 10, PageCount: 3, Total: 24})
			equal(t, "type", l.Groups[0].GroupType, GroupTypeDynamic)
		},
	},
	{
		name: "QueryDeviceGroupByDevice", action: "QueryDeviceGroupByDevice",
		answer: `{"RequestId":"7941C8CD","GroupInfos":{"GroupInfo":[{"GroupDesc":"father desc","GroupName":"father1543152336554","UtcCreate":"2018-11-25T13:25:37.000Z","GroupId":"6a3FF2XE2BKa***","GroupType":"LINK_PLATFORM_DYNAMIC"}]},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceGroupByDevice(ctx, "pk", "light")
		},
		params: map[string]string{"ProductKey": "pk", "DeviceName": "light"},
		want:   func(t *testing.T, got any) { equal(t, "group", got.([]Group)[0].GroupID, "6a3FF2XE2BKa***") },
	},
	{
		name: "QuerySuperDeviceGroup, the sample's flat object", action: "QuerySuperDeviceGroup",
		answer: `{"Data":{"GroupName":"IOTTEST","GroupId":"tDQvBJqbUyHskDse","GroupDesc":"A test."},"RequestId":"7411716B","Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.QuerySuperDeviceGroup(ctx, "child1") },
		params: map[string]string{"GroupId": "child1"},
		want: func(t *testing.T, got any) {
			equal(t, "parents", got, []Group{{GroupID: "tDQvBJqbUyHskDse", GroupName: "IOTTEST", GroupDesc: "A test."}})
		},
	},
	{
		name: "QuerySuperDeviceGroup, the table's GroupInfo array", action: "QuerySuperDeviceGroup",
		answer: `{"Data":{"GroupInfo":[{"GroupName":"root","GroupId":"g0"},{"GroupName":"mid","GroupId":"g1"}]},"Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.QuerySuperDeviceGroup(ctx, "child1") },
		want: func(t *testing.T, got any) {
			equal(t, "parents", got, []Group{{GroupID: "g0", GroupName: "root"}, {GroupID: "g1", GroupName: "mid"}})
		},
	},
	{
		name: "QuerySuperDeviceGroup of a top-level group", action: "QuerySuperDeviceGroup",
		answer: `{"Data":{},"Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.QuerySuperDeviceGroup(ctx, "top") },
		want:   func(t *testing.T, got any) { equal(t, "parents", len(got.([]Group)), 0) },
	},
	{
		name: "QueryDeviceListByDeviceGroup", action: "QueryDeviceListByDeviceGroup",
		answer: `{"PageCount":1,"Data":{"SimpleDeviceInfo":[{"DeviceName":"ios_1207_08","ProductKey":"a1hWjHD****","ProductName":"WIFIdevice","IotId":"TfmUAeJjQQhCPH84UVNn0010c6****"}]},"PageSize":10,"Page":1,"RequestId":"B1A921D9","Success":true,"Total":3}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceListByDeviceGroup(ctx, "g1", Page{CurrentPage: 1, PageSize: 10})
		},
		params: map[string]string{"GroupId": "g1", "CurrentPage": "1"},
		want: func(t *testing.T, got any) {
			l := got.(*GroupMemberList)
			equal(t, "device", l.Devices[0].IotID, "TfmUAeJjQQhCPH84UVNn0010c6****")
			equal(t, "total", l.Total, FlexInt(3))
		},
	},
	{
		name: "BatchAddDeviceGroupRelations", action: "BatchAddDeviceGroupRelations",
		answer: `{"SuccessAddedDeviceCount":2,"ExceedTenGroupDeviceCount":0,"ErrorMessage":"2 devices have been added, and 0 devices failed to be added.","ValidDeviceCount":2,"AlreadyRelatedGroupDeviceCount":0,"RequestId":"671D0F8F","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.BatchAddDeviceGroupRelations(ctx, "g1", []GroupDevice{{"pk", "light-1"}, {"pk", "light-2"}})
		},
		params: map[string]string{"GroupId": "g1", "Device.1.ProductKey": "pk", "Device.1.DeviceName": "light-1", "Device.2.DeviceName": "light-2"},
		want: func(t *testing.T, got any) {
			r := got.(*GroupRelationsAdded)
			equal(t, "added", r.SuccessAddedDeviceCount, FlexInt(2))
			equal(t, "summary", r.Summary, "2 devices have been added, and 0 devices failed to be added.")
		},
	},
	{
		name: "BatchDeleteDeviceGroupRelations", action: "BatchDeleteDeviceGroupRelations",
		answer: `{"SuccessDeviceCount":2,"ValidDeviceCount":2,"AlreadyRelatedGroupDeviceCount":2,"RequestId":"8739385E","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.BatchDeleteDeviceGroupRelations(ctx, "g1", []GroupDevice{{"pk", "light-1"}})
		},
		params: map[string]string{"Device.1.DeviceName": "light-1"},
		want: func(t *testing.T, got any) {
			equal(t, "removed", got.(*GroupRelationsDeleted).SuccessDeviceCount, FlexInt(2))
		},
	},
	{
		name: "SetDeviceGroupTags", action: "SetDeviceGroupTags",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SetDeviceGroupTags(ctx, "g1", "", []Tag{{"h1", "rr"}, {"7h", "rr"}})
		},
		params: map[string]string{"GroupId": "g1", "TagString": `[{"tagKey":"h1","tagValue":"rr"},{"tagKey":"7h","tagValue":"rr"}]`},
	},
	{
		name: "QueryDeviceGroupTagList", action: "QueryDeviceGroupTagList",
		answer: `{"Data":{"GroupTagInfo":[{"TagValue":"bulb","TagKey":"room1"}]},"RequestId":"214154FF","Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.QueryDeviceGroupTagList(ctx, "g1", "") },
		want:   func(t *testing.T, got any) { equal(t, "tags", got, []Tag{{"room1", "bulb"}}) },
	},
}
