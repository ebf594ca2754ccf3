package iot

import (
	"context"
	"encoding/json"
	"iter"
)

// GroupTypeDynamic selects dynamic groups; empty means static groups.
const GroupTypeDynamic = "LINK_PLATFORM_DYNAMIC"

// CreateDeviceGroupInput is CreateDeviceGroup's request (L18194–18354).
type CreateDeviceGroupInput struct {
	GroupName    string // 4–30 letters, digits, _
	SuperGroupID string // the parent; empty for a first-level group
	GroupDesc    string // 1–100 characters
}

// Group is a device group as CreateDeviceGroup, QueryDeviceGroupInfo,
// QueryDeviceGroupList, QueryDeviceGroupByDevice and QuerySuperDeviceGroup
// describe it; each fills the fields its table lists.
type Group struct {
	GroupID                string `json:"GroupId"`
	GroupName              string
	GroupDesc              string
	GroupType              string
	UtcCreate              string
	DeviceCount            FlexInt
	DeviceOnline           FlexInt
	DeviceActive           FlexInt
	DynamicGroupExpression string
}

func (c *checker) groupDesc(v string) {
	if v != "" {
		c.maxRunes("GroupDesc", v, maxDescriptionLength, "004 L18258–18261")
	}
}

// CreateDeviceGroup creates a group. A taken name answers
// aliyun.IsAlreadyExists; find it with QueryDeviceGroupList.
func (c *Client) CreateDeviceGroup(ctx context.Context, in CreateDeviceGroupInput) (*Group, error) {
	ch := check("CreateDeviceGroup")
	ch.text("GroupName", in.GroupName, 4, 30, nameChars, "004 L18221–18226")
	ch.groupDesc(in.GroupDesc)
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := params{}.set("GroupName", in.GroupName).opt("SuperGroupId", in.SuperGroupID).opt("GroupDesc", in.GroupDesc)
	var out struct{ Data Group }
	if err := c.call(ctx, "CreateDeviceGroup", p.values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// UpdateDeviceGroup changes a group's description, the only thing the API
// can change (L18355–18490: no name, no parent).
func (c *Client) UpdateDeviceGroup(ctx context.Context, groupID, groupDesc string) error {
	ch := check("UpdateDeviceGroup")
	ch.required("GroupId", groupID)
	ch.groupDesc(groupDesc)
	if err := ch.err(); err != nil {
		return err
	}
	p := params{}.set("GroupId", groupID).opt("GroupDesc", groupDesc)
	return c.call(ctx, "UpdateDeviceGroup", p.values(), nil)
}

// DeleteDeviceGroup deletes a group. One with subgroups answers
// aliyun.IsConflict (iot.group.SubGroupNotNull, L5122); one already gone,
// aliyun.IsNotFound.
func (c *Client) DeleteDeviceGroup(ctx context.Context, groupID string) error {
	if err := checkGroupID("DeleteDeviceGroup", groupID); err != nil {
		return err
	}
	return c.call(ctx, "DeleteDeviceGroup", params{}.set("GroupId", groupID).values(), nil)
}

// QueryDeviceGroupInfo reads a group and its device counts (L18953–19133).
// groupType is "" for a static group or GroupTypeDynamic.
func (c *Client) QueryDeviceGroupInfo(ctx context.Context, groupID, groupType string) (*Group, error) {
	if err := checkGroupID("QueryDeviceGroupInfo", groupID); err != nil {
		return nil, err
	}
	var out struct{ Data Group }
	p := params{}.set("GroupId", groupID).opt("GroupType", groupType)
	if err := c.call(ctx, "QueryDeviceGroupInfo", p.values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// GroupListInput is QueryDeviceGroupList's request (L19183–19225).
type GroupListInput struct {
	Page
	SuperGroupID string
	// GroupName matches fuzzily: filter the answer for an exact name.
	GroupName  string
	GroupTypes []string
}

// GroupList is one page of groups, newest first.
type GroupList struct {
	PageInfo
	Groups []Group
}

// QueryDeviceGroupList reads one page of groups.
func (c *Client) QueryDeviceGroupList(ctx context.Context, in GroupListInput) (*GroupList, error) {
	ch := check("QueryDeviceGroupList")
	in.Page.check(ch, 200, "004 L19183–19186")
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := in.Page.addTo(params{}).opt("SuperGroupId", in.SuperGroupID).opt("GroupName", in.GroupName).list("GroupTypes", in.GroupTypes)
	var out struct {
		CurrentPage, PageSize, PageCount, Total FlexInt
		Data                                    struct{ GroupInfo OneOrMany[Group] }
	}
	if err := c.call(ctx, "QueryDeviceGroupList", p.values(), &out); err != nil {
		return nil, err
	}
	return &GroupList{
		PageInfo: PageInfo{Page: out.CurrentPage, PageSize: out.PageSize, PageCount: out.PageCount, Total: out.Total},
		Groups:   out.Data.GroupInfo,
	}, nil
}

// AllGroups pages through the groups QueryDeviceGroupList selects.
func (c *Client) AllGroups(ctx context.Context, in GroupListInput) iter.Seq2[Group, error] {
	return pages(ctx, cursor{page: in.CurrentPage}, func(ctx context.Context, at cursor) (pageOf[Group], error) {
		in.CurrentPage = at.page
		list, err := c.QueryDeviceGroupList(ctx, in)
		if err != nil {
			return pageOf[Group]{}, err
		}
		return pageOf[Group]{items: list.Groups, more: list.HasNext()}, nil
	})
}

// QueryDeviceGroupByDevice lists the groups (at most 10) a device is in
// (L19799–19968). It takes names only, no IotId.
func (c *Client) QueryDeviceGroupByDevice(ctx context.Context, productKey, deviceName string) ([]Group, error) {
	ch := check("QueryDeviceGroupByDevice")
	ch.required("ProductKey", productKey)
	ch.required("DeviceName", deviceName)
	if err := ch.err(); err != nil {
		return nil, err
	}
	var out struct {
		GroupInfos struct{ GroupInfo OneOrMany[Group] }
	}
	p := params{}.set("ProductKey", productKey).set("DeviceName", deviceName)
	if err := c.call(ctx, "QueryDeviceGroupByDevice", p.values(), &out); err != nil {
		return nil, err
	}
	return out.GroupInfos.GroupInfo, nil
}

// QuerySuperDeviceGroup returns a subgroup's ancestors (L19969–20109). The
// table says Data is an array of GroupInfo, the sample a single flat object;
// both are accepted.
func (c *Client) QuerySuperDeviceGroup(ctx context.Context, groupID string) ([]Group, error) {
	if err := checkGroupID("QuerySuperDeviceGroup", groupID); err != nil {
		return nil, err
	}
	var out struct{ Data superGroups }
	if err := c.call(ctx, "QuerySuperDeviceGroup", params{}.set("GroupId", groupID).values(), &out); err != nil {
		return nil, err
	}
	return out.Data.groups, nil
}

// superGroups decodes {"GroupInfo":[...]}, [...] and a bare group object.
type superGroups struct{ groups []Group }

func (s *superGroups) UnmarshalJSON(b []byte) error {
	var wrapped struct{ GroupInfo OneOrMany[Group] }
	if err := json.Unmarshal(b, &wrapped); err == nil && len(wrapped.GroupInfo) > 0 {
		s.groups = wrapped.GroupInfo
		return nil
	}
	var list OneOrMany[Group]
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	for _, g := range list {
		if g.GroupID != "" || g.GroupName != "" {
			s.groups = append(s.groups, g)
		}
	}
	return nil
}

// GroupMember is an entry of QueryDeviceListByDeviceGroup (L20186–20242).
type GroupMember struct {
	IotID       string `json:"IotId"`
	ProductKey  string
	ProductName string
	DeviceName  string
}

// GroupMemberList is one page of a group's devices.
type GroupMemberList struct {
	PageInfo
	Devices []GroupMember
}

// QueryDeviceListByDeviceGroup reads one page of a group's devices
// (L20110–20318; no page size limit is documented, so 200 is assumed, as
// for the group list).
func (c *Client) QueryDeviceListByDeviceGroup(ctx context.Context, groupID string, page Page) (*GroupMemberList, error) {
	ch := check("QueryDeviceListByDeviceGroup")
	ch.required("GroupId", groupID)
	page.check(ch, 200, "undocumented; as QueryDeviceGroupList L19183")
	if err := ch.err(); err != nil {
		return nil, err
	}
	var out struct {
		Page, PageSize, PageCount, Total FlexInt
		Data                             struct{ SimpleDeviceInfo OneOrMany[GroupMember] }
	}
	p := page.addTo(params{}.set("GroupId", groupID))
	if err := c.call(ctx, "QueryDeviceListByDeviceGroup", p.values(), &out); err != nil {
		return nil, err
	}
	return &GroupMemberList{
		PageInfo: PageInfo{Page: out.Page, PageSize: out.PageSize, PageCount: out.PageCount, Total: out.Total},
		Devices:  out.Data.SimpleDeviceInfo,
	}, nil
}

func checkGroupID(action, groupID string) error {
	ch := check(action)
	ch.required("GroupId", groupID)
	return ch.err()
}

// AllGroupMembers pages through a group's devices with pages of pageSize
// (1–200). It stops at the first error, which it yields.
func (c *Client) AllGroupMembers(ctx context.Context, groupID string, pageSize int) iter.Seq2[GroupMember, error] {
	return pages(ctx, cursor{}, func(ctx context.Context, at cursor) (pageOf[GroupMember], error) {
		list, err := c.QueryDeviceListByDeviceGroup(ctx, groupID, Page{CurrentPage: at.page, PageSize: pageSize})
		if err != nil {
			return pageOf[GroupMember]{}, err
		}
		return pageOf[GroupMember]{items: list.Devices, more: list.HasNext()}, nil
	})
}
