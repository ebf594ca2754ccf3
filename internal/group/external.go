package group

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/ownership"
)

// Page size of member listings and chunk size of relation calls: "a
// maximum of 200 devices" per call (L18628–18647, L18807–18835).
const (
	memberPageSize   = 200
	relationsPerCall = 200
)

// DefaultRetry is how often a group waiting on its parent, its sub-groups
// or the platform's limits looks again; events usually wake it sooner.
const DefaultRetry = 15 * time.Second

// External reconciles one DeviceGroup.
type External struct {
	API  API
	Kube client.Reader
	// Retry overrides DefaultRetry.
	Retry time.Duration
	// ClusterID is this cluster's identity in ownership marks.
	ClusterID string
	// Memberships, shared by the manager's Externals, spares listings of
	// a membership nothing can have changed (memberships.go); nil lists it
	// at every observation.
	Memberships *Memberships

	// What the last Observe read, for Update (an External serves one
	// reconcile).
	observed     *iot.Group
	observedTags []iot.Tag
	// unmarked: the group is the resource's but lacks its mark (adopted).
	unmarked  bool
	members   map[iot.GroupDevice]bool
	selection selection
	// actedOn is the selection the last Update brought the membership to.
	// The engine's re-check after an Update compares against it, not a
	// fresh selection: Devices that turned Ready in between are no failed
	// update but news for the next reconcile, which their events request.
	actedOn *selection
}

var _ managed.External = (*External)(nil)

// Observe reads the group, its tags and its members, and resolves what the
// spec selects.
func (e *External) Observe(ctx context.Context, obj managed.Object) (managed.Observation, error) {
	g := obj.(*iotv1.DeviceGroup)
	if err := ownership.Reserved(slices.Collect(maps.Keys(g.Spec.Tags))); err != nil {
		return managed.Observation{}, err
	}
	if err := e.checkDepth(ctx, g); err != nil {
		return managed.Observation{}, err
	}
	id, claim, err := e.locate(ctx, g)
	if err != nil || id == "" {
		return managed.Observation{}, err
	}
	info, err := e.API.QueryDeviceGroupInfo(ctx, id, "")
	if aliyun.IsNotFound(err) {
		if g.Spec.GroupID != "" {
			return managed.Observation{}, managed.Terminal(fmt.Errorf(
				"spec.groupId %s names no group in this account and instance: correct it, or remove it to let Kiot create %s", id, g.Spec.GroupName))
		}
		g.Status.GroupID = "" // deleted behind Kiot's back: created again
		return managed.Observation{}, nil
	}
	if err != nil {
		return managed.Observation{}, err
	}
	tags, err := e.API.QueryDeviceGroupTagList(ctx, id, "")
	if err != nil {
		return managed.Observation{}, err
	}
	// Nothing of a group the resource may not take is recorded or changed.
	unmarked, err := claim.Check(iot.TagMap(tags))
	if err != nil {
		return managed.Observation{}, err
	}
	e.unmarked = unmarked
	members, err := e.membersOf(ctx, g, id, int(info.DeviceCount))
	if err != nil {
		return managed.Observation{}, err
	}
	sel, err := e.selectDevices(ctx, g)
	if err != nil {
		return managed.Observation{}, err
	}
	e.observed, e.observedTags, e.members, e.selection = info, tags, members, sel

	add, remove := membershipChanges(members, sel.members)
	g.Status.GroupID = id
	g.Status.CreateRequestedAt = nil
	g.Status.DeviceCount = int32(len(members))
	g.Status.SelectedDevices = int32(sel.selected)
	g.Status.PendingDevices = int32(len(sel.notReady) + len(add))
	fields := e.drift(g, add, remove)
	return managed.Observation{Exists: true, UpToDate: len(fields) == 0, Drift: fields, Readiness: e.readiness(sel)}, nil
}

// selectDevices resolves the spec's selection, or, after an Update in this
// reconcile, returns the selection that Update acted on.
func (e *External) selectDevices(ctx context.Context, g *iotv1.DeviceGroup) (selection, error) {
	if e.actedOn != nil {
		return *e.actedOn, nil
	}
	return selectDevices(ctx, e.Kube, g)
}

