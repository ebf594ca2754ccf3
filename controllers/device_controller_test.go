package controllers

import (
	"context"
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

func newDevice(name, productRef string) *iotv1.Device {
	return &iotv1.Device{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec:       iotv1.DeviceSpec{ProductRef: &iotv1.LocalReference{Name: productRef}},
	}
}

// readyDevice waits until the Device is Ready and Synced and returns it.
func readyDevice(d *iotv1.Device) *iotv1.Device {
	GinkgoHelper()
	waitReady(d)
	return d
}

// simDevice returns the simulator's device of that IotId.
func simDevice(g Gomega, iotID string) iotsim.Device {
	for _, d := range sim.Snapshot().Devices {
		if d.IotID == iotID {
			return d
		}
	}
	g.Expect(iotID).To(BeEmpty(), "the simulator has no device %s", iotID)
	return iotsim.Device{}
}

// simDevicesNamed counts the simulator's devices of a product and name.
func simDevicesNamed(productKey, deviceName string) int {
	n := 0
	for _, d := range sim.Snapshot().Devices {
		if d.ProductKey == productKey && d.DeviceName == deviceName {
			n++
		}
	}
	return n
}

func simProps(g Gomega, d iotsim.Device) map[string]string {
	props := map[string]string{}
	if d.Props != "" {
		g.Expect(json.Unmarshal([]byte(d.Props), &props)).To(Succeed())
	}
	return props
}

var _ = Describe("Device", func() {
	ctx := context.Background()

	It("waits for its Product, registers under it and writes the device's credentials", func() {
		productName := unique("Sensor_")
		d := newDevice(unique("sensor-"), lowerName(productName))
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Eventually(func(g Gomega) {
			ready := conditionOf(g, d, iotv1.ConditionReady)
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal("ProductNotReady"))
			g.Expect(ready.Message).To(ContainSubstring(lowerName(productName)))
		}).Should(Succeed())

		p := readyProductNamed(productName)
		readyDevice(d)
		Expect(d.Status.ProductKey).To(Equal(p.Status.ProductKey))
		Expect(d.Status.DeviceName).To(Equal(d.Name), "deviceName defaults to metadata.name")
		Expect(d.Status.State).To(Equal(iot.DeviceStatusUnactive))
		Expect(d.Status.SecretName).To(Equal(d.Name + "-device"))

		cloudDevice := simDevice(Default, d.Status.IotID)
		var secret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: d.Status.SecretName}, &secret)).To(Succeed())
		Expect(secret.Data).To(Equal(map[string][]byte{
			"productKey":   []byte(p.Status.ProductKey),
			"deviceName":   []byte(d.Name),
			"deviceSecret": []byte(cloudDevice.DeviceSecret),
			"iotId":        []byte(cloudDevice.IotID),
			"regionId":     []byte("cn-shanghai"),
			"mqttHost":     []byte(p.Status.ProductKey + ".iot-as-mqtt.cn-shanghai.aliyuncs.com"),
		}))
		Expect(metav1.GetControllerOf(&secret)).To(HaveField("UID", d.UID))
	})

	It("sets nickname, enabled and properties as part of creating the device, and follows their changes", func() {
		p := readyProductNamed(unique("Lamp_"))
		d := newDevice(unique("lamp-"), p.Name)
		d.Spec.Nickname = "hall_lamp"
		d.Spec.Enabled = ptr.To(false)
		d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"floor": "3", "room": "hall"}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		readyDevice(d)
		Expect(d.Status.State).To(Equal(iot.DeviceStatusDisable))
		cloudDevice := simDevice(Default, d.Status.IotID)
		Expect(cloudDevice.Nickname).To(Equal("hall_lamp"))
		Expect(cloudDevice.Disabled).To(BeTrue())
		Expect(simProps(Default, cloudDevice)).To(Equal(map[string]string{"floor": "3", "room": "hall"}))

		update(d, func() {
			d.Spec.Nickname = ""
			d.Spec.Enabled = nil // defaults to true
			d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"floor": "4", "zone": "b"}
		})
		Eventually(func(g Gomega) {
			cloudDevice := simDevice(g, d.Status.IotID)
			g.Expect(cloudDevice.Nickname).To(BeEmpty())
			g.Expect(cloudDevice.Disabled).To(BeFalse())
			g.Expect(simProps(g, cloudDevice)).To(Equal(map[string]string{"floor": "4", "zone": "b"}))
		}).Should(Succeed())
		readyDevice(d)
		Expect(d.Status.State).To(Equal(iot.DeviceStatusUnactive))
		// The spec's change is the one update: the writes that completed
		// the creation were no correction of drift.
		Eventually(func(g Gomega) {
			g.Expect(updatedNotes(g, "Device", d.Name)).To(HavePrefix("Applied the changed spec: "))
		}).Should(Succeed())
		Expect(countReason(managedEvents(Default, "Device", d.Name), "Updated")).To(Equal(1))
		Expect(updatedNotes(Default, "Device", d.Name)).NotTo(ContainSubstring("back to the spec"))
	})

	It("reverts drift, reports the platform's state, and registers again a device deleted behind its back", func() {
		p := readyProductNamed(unique("Valve_"))
		d := newDevice(unique("valve-"), p.Name)
		d.Spec.Nickname = "main_valve"
		d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"line": "a"}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		readyDevice(d)
		ref := iot.DeviceRef{IotID: d.Status.IotID}

		Expect(cloud.BatchUpdateDeviceNickname(ctx, []iot.NicknameChange{{Device: ref, Nickname: "renamed"}})).To(Succeed())
		Expect(cloud.DisableThing(ctx, ref)).To(Succeed())
		Expect(cloud.SaveDeviceProp(ctx, ref, map[string]string{"line": "b", "extra": "1"})).To(Succeed())
		requestReconcile(d)
		Eventually(func(g Gomega) {
			cloudDevice := simDevice(g, d.Status.IotID)
			g.Expect(cloudDevice.Nickname).To(Equal("main_valve"))
			g.Expect(cloudDevice.Disabled).To(BeFalse())
			g.Expect(simProps(g, cloudDevice)).To(Equal(map[string]string{"line": "a"}))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			// A reconcile already under way may correct the first change
			// before the others land, so the corrections may span events.
			g.Expect(updatedNotes(g, "Device", d.Name)).To(SatisfyAll(ContainSubstring("nickname"), ContainSubstring("enabled"), ContainSubstring("properties")))
		}).Should(Succeed())

		Expect(sim.SetDeviceStatus(d.Status.ProductKey, d.Name, "ONLINE")).To(Succeed())
		requestReconcile(d)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
			g.Expect(d.Status.State).To(Equal(iot.DeviceStatusOnline))
		}).Should(Succeed())

		oldIotID := d.Status.IotID
		var oldSecret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: d.Status.SecretName}, &oldSecret)).To(Succeed())
		Expect(cloud.DeleteDevice(ctx, ref)).To(Succeed())
		requestReconcile(d)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
			g.Expect(d.Status.IotID).NotTo(BeEmpty())
			g.Expect(d.Status.IotID).NotTo(Equal(oldIotID))
			var secret corev1.Secret
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: d.Status.SecretName}, &secret)).To(Succeed())
			g.Expect(secret.Data["iotId"]).To(Equal([]byte(d.Status.IotID)))
			g.Expect(secret.Data["deviceSecret"]).To(Equal([]byte(simDevice(g, d.Status.IotID).DeviceSecret)))
			g.Expect(secret.Data["deviceSecret"]).NotTo(Equal(oldSecret.Data["deviceSecret"]))
		}).Should(Succeed())
	})

	It("adopts a device of the same name instead of registering a second", func() {
		p := readyProductNamed(unique("Meter_"))
		name := unique("meter-")
		existing, err := cloud.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: p.Status.ProductKey, DeviceName: name})
		Expect(err).NotTo(HaveOccurred())

		d := newDevice(name, p.Name)
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		readyDevice(d)
		Expect(d.Status.IotID).To(Equal(existing.IotID))
		Expect(simDevicesNamed(p.Status.ProductKey, name)).To(Equal(1))
	})

	It("uses a product Kiot does not manage through spec.productKey and a deviceName of its own", func() {
		created, err := cloud.CreateProduct(ctx, iot.CreateProductInput{ProductName: unique("Foreign_"), NodeType: iot.NodeTypeDevice})
		Expect(err).NotTo(HaveOccurred())
		// No Product of the namespace holds it: the namespace is granted it.
		var ns corev1.Namespace
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "default"}, &ns)).To(Succeed())
		update(&ns, func() {
			ns.Annotations = map[string]string{iotv1.AnnotationGrantedProductKeys: ns.Annotations[iotv1.AnnotationGrantedProductKeys] + "," + created.ProductKey}
		})
		d := &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: unique("foreign-device-")},
			Spec:       iotv1.DeviceSpec{ProductKey: created.ProductKey, DeviceName: "dev@site:01"},
		}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		readyDevice(d)
		Expect(d.Status.DeviceName).To(Equal("dev@site:01"))
		Expect(simDevicesNamed(created.ProductKey, "dev@site:01")).To(Equal(1))
	})

	It("writes the Enterprise instance's MQTT host and instance id", func() {
		p := newProduct(unique("Enterprise_"))
		p.Spec.ProviderConfigRef = &iotv1.ProviderConfigReference{Name: "enterprise"}
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		Expect(simProduct(Default, p.Status.ProductKey).InstanceID).To(Equal(enterpriseInstance))

		d := newDevice(unique("enterprise-device-"), p.Name)
		d.Spec.ProviderConfigRef = &iotv1.ProviderConfigReference{Name: "enterprise"}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		readyDevice(d)
		var secret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: d.Status.SecretName}, &secret)).To(Succeed())
		Expect(string(secret.Data["mqttHost"])).To(Equal(enterpriseInstance + ".mqtt.iothub.aliyuncs.com"))
		Expect(string(secret.Data["iotInstanceId"])).To(Equal(enterpriseInstance))
		Expect(simDevice(Default, d.Status.IotID).InstanceID).To(Equal(enterpriseInstance))
	})

	It("holds its Product's deletion until its Devices are gone, and deletes from status after the Product", func() {
		p := readyProductNamed(unique("Fleet_"))
		first := newDevice(unique("fleet-a-"), p.Name)
		second := newDevice(unique("fleet-b-"), p.Name)
		Expect(k8sClient.Create(ctx, first)).To(Succeed())
		Expect(k8sClient.Create(ctx, second)).To(Succeed())
		readyDevice(first)
		readyDevice(second)

		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		Eventually(func(g Gomega) {
			synced := conditionOf(g, p, iotv1.ConditionSynced)
			g.Expect(synced.Reason).To(Equal(iotv1.ReasonDependentsExist))
			g.Expect(synced.Message).To(ContainSubstring("2 Device(s)"))
			g.Expect(synced.Message).To(ContainSubstring(first.Name))
		}).Should(Succeed())
		Expect(simProduct(Default, p.Status.ProductKey).ProductKey).To(Equal(p.Status.ProductKey))

		Expect(k8sClient.Delete(ctx, first)).To(Succeed())
		Expect(k8sClient.Delete(ctx, second)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &iotv1.Product{}))
		}).Should(BeTrue())
		Expect(simDevicesNamed(p.Status.ProductKey, first.Name)).To(BeZero())
		Expect(simDevicesNamed(p.Status.ProductKey, second.Name)).To(BeZero())
		Expect(simProductsNamed(p.Spec.ProductName)).To(BeZero())
	})

	It("keeps the device and its credentials with deletionPolicy Orphan", func() {
		p := readyProductNamed(unique("Kept_"))
		d := newDevice(unique("kept-"), p.Name)
		d.Spec.DeletionPolicy = iotv1.DeletionPolicyOrphan
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		readyDevice(d)
		var secret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: d.Status.SecretName}, &secret)).To(Succeed())

		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &iotv1.Device{}))
		}).Should(BeTrue())
		Expect(simDevice(Default, d.Status.IotID).IotID).To(Equal(d.Status.IotID))
		var kept corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(&secret), &kept)).To(Succeed())
		Expect(kept.Data).To(Equal(secret.Data))
		Expect(kept.OwnerReferences).To(BeEmpty(), "the garbage collector must not take an orphan's credentials")

		// Declared again, the device is adopted and so are its credentials.
		again := newDevice(d.Name, p.Name)
		Expect(k8sClient.Create(ctx, again)).To(Succeed())
		readyDevice(again)
		Expect(again.Status.IotID).To(Equal(d.Status.IotID))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(&secret), &kept)).To(Succeed())
		Expect(metav1.GetControllerOf(&kept)).To(HaveField("UID", again.UID))
		Expect(kept.Data).To(Equal(secret.Data))
	})

	It("refuses to take over a Secret of its name that belongs to something else", func() {
		p := readyProductNamed(unique("Clash_"))
		name := unique("clash-")
		foreign := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name + "-device"},
			StringData: map[string]string{"note": "made by hand"},
		}
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		d := createdDevice(name, p.Name)
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, d)).To(Succeed()) })
		Eventually(func(g Gomega) {
			ready := conditionOf(g, d, iotv1.ConditionReady)
			g.Expect(ready.Reason).To(Equal(iotv1.ReasonConflict))
			g.Expect(ready.Message).To(ContainSubstring("not owned by this Device"))
		}).Should(Succeed())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(foreign), foreign)).To(Succeed())
		Expect(foreign.Data).To(HaveKey("note"))
		Expect(foreign.OwnerReferences).To(BeEmpty())
	})

	It("deletes a device whose Product resource is already gone", func() {
		p := newProduct(unique("Gone_"))
		p.Spec.DeletionPolicy = iotv1.DeletionPolicyOrphan
		Expect(k8sClient.Create(ctx, p)).To(Succeed())
		readyProduct(p)
		d := readyDevice(createdDevice(unique("gone-"), p.Name))
		// The Product resource goes first (Orphan leaves the cloud product).
		Expect(k8sClient.Delete(ctx, d)).NotTo(HaveOccurred())
		Expect(k8sClient.Delete(ctx, p)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &iotv1.Device{}))
		}).Should(BeTrue())
		Expect(simDevicesNamed(d.Status.ProductKey, d.Name)).To(BeZero())
	})

	It("deletes the device of a registration that its deletion overtook", func() {
		p := readyProductNamed(unique("Overtaken_"))
		// A lone Device registers with RegisterDevice, which registers the
		// device but whose answer (naming it) is held: the resource is
		// deleted while Kiot has not learned the IotId yet.
		holdAnswers("RegisterDevice")
		d := createdDevice(unique("overtaken-"), p.Name)
		Eventually(func() int { return simDevicesNamed(p.Status.ProductKey, d.Name) }).Should(Equal(1))
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		// The deletion waits for the registration in flight.
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, d, iotv1.ConditionReady).Reason).To(Equal(iotv1.ReasonRegistering))
		}).Should(Succeed())
		releaseFaults()

		expectDeletedFromKubernetes(d)
		Expect(simDevicesNamed(p.Status.ProductKey, d.Name)).To(BeZero(), "the device the overtaken registration made is orphaned")
		expectOneDeletedEvent("Device", d.Name)
	})

	It("reports a device that was never registered as already gone, not deleted", func() {
		// The Product never exists, so nothing was registered.
		d := createdDevice(unique("never-"), lowerName(unique("Missing_")))
		Eventually(func(g Gomega) {
			g.Expect(conditionOf(g, d, iotv1.ConditionReady).Reason).To(Equal(iotv1.ReasonProductNotReady))
		}).Should(Succeed())
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		expectDeletedFromKubernetes(d)
		Eventually(func(g Gomega) {
			events := managedEvents(g, "Device", d.Name)
			g.Expect(countReason(events, "AlreadyGone")).To(Equal(1))
			g.Expect(countReason(events, "Deleted")).To(BeZero())
		}).Should(Succeed())
	})

	DescribeTable("refuses an invalid spec at admission",
		func(mutate func(*iotv1.Device), wantMessage string) {
			d := newDevice(unique("admission-"), "some-product")
			mutate(d)
			err := k8sClient.Create(ctx, d)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("neither productRef nor productKey", func(d *iotv1.Device) { d.Spec.ProductRef = nil }, "exactly one of productRef and productKey"),
		Entry("both productRef and productKey", func(d *iotv1.Device) { d.Spec.ProductKey = "a1Key" }, "exactly one of productRef and productKey"),
		Entry("a metadata.name too long to be the DeviceName", func(d *iotv1.Device) {
			d.Name = "a-name-that-is-far-too-long-to-be-a-device-name"
		}, "metadata.name is used as the DeviceName"),
		Entry("a metadata.name too long for the Secret's owner-name label", func(d *iotv1.Device) {
			d.Name = strings.Repeat("d", 64)
			d.Spec.DeviceName = "short-name"
		}, "metadata.name must be at most 63 characters"),
		Entry("a deviceName with a slash", func(d *iotv1.Device) { d.Spec.DeviceName = "bad/name" }, "spec.deviceName"),
		Entry("a deviceName too short", func(d *iotv1.Device) { d.Spec.DeviceName = "abc" }, "spec.deviceName"),
		Entry("a nickname too short", func(d *iotv1.Device) { d.Spec.Nickname = "ab" }, "spec.nickname"),
		Entry("a nickname with a hyphen", func(d *iotv1.Device) { d.Spec.Nickname = "hall-lamp" }, "spec.nickname"),
		Entry("a property key with a space", func(d *iotv1.Device) {
			d.Spec.Properties = map[string]iotv1.DevicePropertyValue{"bad key": "v"}
		}, "property keys must be"),
	)

	It("accepts a metadata.name that cannot be a DeviceName when spec.deviceName is set", func() {
		d := newDevice("a-name-that-is-far-too-long-to-be-a-device-name", "some-product")
		d.Spec.DeviceName = "short-name"
		d.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
	})

	DescribeTable("refuses changes to what the platform cannot change",
		func(mutate func(*iotv1.Device), wantMessage string) {
			d := newDevice(unique("immutable-"), "some-product")
			d.Spec.DeviceName = "fixed-name"
			d.Spec.ManagementPolicy = iotv1.ManagementPolicyObserveOnly
			Expect(k8sClient.Create(ctx, d)).To(Succeed())
			err := tryUpdate(d, func() { mutate(d) })
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("deviceName", func(d *iotv1.Device) { d.Spec.DeviceName = "other-name" }, "deviceName is immutable"),
		Entry("the product reference", func(d *iotv1.Device) { d.Spec.ProductRef.Name = "other-product" }, "productRef is immutable"),
		Entry("from productRef to productKey", func(d *iotv1.Device) {
			d.Spec.ProductRef = nil
			d.Spec.ProductKey = "a1Other"
		}, "immutable"),
	)
})

func createdDevice(name, productRef string) *iotv1.Device {
	GinkgoHelper()
	d := newDevice(name, productRef)
	Expect(k8sClient.Create(context.Background(), d)).To(Succeed())
	return d
}
