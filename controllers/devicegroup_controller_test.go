package controllers

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// groupNamespace makes a namespace of its own for one spec, so selectors
// see only that spec's Devices.
func groupNamespace() string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: unique("groups-")}}
	Expect(k8sClient.Create(context.Background(), ns)).To(Succeed())
	return ns.Name
}

func newGroup(namespace, groupName string) *iotv1.DeviceGroup {
	return &iotv1.DeviceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: lowerName(groupName)},
		Spec:       iotv1.DeviceGroupSpec{GroupName: groupName},
	}
}

func readyGroup(g *iotv1.DeviceGroup) *iotv1.DeviceGroup {
	GinkgoHelper()
	waitReady(g)
	return g
}

// labelledFleet makes a Ready Product in namespace and n Ready Devices of
// it carrying labels.
func labelledFleet(namespace string, n int, labels map[string]string) (*iotv1.Product, []*iotv1.Device) {
	GinkgoHelper()
	p := newProduct(unique("Fleet_"))
	p.Namespace = namespace
	Expect(k8sClient.Create(context.Background(), p)).To(Succeed())
	readyProduct(p)
	devices := make([]*iotv1.Device, n)
	for i := range devices {
		devices[i] = newDevice(unique("member-"), p.Name)
		devices[i].Namespace = namespace
		devices[i].Labels = labels
		Expect(k8sClient.Create(context.Background(), devices[i])).To(Succeed())
	}
	for _, d := range devices {
		readyDevice(d)
	}
	return p, devices
}

// simMembers returns the DeviceNames in a simulator group.
func simMembers(g Gomega, groupID string) []string {
	var names []string
	for _, d := range sim.Snapshot().Devices {
		for _, id := range d.Groups {
			if id == groupID {
				names = append(names, d.DeviceName)
			}
		}
	}
	return names
}

func simGroup(g Gomega, groupID string) iotsim.Group {
	for _, group := range sim.Snapshot().Groups {
		if group.GroupID == groupID {
			return group
		}
	}
	g.Expect(groupID).To(BeEmpty(), "the simulator has no group %s", groupID)
	return iotsim.Group{}
}

func namesOf(devices []*iotv1.Device) []string {
	out := make([]string, len(devices))
	for i, d := range devices {
		out[i] = d.Name
	}
	return out
}