// readiness holds Ready back while selected Devices are not Ready yet: until
// they are, the membership is not the spec's. Nil leaves Ready to the
// engine (exists and up to date).
func (e *External) readiness(sel selection) *managed.Readiness {
	if len(sel.notReady) == 0 {
		return nil
	}
	return &managed.Readiness{
		Ready:  false,
		Reason: iotv1.ReasonDevicesPending,
		Message: fmt.Sprintf("%d of %d selected Devices are not Ready yet: %s",
			len(sel.notReady), sel.selected, managed.ShortList(sel.notReady)),
		// Each Device's events wake the group; this is the safety net.
		RecheckAfter: e.retry(),
	}
}

// Create makes the group under its parent; a group of that name under that
// parent made by an interrupted attempt is adopted.
func (e *External) Create(ctx context.Context, obj managed.Object) error {
	g := obj.(*iotv1.DeviceGroup)
	if g.Spec.GroupID != "" {
		return managed.Terminal(fmt.Errorf("spec.groupId %s does not exist; Kiot adopts it but never creates a group under a chosen id", g.Spec.GroupID))
	}
	parentID, err := e.parentID(ctx, g)
	if err != nil {
		return err
	}
	created, err := e.API.CreateDeviceGroup(ctx, iot.CreateDeviceGroupInput{GroupName: g.Spec.GroupName, SuperGroupID: parentID, GroupDesc: g.Spec.Description})
	if aliyun.IsAlreadyExists(err) {
		id, claim, findErr := e.locate(ctx, g)
		if findErr != nil {
			return findErr
		}
		if id == "" {
			// The name is taken elsewhere in the account: the spec must change.
			return managed.Terminal(fmt.Errorf("group name %s is taken by another group of this account: %w", g.Spec.GroupName, err))
		}
		return e.take(ctx, g, id, claim)
	}
	if err != nil {
		return err
	}
	g.Status.GroupID = created.GroupID
	// A group just made has no members: nothing to list.
	e.Memberships.listed(g, created.GroupID, nil)
	return e.API.SetDeviceGroupTags(ctx, created.GroupID, "", e.desiredTags(g))
}

// Update corrects the description and tags, then the membership.
func (e *External) Update(ctx context.Context, obj managed.Object, _ managed.Observation) error {
	g := obj.(*iotv1.DeviceGroup)
	id := g.Status.GroupID
	if g.Spec.Description != "" && e.observed.GroupDesc != g.Spec.Description {
		if err := e.API.UpdateDeviceGroup(ctx, id, g.Spec.Description); err != nil {
			return err
		}
	}
	if e.unmarked || !maps.Equal(ownership.WithoutMark(e.observedTags), iot.StringMap(g.Spec.Tags)) {
		// SetDeviceGroupTags replaces them all: the mark goes with them.
		if err := e.API.SetDeviceGroupTags(ctx, id, "", e.desiredTags(g)); err != nil {
			return err
		}
	}
	if err := e.updateMembers(ctx, g, id); err != nil {
		return err
	}
	acted := e.selection
	e.actedOn = &acted
	return nil
}

// updateMembers adds and removes devices until the membership is the
// selection's. Writes the platform confirmed for every device asked are
// applied to the remembered membership; anything less (an error, a device
// refused, a count short) makes the next observation list it.
func (e *External) updateMembers(ctx context.Context, g *iotv1.DeviceGroup, id string) error {
	add, remove := membershipChanges(e.members, e.selection.members)
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	confirmed, err := e.writeMembers(ctx, id, add, remove)
	if confirmed {
		e.Memberships.changed(g.UID, add, remove)
	} else {
		e.Memberships.forget(g.UID)
	}
	return err
}

// writeMembers makes the relation calls, removals first, so a device moving
// between groups frees its place in time; confirmed says every device asked
// was added or removed ("SuccessAddedDeviceCount", "SuccessDeviceCount",
// L18686–18740, L18869–18916).
func (e *External) writeMembers(ctx context.Context, id string, add, remove []iot.GroupDevice) (confirmed bool, err error) {
	confirmed = true
	for chunk := range slices.Chunk(remove, relationsPerCall) {
		removed, err := e.API.BatchDeleteDeviceGroupRelations(ctx, id, chunk)
		if err != nil {
			return false, err
		}
		confirmed = confirmed && int(removed.SuccessDeviceCount) == len(chunk)
	}
	refused := 0
	for chunk := range slices.Chunk(add, relationsPerCall) {
		added, err := e.API.BatchAddDeviceGroupRelations(ctx, id, chunk)
		if err != nil {
			return false, err
		}
		refused += int(added.ExceedTenGroupDeviceCount)
		confirmed = confirmed && int(added.SuccessAddedDeviceCount) == len(chunk)
	}
	if refused > 0 {
		return false, e.limitReached(ctx, id, add, refused)
	}
	return confirmed, nil
}

