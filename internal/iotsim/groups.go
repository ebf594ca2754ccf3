package iotsim

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Device groups (section 4.9; API-DIGEST §8). The simulator models static
// groups; dynamic groups (LINK_PLATFORM_DYNAMIC) do not exist in it, so a
// query for them finds none.

const (
	maxGroupLevels     = 3   // iot.group.GroupLevelExceedingLimitError, L5276–5289
	maxSubGroups       = 100 // iot.group.GroupCountExceedMax, L5229–5242
	maxGroupsPerDevice = 10  // same code and lines; L19802
	maxGroupTags       = 100 // iot.group.TagCountExceedMax, L5218–5227
)

const dynamicGroupType = "LINK_PLATFORM_DYNAMIC"

// group finds the caller's group named by GroupId in the addressed instance.
func (c *call) group(param string) (*Group, *apiError) {
	id := c.str(param)
	if id == "" {
		return nil, iotError("iot.group.NullGroupId")
	}
	g, ok := c.w.groups[id]
	if !ok || g.InstanceID != c.inst.ID || g.OwnerUID != c.key.UID {
		return nil, iotErrorf("iot.group.NotExistedGroup", "The group does not exist: %s.", id)
	}
	return g, nil
}

// level is 1 for a top-level group, 2 for its subgroup, 3 below that.
func (w *world) level(g *Group) int {
	n := 1
	for g.ParentID != "" {
		p, ok := w.groups[g.ParentID]
		if !ok {
			break
		}
		g, n = p, n+1
	}
	return n
}

func (w *world) children(g *Group) []*Group {
	var out []*Group
	for _, x := range w.groups {
		if x.ParentID == g.GroupID {
			out = append(out, x)
		}
	}
	return out
}

func checkGroupDesc(desc string) *apiError {
	if n := utf8.RuneCountInString(desc); n < 1 || n > 100 {
		return iotError("iot.group.LongGroupDescError")
	}
	return nil
}

func groupInfo(g *Group) M {
	return M{"GroupDesc": g.GroupDesc, "GroupId": g.GroupID, "GroupName": g.GroupName, "UtcCreate": utcISO(g.CreatedMs)}
}

// createDeviceGroup: CreateDeviceGroup (L18194–18354). Where a group name
// must be unique is not stated (API-DIGEST §8.1): the simulator takes the
// strict reading, unique among the account's groups in the instance, so a
// client that passes here also passes on a platform that is laxer.
func createDeviceGroup(c *call) (M, *apiError) {
	name := c.str("GroupName")
	if !validGroupName(name) {
		return nil, iotErrorf("iot.group.InvalidGroupName",
			"The group name %q is invalid. It can contain letters, digits, and underscores (_), and must be 4 to 30 characters in length.", name)
	}
	desc, hasDesc := c.str("GroupDesc"), c.p.Has("GroupDesc")
	if hasDesc {
		if e := checkGroupDesc(desc); e != nil {
			return nil, e
		}
	}
	parentID := ""
	if c.str("SuperGroupId") != "" {
		parent, e := c.group("SuperGroupId")
		if e != nil {
			return nil, e
		}
		if c.w.level(parent) >= maxGroupLevels {
			return nil, iotError("iot.group.GroupLevelExceedingLimitError")
		}
		if len(c.w.children(parent)) >= maxSubGroups {
			return nil, iotErrorf("iot.group.GroupCountExceedMax", "The group %s already has %d subgroups.", parent.GroupID, maxSubGroups)
		}
		parentID = parent.GroupID
	}
	for _, g := range c.w.groups {
		if g.InstanceID == c.inst.ID && g.OwnerUID == c.key.UID && g.GroupName == name {
			return nil, iotError("iot.group.GroupNameExisted")
		}
	}
	g := &Group{InstanceID: c.inst.ID, OwnerUID: c.key.UID, GroupID: newGroupID(), GroupName: name,
		GroupDesc: desc, ParentID: parentID, CreatedMs: c.nowMs(), Seq: c.w.nextSeq()}
	c.w.groups[g.GroupID] = g
	return M{"Data": groupInfo(g)}, nil
}

