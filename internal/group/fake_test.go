package group

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"testing"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
)

// fakeGroup is one group as the fake platform holds it.
type fakeGroup struct {
	info    iot.Group
	parent  string
	tags    map[string]string
	members map[iot.GroupDevice]bool
}

// fakeAPI is an in-memory IoT Platform holding groups, their tags and
// members. It answers as the platform does (not found, name taken,
// sub-groups left, devices already in 10 groups) with the errors the real
// client builds; fail injects an error for one action instead of acting.
type fakeAPI struct {
	t      *testing.T
	groups map[string]*fakeGroup
	// full are the devices already in 10 other groups.
	full    map[iot.GroupDevice]bool
	fail    map[string]error
	calls   []string
	created int
}

func newFakeAPI(t *testing.T) *fakeAPI {
	return &fakeAPI{t: t, groups: map[string]*fakeGroup{}, full: map[iot.GroupDevice]bool{}, fail: map[string]error{}}
}

// add puts a group on the platform, made by Kiot for the resource named
// like the group in lower case (it carries that resource's mark).
func (f *fakeAPI) add(id, name, parent string, members ...iot.GroupDevice) *fakeGroup {
	tags := map[string]string{iotv1.OwnerTagKey: "test_" + ns + "_" + strings.ToLower(name)}
	g := &fakeGroup{info: iot.Group{GroupID: id, GroupName: name}, parent: parent, tags: tags, members: map[iot.GroupDevice]bool{}}
	for _, m := range members {
		g.members[m] = true
	}
	f.groups[id] = g
	return g
}

func (f *fakeAPI) call(action string) error {
	f.calls = append(f.calls, action)
	return f.fail[action]
}

func (f *fakeAPI) group(id string) (*fakeGroup, error) {
	g, ok := f.groups[id]
	if !ok {
		return nil, platformError(f.t, "iot.group.NotExistedGroup")
	}
	return g, nil
}

func (f *fakeAPI) CreateDeviceGroup(_ context.Context, in iot.CreateDeviceGroupInput) (*iot.Group, error) {
	if err := f.call("CreateDeviceGroup"); err != nil {
		return nil, err
	}
	for _, g := range f.groups {
		if g.info.GroupName == in.GroupName {
			return nil, platformError(f.t, "iot.group.GroupNameExisted")
		}
	}
	f.created++
	g := f.add(fmt.Sprintf("group-%d", f.created), in.GroupName, in.SuperGroupID)
	g.info.GroupDesc = in.GroupDesc
	info := g.info
	return &info, nil
}

func (f *fakeAPI) UpdateDeviceGroup(_ context.Context, id, desc string) error {
	if err := f.call("UpdateDeviceGroup"); err != nil {
		return err
	}
	g, err := f.group(id)
	if err != nil {
		return err
	}
	g.info.GroupDesc = desc
	return nil
}

func (f *fakeAPI) DeleteDeviceGroup(_ context.Context, id string) error {
	if err := f.call("DeleteDeviceGroup"); err != nil {
		return err
	}
	if _, err := f.group(id); err != nil {
		return err
	}
	for _, other := range f.groups {
		if other.parent == id {
			return platformError(f.t, "iot.group.SubGroupNotNull")
		}
	}
	delete(f.groups, id)
	return nil
}

func (f *fakeAPI) QueryDeviceGroupInfo(_ context.Context, id, _ string) (*iot.Group, error) {
	if err := f.call("QueryDeviceGroupInfo"); err != nil {
		return nil, err
	}
	g, err := f.group(id)
	if err != nil {
		return nil, err
	}
	info := g.info
	info.DeviceCount = iot.FlexInt(len(g.members))
	return &info, nil
}

// AllGroups lists the groups under in.SuperGroupID (top-level ones without
// it) whose name contains in.GroupName: the platform matches fuzzily.
func (f *fakeAPI) AllGroups(_ context.Context, in iot.GroupListInput) iter.Seq2[iot.Group, error] {
	return func(yield func(iot.Group, error) bool) {
		if err := f.call("QueryDeviceGroupList"); err != nil {
			yield(iot.Group{}, err)
			return
		}
		for _, id := range slices.Sorted(maps.Keys(f.groups)) {
			g := f.groups[id]
			if g.parent == in.SuperGroupID && strings.Contains(g.info.GroupName, in.GroupName) && !yield(g.info, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) AllGroupMembers(_ context.Context, id string, _ int) iter.Seq2[iot.GroupMember, error] {
	return func(yield func(iot.GroupMember, error) bool) {
		if err := f.call("QueryDeviceListByDeviceGroup"); err != nil {
			yield(iot.GroupMember{}, err)
			return
		}
		g, err := f.group(id)
		if err != nil {
			yield(iot.GroupMember{}, err)
			return
		}
		for m := range g.members {
			if !yield(iot.GroupMember{ProductKey: m.ProductKey, DeviceName: m.DeviceName}, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) BatchAddDeviceGroupRelations(_ context.Context, id string, devices []iot.GroupDevice) (*iot.GroupRelationsAdded, error) {
	if err := f.call("BatchAddDeviceGroupRelations"); err != nil {
		return nil, err
	}
	g, err := f.group(id)
	if err != nil {
		return nil, err
	}
	var out iot.GroupRelationsAdded
	for _, d := range devices {
		if f.full[d] {
			out.ExceedTenGroupDeviceCount++
			continue
		}
		g.members[d] = true
		out.SuccessAddedDeviceCount++
	}
	return &out, nil
}

func (f *fakeAPI) BatchDeleteDeviceGroupRelations(_ context.Context, id string, devices []iot.GroupDevice) (*iot.GroupRelationsDeleted, error) {
	if err := f.call("BatchDeleteDeviceGroupRelations"); err != nil {
		return nil, err
	}
	g, err := f.group(id)
	if err != nil {
		return nil, err
	}
	for _, d := range devices {
		delete(g.members, d)
	}
	return &iot.GroupRelationsDeleted{SuccessDeviceCount: iot.FlexInt(len(devices))}, nil
}

func (f *fakeAPI) SetDeviceGroupTags(_ context.Context, id, _ string, tags []iot.Tag) error {
	if err := f.call("SetDeviceGroupTags"); err != nil {
		return err
	}
	g, err := f.group(id)
	if err != nil {
		return err
	}
	g.tags = iot.TagMap(tags)
	return nil
}

func (f *fakeAPI) QueryDeviceGroupTagList(_ context.Context, id, _ string) ([]iot.Tag, error) {
	if err := f.call("QueryDeviceGroupTagList"); err != nil {
		return nil, err
	}
	g, err := f.group(id)
	if err != nil {
		return nil, err
	}
	return iot.SortedTags(g.tags), nil
}
