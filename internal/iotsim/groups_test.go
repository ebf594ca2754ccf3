package iotsim

import (
	"fmt"
	"strings"
	"testing"
)

func TestCreateDeviceGroup(t *testing.T) {
	e := newEnv(t, Options{})
	top := e.must("CreateDeviceGroup", map[string]string{"GroupName": "level_one", "GroupDesc": "top"}).str("Data.GroupId")
	mid := e.must("CreateDeviceGroup", map[string]string{"GroupName": "level_two", "SuperGroupId": top}).str("Data.GroupId")
	low := e.must("CreateDeviceGroup", map[string]string{"GroupName": "level_three", "SuperGroupId": mid}).str("Data.GroupId")
	tests := []struct {
		name   string
		params map[string]string
		code   string
	}{
		{"bad name", map[string]string{"GroupName": "no"}, "iot.group.InvalidGroupName"},
		{"name with a dash", map[string]string{"GroupName": "group-1"}, "iot.group.InvalidGroupName"},
		{"empty description", map[string]string{"GroupName": "desc_empty", "GroupDesc": ""}, "iot.group.LongGroupDescError"},
		{"long description", map[string]string{"GroupName": "desc_long", "GroupDesc": strings.Repeat("d", 101)}, "iot.group.LongGroupDescError"},
		{"unknown parent", map[string]string{"GroupName": "orphan_g", "SuperGroupId": "nope"}, "iot.group.NotExistedGroup"},
		{"fourth level", map[string]string{"GroupName": "level_four", "SuperGroupId": low}, "iot.group.GroupLevelExceedingLimitError"},
		{"duplicate name", map[string]string{"GroupName": "level_two"}, "iot.group.GroupNameExisted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, e.call("CreateDeviceGroup", tt.params), 200, tt.code)
		})
	}
	r := e.must("QuerySuperDeviceGroup", map[string]string{"GroupId": low})
	if r.str("Data.GroupInfo.0.GroupId") != mid {
		t.Fatal(r.raw)
	}
	if r := e.must("QuerySuperDeviceGroup", map[string]string{"GroupId": top}); len(r.list("Data.GroupInfo")) != 0 {
		t.Fatal(r.raw)
	}
	wantErr(t, e.call("DeleteDeviceGroup", map[string]string{"GroupId": mid}), 200, "iot.group.SubGroupNotNull")
	e.must("DeleteDeviceGroup", map[string]string{"GroupId": low})
	e.must("DeleteDeviceGroup", map[string]string{"GroupId": mid})
	wantErr(t, e.call("DeleteDeviceGroup", map[string]string{"GroupId": mid}), 200, "iot.group.NotExistedGroup")
	wantErr(t, e.call("DeleteDeviceGroup", map[string]string{}), 200, "iot.group.NullGroupId")
}

func TestSubGroupLimit(t *testing.T) {
	e := newEnv(t, Options{})
	parent := e.must("CreateDeviceGroup", map[string]string{"GroupName": "big_parent"}).str("Data.GroupId")
	for i := range maxSubGroups {
		e.must("CreateDeviceGroup", map[string]string{"GroupName": fmt.Sprintf("child_%03d", i), "SuperGroupId": parent})
	}
	wantErr(t, e.call("CreateDeviceGroup", map[string]string{"GroupName": "child_extra", "SuperGroupId": parent}), 200, "iot.group.GroupCountExceedMax")
	l := e.must("QueryDeviceGroupList", map[string]string{"SuperGroupId": parent, "PageSize": "200"})
	if l.num("Total") != 100 || len(l.list("Data.GroupInfo")) != 100 {
		t.Fatal(l.num("Total"))
	}
	top := e.must("QueryDeviceGroupList", map[string]string{})
	if top.num("Total") != 1 || top.str("Data.GroupInfo.0.GroupId") != parent || top.num("CurrentPage") != 1 || top.num("PageSize") != 10 {
		t.Fatal(top.raw)
	}
	fuzzy := e.must("QueryDeviceGroupList", map[string]string{"SuperGroupId": parent, "GroupName": "CHILD_09"})
	if fuzzy.num("Total") != 10 {
		t.Fatal(fuzzy.raw)
	}
	wantErr(t, e.call("QueryDeviceGroupList", map[string]string{"PageSize": "201"}), 200, "iot.common.InvalidPageParams")
}