// checkStaticGroupType refuses GroupType=LINK_PLATFORM_DYNAMIC: the
// simulator has no dynamic groups, so the group named does not exist.
func (c *call) checkStaticGroupType() *apiError {
	switch t := c.str("GroupType"); t {
	case "":
		return nil
	case dynamicGroupType:
		return iotErrorf("iot.group.NotExistedGroup", "The simulator has no dynamic groups.")
	default:
		return iotErrorf("iot.common.InvalidFormattedParameter", "GroupType must be %s or omitted.", dynamicGroupType)
	}
}

// updateDeviceGroup: only the description can change (L18355–18490).
func updateDeviceGroup(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	if e := c.checkStaticGroupType(); e != nil {
		return nil, e
	}
	if c.p.Has("GroupDesc") {
		desc := c.str("GroupDesc")
		if e := checkGroupDesc(desc); e != nil {
			return nil, e
		}
		g.GroupDesc = desc
	}
	return nil, nil
}

// deleteDeviceGroup refuses a group with subgroups (SubGroupNotNull,
// L5122–5132); member devices only lose the relation.
func deleteDeviceGroup(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	if len(c.w.children(g)) > 0 {
		return nil, iotError("iot.group.SubGroupNotNull")
	}
	for _, id := range g.Members {
		if d, ok := c.w.devices[id]; ok {
			d.Groups = removeString(d.Groups, g.GroupID)
		}
	}
	delete(c.w.groups, g.GroupID)
	return nil, nil
}

// queryDeviceGroupInfo: Data with the member counts (L19037–19068).
func queryDeviceGroupInfo(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	if e := c.checkStaticGroupType(); e != nil {
		return nil, e
	}
	active, online := 0, 0
	for _, id := range g.Members {
		d := c.w.devices[id]
		if d == nil {
			continue
		}
		if d.ActiveMs > 0 {
			active++
		}
		if d.Status() == "ONLINE" {
			online++
		}
	}
	data := groupInfo(g)
	data["DeviceCount"], data["DeviceActive"], data["DeviceOnline"] = len(g.Members), active, online
	return M{"Data": data}, nil
}

// queryDeviceGroupList: paging at the top level, newest first
// (L19134–19472). Without SuperGroupId it lists top-level groups, with it
// the subgroups of that group (which of the two the seeds mean is open,
// API-DIGEST §8.7). GroupName matches as a substring, case-insensitively.
func queryDeviceGroupList(c *call) (M, *apiError) {
	page, size, e := c.paging(10, 200, false)
	if e != nil {
		return nil, e
	}
	parentID := ""
	if c.str("SuperGroupId") != "" {
		parent, e := c.group("SuperGroupId")
		if e != nil {
			return nil, e
		}
		parentID = parent.GroupID
	}
	types := c.list("GroupTypes")
	static := len(types) == 0 // omitted: static groups (L19211–19225)
	for _, t := range types {
		if t == "" {
			static = true
		}
	}
	needle := strings.ToLower(c.str("GroupName"))
	var hits []*Group
	if static {
		for _, g := range c.w.groups {
			if g.InstanceID == c.inst.ID && g.OwnerUID == c.key.UID && g.ParentID == parentID &&
				strings.Contains(strings.ToLower(g.GroupName), needle) {
				hits = append(hits, g)
			}
		}
	}
	sortGroupsNewestFirst(hits)
	from, to := pageOf(len(hits), page, size)
	items := make([]M, 0, to-from)
	for _, g := range hits[from:to] {
		items = append(items, groupInfo(g))
	}
	return M{"Data": M{"GroupInfo": items}, "CurrentPage": page, "PageSize": size,
		"PageCount": pageCount(len(hits), size), "Total": len(hits)}, nil
}

func sortGroupsNewestFirst(gs []*Group) {
	sort.Slice(gs, func(i, j int) bool {
		return gs[i].Seq > gs[j].Seq
	})
}

// querySuperDeviceGroup answers the parent of a subgroup as
// Data.GroupInfo[] — the shape of the response table (L20039–20053) and of
// the official SDK's decoder — not the flat object of the seed's sample
// (L20089–20107; ambiguity 15). A top-level group has no parent: the list
// is empty.
func querySuperDeviceGroup(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	items := []M{}
	if p, ok := c.w.groups[g.ParentID]; ok {
		items = append(items, M{"GroupDesc": p.GroupDesc, "GroupId": p.GroupID, "GroupName": p.GroupName})
	}
	return M{"Data": M{"GroupInfo": items}}, nil
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