var _ = Describe("DeviceGroup", func() {
	ctx := context.Background()

	It("makes the members exactly the selected and named Devices, and follows label changes", func() {
		ns := groupNamespace()
		_, tall := labelledFleet(ns, 3, map[string]string{"pole": "tall"})
		_, short := labelledFleet(ns, 2, map[string]string{"pole": "short"})

		g := newGroup(ns, unique("Tall_poles_"))
		g.Spec.Description = "tall poles and one named short one"
		g.Spec.Tags = map[string]iotv1.GroupTagValue{"site": "harbour"}
		g.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"pole": "tall"}}
		g.Spec.Devices = []string{short[0].Name}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		readyGroup(g)
		Expect(simMembers(Default, g.Status.GroupID)).To(ConsistOf(append(namesOf(tall), short[0].Name)))
		Expect(g.Status.DeviceCount).To(BeEquivalentTo(4))
		Expect(g.Status.SelectedDevices).To(BeEquivalentTo(4))
		Expect(g.Status.PendingDevices).To(BeZero())
		cloudGroup := simGroup(Default, g.Status.GroupID)
		Expect(cloudGroup.GroupName).To(Equal(g.Spec.GroupName))
		Expect(cloudGroup.GroupDesc).To(Equal("tall poles and one named short one"))

		// A label change moves a device out, another in.
		update(tall[0], func() { tall[0].Labels = map[string]string{"pole": "short"} })
		update(short[1], func() { short[1].Labels = map[string]string{"pole": "tall"} })
		Eventually(func(g2 Gomega) {
			g2.Expect(simMembers(g2, g.Status.GroupID)).To(ConsistOf(tall[1].Name, tall[2].Name, short[0].Name, short[1].Name))
		}).Should(Succeed())

		// A new Device joins; a deleted one leaves.
		_, late := labelledFleet(ns, 1, map[string]string{"pole": "tall"})
		Expect(k8sClient.Delete(ctx, tall[1])).To(Succeed())
		Eventually(func(g2 Gomega) {
			g2.Expect(simMembers(g2, g.Status.GroupID)).To(ConsistOf(tall[2].Name, short[0].Name, short[1].Name, late[0].Name))
		}).Should(Succeed())
		readyGroup(g)
	})

	It("adds and removes members in chunks of 200 for 450 devices", func() {
		ns := groupNamespace()
		p := newProduct(unique("Big_fleet_"))
		p.Namespace = ns
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		// Register the fleet in one batch, as a migration would, and let the
		// Device resources adopt it.
		names := make([]iot.NamedDevice, 450)
		for i := range names {
			names[i] = iot.NamedDevice{DeviceName: fmt.Sprintf("big-%03d", i)}
		}
		check, err := cloud.BatchCheckDeviceNames(ctx, p.Status.ProductKey, names)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			st, err := cloud.QueryBatchRegisterDeviceStatus(ctx, p.Status.ProductKey, int64(check.ApplyID))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(st.Status).To(Equal(iot.BatchStatusCheckSuccess))
		}).Should(Succeed())
		_, err = cloud.BatchRegisterDeviceWithApplyID(ctx, p.Status.ProductKey, int64(check.ApplyID))
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			st, err := cloud.QueryBatchRegisterDeviceStatus(ctx, p.Status.ProductKey, int64(check.ApplyID))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(st.Status).To(Equal(iot.BatchStatusCreateSuccess))
		}).Should(Succeed())
		for _, n := range names {
			d := newDevice(n.DeviceName, p.Name)
			d.Namespace = ns
			d.Labels = map[string]string{"fleet": "big"}
			Expect(k8sClient.Create(ctx, d)).To(Succeed())
		}

		addsBefore := sim.Calls("BatchAddDeviceGroupRelations")
		g := newGroup(ns, unique("Big_group_"))
		g.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"fleet": "big"}}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		Eventually(func(g2 Gomega) {
			g2.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(g), g)).To(Succeed())
			g2.Expect(g.Status.GroupID).NotTo(BeEmpty())
			g2.Expect(simMembers(g2, g.Status.GroupID)).To(HaveLen(450))
		}, "60s").Should(Succeed())
		readyGroup(g)
		Expect(g.Status.DeviceCount).To(BeEquivalentTo(450))
		// As devices became Ready over time, several adds may have run; none
		// carried more than 200 devices, which the simulator would refuse.
		Expect(sim.Calls("BatchAddDeviceGroupRelations") - addsBefore).To(BeNumerically(">=", 3))

		deletesBefore := sim.Calls("BatchDeleteDeviceGroupRelations")
		update(g, func() { g.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"fleet": "none"}} })
		Eventually(func(g2 Gomega) {
			g2.Expect(simMembers(g2, g.Status.GroupID)).To(BeEmpty())
		}, "30s").Should(Succeed())
		Expect(sim.Calls("BatchDeleteDeviceGroupRelations")-deletesBefore).To(BeEquivalentTo(3), "450 removals take three calls of at most 200")

		deleteDevicesIn(ns)
	})

	It("builds a three-level tree, refuses a fourth level, and deletes children before parents", func() {
		ns := groupNamespace()
		root := newGroup(ns, unique("Region_"))
		middle := newGroup(ns, unique("Site_"))
		middle.Spec.ParentRef = &iotv1.LocalReference{Name: root.Name}
		leaf := newGroup(ns, unique("Cabinet_"))
		leaf.Spec.ParentRef = &iotv1.LocalReference{Name: middle.Name}
		// Children first: they wait for their parents.
		Expect(k8sClient.Create(ctx, leaf)).To(Succeed())
		Expect(k8sClient.Create(ctx, middle)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, leaf, iotv1.ConditionReady).Reason).To(Equal("ParentNotReady"))
		}).Should(Succeed())
		Expect(k8sClient.Create(ctx, root)).To(Succeed())
		readyGroup(root)
		readyGroup(middle)
		readyGroup(leaf)
		Expect(simGroup(Default, middle.Status.GroupID).ParentID).To(Equal(root.Status.GroupID))
		Expect(simGroup(Default, leaf.Status.GroupID).ParentID).To(Equal(middle.Status.GroupID))

		tooDeep := newGroup(ns, unique("Shelf_"))
		tooDeep.Spec.ParentRef = &iotv1.LocalReference{Name: leaf.Name}
		Expect(k8sClient.Create(ctx, tooDeep)).To(Succeed())
		Eventually(func(g Gomega) {
			synced := conditionOf(g, tooDeep, iotv1.ConditionSynced)
			g.Expect(synced.Reason).To(Equal(iotv1.ReasonInvalidSpec))
			g.Expect(synced.Message).To(ContainSubstring("at most 3 levels"))
		}).Should(Succeed())
		Expect(k8sClient.Delete(ctx, tooDeep)).To(Succeed())

		// Deleting the root waits for its sub-group.
		Expect(k8sClient.Delete(ctx, root)).To(Succeed())
		Eventually(func(g Gomega) {
			synced := conditionOf(g, root, iotv1.ConditionSynced)
			g.Expect(synced.Reason).To(Equal(iotv1.ReasonDependentsExist))
			g.Expect(synced.Message).To(ContainSubstring(middle.Name))
		}).Should(Succeed())
		Expect(k8sClient.Delete(ctx, leaf)).To(Succeed())
		Expect(k8sClient.Delete(ctx, middle)).To(Succeed())
		for _, g := range []*iotv1.DeviceGroup{leaf, middle, root} {
			Eventually(func() bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(g), &iotv1.DeviceGroup{}))
			}).Should(BeTrue(), "%s was not deleted", g.Name)
		}
		for _, id := range []string{root.Status.GroupID, middle.Status.GroupID, leaf.Status.GroupID} {
			for _, group := range sim.Snapshot().Groups {
				Expect(group.GroupID).NotTo(Equal(id))
			}
		}
	})

	It("corrects members, tags and description changed behind its back", func() {
		ns := groupNamespace()
		_, members := labelledFleet(ns, 2, map[string]string{"role": "member"})
		_, outsiders := labelledFleet(ns, 1, map[string]string{"role": "outsider"})
		g := newGroup(ns, unique("Guarded_"))
		g.Spec.Description = "declared"
		g.Spec.Tags = map[string]iotv1.GroupTagValue{"owner": "kiot"}
		g.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"role": "member"}}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		readyGroup(g)

		_, err := cloud.BatchAddDeviceGroupRelations(ctx, g.Status.GroupID, []iot.GroupDevice{{ProductKey: outsiders[0].Status.ProductKey, DeviceName: outsiders[0].Name}})
		Expect(err).NotTo(HaveOccurred())
		_, err = cloud.BatchDeleteDeviceGroupRelations(ctx, g.Status.GroupID, []iot.GroupDevice{{ProductKey: members[0].Status.ProductKey, DeviceName: members[0].Name}})
		Expect(err).NotTo(HaveOccurred())
		Expect(cloud.SetDeviceGroupTags(ctx, g.Status.GroupID, "", []iot.Tag{{TagKey: "intruder", TagValue: "x"}})).To(Succeed())
		Expect(cloud.UpdateDeviceGroup(ctx, g.Status.GroupID, "edited")).To(Succeed())

		requestReconcile(g)
		Eventually(func(g2 Gomega) {
			g2.Expect(simMembers(g2, g.Status.GroupID)).To(ConsistOf(namesOf(members)))
			cloudGroup := simGroup(g2, g.Status.GroupID)
			g2.Expect(cloudGroup.GroupDesc).To(Equal("declared"))
			g2.Expect(simGroupTags(cloudGroup)).To(Equal(map[string]string{"owner": "kiot"}))
		}).Should(Succeed())
	})

	It("adopts an existing group by groupId, and by name under its parent after an interrupted create", func() {
		ns := groupNamespace()
		existing, err := cloud.CreateDeviceGroup(ctx, iot.CreateDeviceGroupInput{GroupName: unique("Existing_")})
		Expect(err).NotTo(HaveOccurred())
		byID := newGroup(ns, existing.GroupName)
		byID.Spec.GroupID = existing.GroupID
		Expect(k8sClient.Create(ctx, byID)).To(Succeed())
		readyGroup(byID)
		Expect(byID.Status.GroupID).To(Equal(existing.GroupID))

		// CreateDeviceGroup takes effect but its answer is lost; the group
		// it made, unmarked, is adopted because it was made after the
		// create Kiot recorded.
		loseAnswer("CreateDeviceGroup")
		child := newGroup(ns, unique("Interrupted_"))
		child.Spec.ParentRef = &iotv1.LocalReference{Name: byID.Name}
		Expect(k8sClient.Create(ctx, child)).To(Succeed())
		readyGroup(child)
		Expect(simGroupsNamed(child.Spec.GroupName)).To(Equal(1), "a group found by name must not be created again")
		Expect(simGroup(Default, child.Status.GroupID).ParentID).To(Equal(existing.GroupID))
		Expect(simGroup(Default, child.Status.GroupID).Tags).To(ContainElement(iotsim.Tag{Key: iotv1.OwnerTagKey, Value: kubeSystemUID() + "_" + ns + "_" + child.Name}))
	})

	It("deletes the group of a create that its deletion overtook", func() {
		ns := groupNamespace()
		// CreateDeviceGroup takes effect but its answer is held: the resource
		// is deleted while Kiot has not learned the GroupId yet.
		holdAnswers("CreateDeviceGroup")
		g := newGroup(ns, unique("Overtaken_"))
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		Eventually(func() int { return simGroupsNamed(g.Spec.GroupName) }).Should(Equal(1))
		releaseFaults()
		Expect(k8sClient.Delete(ctx, g)).To(Succeed())

		expectDeletedFromKubernetes(g)
		Expect(simGroupsNamed(g.Spec.GroupName)).To(BeZero(), "the group the overtaken create made is orphaned")
		expectOneDeletedEvent("DeviceGroup", g.Name)
	})

	It("is Ready only once every selected Device is Ready and a member", func() {
		ns := groupNamespace()
		_, ready := labelledFleet(ns, 2, map[string]string{"zone": "a"})
		// A selected Device whose Product does not exist yet cannot be Ready.
		late := newProduct(unique("Late_"))
		late.Namespace = ns
		waiting := newDevice(unique("waiting-"), late.Name)
		waiting.Namespace = ns
		waiting.Labels = map[string]string{"zone": "a"}
		Expect(k8sClient.Create(ctx, waiting)).To(Succeed())

		g := newGroup(ns, unique("Zone_a_"))
		g.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"zone": "a"}}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		Eventually(func(g2 Gomega) {
			c := conditionOf(g2, g, iotv1.ConditionReady)
			g2.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g2.Expect(c.Reason).To(Equal(iotv1.ReasonDevicesPending))
			g2.Expect(c.Message).To(Equal("1 of 3 selected Devices are not Ready yet: " + waiting.Name))
			g2.Expect(g.Status.PendingDevices).To(BeEquivalentTo(1))
			g2.Expect(conditionOf(g2, g, iotv1.ConditionSynced).Status).To(Equal(metav1.ConditionTrue))
			g2.Expect(simMembers(g2, g.Status.GroupID)).To(ConsistOf(namesOf(ready)))
		}).Should(Succeed())

		Expect(k8sClient.Create(ctx, late)).To(Succeed())
		readyGroup(g)
		Expect(g.Status.PendingDevices).To(BeZero())
		Expect(simMembers(Default, g.Status.GroupID)).To(ConsistOf(append(namesOf(ready), waiting.Name)))
	})

	It("takes Devices that become Ready during a rollout without calling its own update a failure", func() {
		ns := groupNamespace()
		p := newProduct(unique("Rollout_"))
		p.Namespace = ns
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		g := newGroup(ns, unique("Rollout_group_"))
		g.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"rollout": "yes"}}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		readyGroup(g)

		// The Devices become Ready one after another while the group adds
		// those that already are.
		devices := make([]*iotv1.Device, 30)
		for i := range devices {
			devices[i] = newDevice(unique("rollout-"), p.Name)
			devices[i].Namespace = ns
			devices[i].Labels = map[string]string{"rollout": "yes"}
			Expect(k8sClient.Create(ctx, devices[i])).To(Succeed())
		}
		Eventually(func(g2 Gomega) {
			g2.Expect(simMembers(g2, g.Status.GroupID)).To(ConsistOf(namesOf(devices)))
		}, "60s").Should(Succeed())
		readyGroup(g)

		const stillDiffers = "still differs from the spec after an update"
		for _, e := range managedEvents(Default, "DeviceGroup", g.Name) {
			Expect(e.Note).NotTo(ContainSubstring(stillDiffers))
		}
		for _, line := range strings.Split(string(logs.Contents()), "\n") {
			if strings.Contains(line, g.Name) {
				Expect(line).NotTo(ContainSubstring(stillDiffers))
			}
		}
		deleteDevicesIn(ns)
	})

	It("names the devices the platform refuses because they are already in 10 groups", func() {
		ns := groupNamespace()
		_, devices := labelledFleet(ns, 2, map[string]string{"crowded": "yes"})
		crowded := devices[0]
		for i := range 10 {
			other, err := cloud.CreateDeviceGroup(ctx, iot.CreateDeviceGroupInput{GroupName: fmt.Sprintf("%s_%d", lowerName(unique("Other")), i)})
			Expect(err).NotTo(HaveOccurred())
			_, err = cloud.BatchAddDeviceGroupRelations(ctx, other.GroupID, []iot.GroupDevice{{ProductKey: crowded.Status.ProductKey, DeviceName: crowded.Name}})
			Expect(err).NotTo(HaveOccurred())
		}
		g := newGroup(ns, unique("Eleventh_"))
		g.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"crowded": "yes"}}
		Expect(k8sClient.Create(ctx, g)).To(Succeed())
		// A group stuck at the limit keeps looking; it must not draw on the
		// account's 5-QPS member listing while later specs run.
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, g)).To(Succeed()) })
		Eventually(func(g2 Gomega) {
			ready := conditionOf(g2, g, iotv1.ConditionReady)
			g2.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g2.Expect(ready.Reason).To(Equal("GroupLimitReached"))
			g2.Expect(ready.Message).To(ContainSubstring(crowded.Name))
			g2.Expect(ready.Message).NotTo(ContainSubstring(devices[1].Name))
			g2.Expect(g.Status.PendingDevices).To(BeEquivalentTo(1))
		}).Should(Succeed())
		Expect(simMembers(Default, g.Status.GroupID)).To(ConsistOf(devices[1].Name))
	})

	DescribeTable("refuses an invalid spec at admission",
		func(mutate func(*iotv1.DeviceGroup), wantMessage string) {
			g := newGroup("default", "Valid_group")
			g.Name = unique("invalid-group-")
			mutate(g)
			err := k8sClient.Create(ctx, g)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("groupName too short", func(g *iotv1.DeviceGroup) { g.Spec.GroupName = "abc" }, "spec.groupName"),
		Entry("groupName with a hyphen", func(g *iotv1.DeviceGroup) { g.Spec.GroupName = "north-site" }, "spec.groupName"),
		Entry("description over 100 characters", func(g *iotv1.DeviceGroup) { g.Spec.Description = string(make([]byte, 101)) }, "spec.description"),
		Entry("a one-character tag key", func(g *iotv1.DeviceGroup) { g.Spec.Tags = map[string]iotv1.GroupTagValue{"k": "v"} }, "tag keys must be 2–30"),
		Entry("a tag value with a space", func(g *iotv1.DeviceGroup) { g.Spec.Tags = map[string]iotv1.GroupTagValue{"key": "a b"} }, "spec.tags"),
		Entry("an empty device name", func(g *iotv1.DeviceGroup) { g.Spec.Devices = []string{""} }, "spec.devices"),
		Entry("a device named twice", func(g *iotv1.DeviceGroup) { g.Spec.Devices = []string{"a", "a"} }, "spec.devices"),
		Entry("a groupId with a dash", func(g *iotv1.DeviceGroup) { g.Spec.GroupID = "not-an-id" }, "spec.groupId"),
	)

	DescribeTable("refuses changes to what the platform cannot change",
		func(mutate func(*iotv1.DeviceGroup), wantMessage string) {
			g := newGroup("default", unique("Fixed_"))
			g.Name = unique("immutable-group-")
			g.Spec.ParentRef = &iotv1.LocalReference{Name: "some-parent"}
			g.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly
			Expect(k8sClient.Create(ctx, g)).To(Succeed())
			err := tryUpdate(g, func() { mutate(g) })
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("groupName", func(g *iotv1.DeviceGroup) { g.Spec.GroupName = "Renamed_group" }, "groupName is immutable"),
		Entry("parentRef", func(g *iotv1.DeviceGroup) { g.Spec.ParentRef = &iotv1.LocalReference{Name: "other-parent"} }, "parentRef is immutable"),
		Entry("parentRef removed", func(g *iotv1.DeviceGroup) { g.Spec.ParentRef = nil }, "parentRef is immutable"),
	)
})

func simGroupTags(g iotsim.Group) map[string]string {
	out := map[string]string{}
	for _, t := range g.Tags {
		if t.Key == iotv1.OwnerTagKey {
			continue // Kiot's ownership mark, never the spec's (tenancy_test.go)
		}
		out[t.Key] = t.Value
	}
	return out
}

// simGroupsNamed counts the simulator's groups of that name.
func simGroupsNamed(name string) int {
	n := 0
	for _, group := range sim.Snapshot().Groups {
		if group.GroupName == name {
			n++
		}
	}
	return n
}

// deleteDevicesIn deletes a spec's fleet and waits until it is gone: left
// behind, its Devices would resync every minute for the rest of the suite
// and disturb the specs that count calls.
func deleteDevicesIn(namespace string) {
	GinkgoHelper()
	ctx := context.Background()
	Expect(k8sClient.DeleteAllOf(ctx, &iotv1.Device{}, client.InNamespace(namespace))).To(Succeed())
	Eventually(func(g Gomega) {
		var left iotv1.DeviceList
		g.Expect(k8sClient.List(ctx, &left, client.InNamespace(namespace))).To(Succeed())
		g.Expect(left.Items).To(BeEmpty())
	}, "60s").Should(Succeed())
}