func TestGroupMembership(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("member_prod")
	for i := range 3 {
		e.device(pk, fmt.Sprintf("member-%d", i))
	}
	g := e.must("CreateDeviceGroup", map[string]string{"GroupName": "members_g"}).str("Data.GroupId")
	add := e.must("BatchAddDeviceGroupRelations", map[string]string{"GroupId": g,
		"Device.1.ProductKey": pk, "Device.1.DeviceName": "member-0",
		"Device.2.ProductKey": pk, "Device.2.DeviceName": "member-1",
		"Device.3.ProductKey": pk, "Device.3.DeviceName": "ghost"})
	if add.num("SuccessAddedDeviceCount") != 2 || add.num("ValidDeviceCount") != 2 || add.str("ErrorMessage") == "" {
		t.Fatal(add.raw)
	}
	again := e.must("BatchAddDeviceGroupRelations", map[string]string{"GroupId": g, "Device.1.ProductKey": pk, "Device.1.DeviceName": "member-0"})
	if again.num("AlreadyRelatedGroupDeviceCount") != 1 || again.num("SuccessAddedDeviceCount") != 0 {
		t.Fatal(again.raw)
	}
	_ = e.sim.SetDeviceStatus(pk, "member-1", "ONLINE")
	info := e.must("QueryDeviceGroupInfo", map[string]string{"GroupId": g})
	if info.num("Data.DeviceCount") != 2 || info.num("Data.DeviceOnline") != 1 || info.num("Data.DeviceActive") != 1 || info.str("Data.UtcCreate") == "" {
		t.Fatal(info.raw)
	}
	list := e.must("QueryDeviceListByDeviceGroup", map[string]string{"GroupId": g})
	if list.num("Total") != 2 || list.str("Data.SimpleDeviceInfo.0.ProductName") != "member_prod" || list.num("Page") != 1 {
		t.Fatal(list.raw)
	}
	by := e.must("QueryDeviceGroupByDevice", map[string]string{"ProductKey": pk, "DeviceName": "member-0"})
	if by.str("GroupInfos.GroupInfo.0.GroupId") != g {
		t.Fatal(by.raw)
	}
	wantErr(t, e.call("QueryDeviceGroupByDevice", map[string]string{"ProductKey": pk}), 200, "iot.device.NullDeviceName")

	del := e.must("BatchDeleteDeviceGroupRelations", map[string]string{"GroupId": g, "Device.1.ProductKey": pk, "Device.1.DeviceName": "member-0"})
	if del.num("SuccessDeviceCount") != 1 {
		t.Fatal(del.raw)
	}
	e.must("DeleteDevice", map[string]string{"ProductKey": pk, "DeviceName": "member-1"})
	if n := e.must("QueryDeviceGroupInfo", map[string]string{"GroupId": g}).num("Data.DeviceCount"); n != 0 {
		t.Fatalf("deleted device still counted: %d", n)
	}
	wantErr(t, e.call("BatchAddDeviceGroupRelations", map[string]string{"GroupId": g}), 200, "iot.device.NoneDeviceNameElement")
	many := map[string]string{"GroupId": g}
	for i := 1; i <= 201; i++ {
		many[fmt.Sprintf("Device.%d.ProductKey", i)], many[fmt.Sprintf("Device.%d.DeviceName", i)] = pk, "member-2"
	}
	wantErr(t, e.call("BatchAddDeviceGroupRelations", many), 200, "iot.device.DeviceCountExceeded")
}

func TestADeviceIsInAtMostTenGroups(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("ten_prod")
	e.device(pk, "popular")
	for i := range 11 {
		g := e.must("CreateDeviceGroup", map[string]string{"GroupName": fmt.Sprintf("group_%02d", i)}).str("Data.GroupId")
		r := e.must("BatchAddDeviceGroupRelations", map[string]string{"GroupId": g, "Device.1.ProductKey": pk, "Device.1.DeviceName": "popular"})
		want := 1
		if i == 10 {
			want = 0
			if r.num("ExceedTenGroupDeviceCount") != 1 {
				t.Fatal(r.raw)
			}
		}
		if r.num("SuccessAddedDeviceCount") != want {
			t.Fatal(r.raw)
		}
	}
}

func TestGroupTagsAndUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.must("CreateDeviceGroup", map[string]string{"GroupName": "tagged_g"}).str("Data.GroupId")
	e.must("SetDeviceGroupTags", map[string]string{"GroupId": g, "TagString": `[{"tagKey":"room","tagValue":"r1"},{"tagKey":"floor.no","tagValue":"3"}]`})
	e.must("SetDeviceGroupTags", map[string]string{"GroupId": g, "TagString": `[{"tagKey":"room","tagValue":"r2"}]`})
	l := e.must("QueryDeviceGroupTagList", map[string]string{"GroupId": g})
	if tags := l.list("Data.GroupTagInfo"); len(tags) != 1 || l.str("Data.GroupTagInfo.0.TagValue") != "r2" {
		t.Fatalf("SetDeviceGroupTags is a full replace: %s", l.raw)
	}
	for _, bad := range []string{`not json`, `[{"tagKey":"r","tagValue":"short key"}]`, `[{"tagKey":"room","tagValue":"a"},{"tagKey":"room","tagValue":"b"}]`} {
		wantErr(t, e.call("SetDeviceGroupTags", map[string]string{"GroupId": g, "TagString": bad}), 200, "iot.group.InvalidFormattedTagString")
	}
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 101 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"tagKey":"k%03d","tagValue":"v"}`, i)
	}
	sb.WriteString("]")
	wantErr(t, e.call("SetDeviceGroupTags", map[string]string{"GroupId": g, "TagString": sb.String()}), 200, "iot.group.TagCountExceedMax")

	e.must("UpdateDeviceGroup", map[string]string{"GroupId": g, "GroupDesc": "new words"})
	if d := e.must("QueryDeviceGroupInfo", map[string]string{"GroupId": g}).str("Data.GroupDesc"); d != "new words" {
		t.Fatal(d)
	}
	wantErr(t, e.call("UpdateDeviceGroup", map[string]string{"GroupId": g, "GroupDesc": strings.Repeat("x", 101)}), 200, "iot.group.LongGroupDescError")
	wantErr(t, e.call("UpdateDeviceGroup", map[string]string{"GroupId": "nope"}), 200, "iot.group.NotExistedGroup")
}