// Delete deletes the group once no DeviceGroup resource names it as parent;
// its memberships go with it.
func (e *External) Delete(ctx context.Context, obj managed.Object) error {
	g := obj.(*iotv1.DeviceGroup)
	children, err := e.children(ctx, g)
	if err != nil {
		return err
	}
	if len(children) > 0 {
		return managed.Wait(iotv1.ReasonDependentsExist, e.retry(),
			"%d sub-group(s) still name this group as parent (%s): Kiot deletes the group once they are gone", len(children), strings.Join(children, ", "))
	}
	id, err := e.idToDelete(ctx, g)
	if err != nil {
		return err
	}
	err = e.API.DeleteDeviceGroup(ctx, id)
	e.Memberships.forget(g.UID)
	switch {
	case aliyun.IsNotFound(err):
		return managed.ErrAlreadyGone
	case aliyun.IsConflict(err):
		// Sub-groups made outside Kiot (iot.group.SubGroupNotNull, L5122).
		return managed.Wait(iotv1.ReasonDependentsExist, e.retry(),
			"the platform refuses to delete group %s while it has sub-groups: %s", id, aliyun.ErrorCode(err))
	default:
		return err
	}
}

// idToDelete is the id of the group a Delete removes: the one in status,
// else the one Observe would adopt (spec.groupId, or the group of that name
// under the parent), since a delete can overtake a create whose answer or
// status write was lost. A parent without an id means Kiot never created
// this group under it (creation needs the parent's id): ErrAlreadyGone, as
// when no group has the name.
func (e *External) idToDelete(ctx context.Context, g *iotv1.DeviceGroup) (string, error) {
	id, claim, err := e.locate(ctx, g)
	var wait *managed.WaitError
	if errors.As(err, &wait) && wait.Reason == iotv1.ReasonParentNotReady {
		return "", managed.ErrAlreadyGone
	}
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", managed.ErrAlreadyGone
	}
	if err := claim.CheckDelete(e.API.QueryDeviceGroupTagList(ctx, id, "")); err != nil {
		return "", err
	}
	return id, nil
}

// limitReached names the devices the platform refused because they are
// already in 10 groups (L5229), so a person can decide which group to leave.
func (e *External) limitReached(ctx context.Context, id string, requested []iot.GroupDevice, refused int) error {
	members, err := e.listMembers(ctx, id)
	if err != nil {
		return err
	}
	var names []string
	for _, d := range requested {
		if !members[d] {
			names = append(names, e.selection.members[d])
		}
	}
	slices.Sort(names)
	// Only a person can free a place (another group lets the device go),
	// often in the console, where no event tells Kiot: look again, slowly.
	return managed.Wait(iotv1.ReasonGroupLimitReached, 4*e.retry(),
		"%d device(s) are already in 10 groups, the platform's limit, and were not added: %s", refused, managed.ShortList(names))
}

// checkDepth refuses a group that would sit deeper than three levels, and a
// parent chain that loops, before the platform is asked.
func (e *External) checkDepth(ctx context.Context, g *iotv1.DeviceGroup) error {
	chain := []string{g.Name}
	current := g
	for current.Spec.ParentRef != nil {
		var parent iotv1.DeviceGroup
		err := e.Kube.Get(ctx, client.ObjectKey{Namespace: g.Namespace, Name: current.Spec.ParentRef.Name}, &parent)
		if apierrors.IsNotFound(err) {
			return nil // parentID reports the missing parent when it matters
		}
		if err != nil {
			return err
		}
		if slices.Contains(chain, parent.Name) {
			return managed.Terminal(fmt.Errorf("parentRef forms a loop: %s", strings.Join(append(chain, parent.Name), " → ")))
		}
		chain = append(chain, parent.Name)
		if len(chain) > iotv1.MaxGroupDepth {
			slices.Reverse(chain)
			return managed.Terminal(fmt.Errorf("groups nest at most %d levels deep (iot.group.GroupLevelExceedingLimitError); %s would be level %d",
				iotv1.MaxGroupDepth, strings.Join(chain, " → "), len(chain)))
		}
		current = &parent
	}
	return nil
}

// parentID is the parent group's platform id, once the parent is Ready.
func (e *External) parentID(ctx context.Context, g *iotv1.DeviceGroup) (string, error) {
	if g.Spec.ParentRef == nil {
		return "", nil
	}
	var parent iotv1.DeviceGroup
	err := e.Kube.Get(ctx, client.ObjectKey{Namespace: g.Namespace, Name: g.Spec.ParentRef.Name}, &parent)
	if apierrors.IsNotFound(err) {
		return "", managed.Wait(iotv1.ReasonParentNotReady, e.retry(), "parent DeviceGroup %s/%s does not exist", g.Namespace, g.Spec.ParentRef.Name)
	}
	if err != nil {
		return "", err
	}
	if parent.Status.GroupID == "" {
		return "", managed.Wait(iotv1.ReasonParentNotReady, e.retry(), "waiting for parent DeviceGroup %s/%s to be created", g.Namespace, parent.Name)
	}
	return parent.Status.GroupID, nil
}

// findByName looks for a group of exactly that name under that parent
// (QueryDeviceGroupList matches names fuzzily, L19195–19205).
func (e *External) findByName(ctx context.Context, name, parentID string) (*iot.Group, error) {
	for candidate, err := range e.API.AllGroups(ctx, iot.GroupListInput{GroupName: name, SuperGroupID: parentID, Page: iot.Page{PageSize: memberPageSize}}) {
		if err != nil {
			return nil, err
		}
		if candidate.GroupName == name {
			return &candidate, nil
		}
	}
	return nil, nil
}

// membersOf is the group's membership: remembered, when nothing can have
// changed it since (memberships.go), else listed.
func (e *External) membersOf(ctx context.Context, g *iotv1.DeviceGroup, id string, deviceCount int) (map[iot.GroupDevice]bool, error) {
	if members, ok := e.Memberships.known(g, id, deviceCount); ok {
		return members, nil
	}
	members, err := e.listMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	e.Memberships.listed(g, id, members)
	return members, nil
}

func (e *External) listMembers(ctx context.Context, id string) (map[iot.GroupDevice]bool, error) {
	members := map[iot.GroupDevice]bool{}
	for m, err := range e.API.AllGroupMembers(ctx, id, memberPageSize) {
		if err != nil {
			return nil, err
		}
		members[iot.GroupDevice{ProductKey: m.ProductKey, DeviceName: m.DeviceName}] = true
	}
	return members, nil
}

// children names the DeviceGroups whose parent is g.
func (e *External) children(ctx context.Context, g *iotv1.DeviceGroup) ([]string, error) {
	var groups iotv1.DeviceGroupList
	if err := e.Kube.List(ctx, &groups, client.InNamespace(g.Namespace)); err != nil {
		return nil, err
	}
	var names []string
	for _, other := range groups.Items {
		if other.Spec.ParentRef != nil && other.Spec.ParentRef.Name == g.Name {
			names = append(names, other.Name)
		}
	}
	slices.Sort(names)
	return names, nil
}

func (e *External) retry() time.Duration { return cmp.Or(e.Retry, DefaultRetry) }

// drift names what of the cloud group differs from the spec.
func (e *External) drift(g *iotv1.DeviceGroup, add, remove []iot.GroupDevice) []string {
	var fields []string
	if g.Spec.Description != "" && e.observed.GroupDesc != g.Spec.Description {
		fields = append(fields, "description")
	}
	if !maps.Equal(ownership.WithoutMark(e.observedTags), iot.StringMap(g.Spec.Tags)) {
		fields = append(fields, "tags")
	}
	if e.unmarked {
		fields = append(fields, "ownership mark")
	}
	if len(add) > 0 {
		fields = append(fields, fmt.Sprintf("%d device(s) to add", len(add)))
	}
	if len(remove) > 0 {
		fields = append(fields, fmt.Sprintf("%d device(s) to remove", len(remove)))
	}
	return fields
}

// membershipChanges are the devices to add and to remove, sorted so calls
// are reproducible.
func membershipChanges(actual map[iot.GroupDevice]bool, desired map[iot.GroupDevice]string) (add, remove []iot.GroupDevice) {
	for d := range desired {
		if !actual[d] {
			add = append(add, d)
		}
	}
	for d := range actual {
		if _, keep := desired[d]; !keep {
			remove = append(remove, d)
		}
	}
	less := func(a, b iot.GroupDevice) int {
		return strings.Compare(a.ProductKey+"/"+a.DeviceName, b.ProductKey+"/"+b.DeviceName)
	}
	slices.SortFunc(add, less)
	slices.SortFunc(remove, less)
	return add, remove
}
