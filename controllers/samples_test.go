package controllers

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// readSamples decodes the objects of config/samples/<file>.
func readSamples(file string) []client.Object {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("..", "config", "samples", file))
	Expect(err).NotTo(HaveOccurred())
	decoder := serializer.NewCodecFactory(scheme).UniversalDeserializer()
	var objects []client.Object
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		Expect(err).NotTo(HaveOccurred(), "decoding %s", file)
		objects = append(objects, obj.(client.Object))
	}
	return objects
}

var _ = Describe("The samples", func() {
	It("become Ready against the simulator, hold its credentials, and leave nothing behind when deleted", func() {
		ctx := context.Background()
		objects := append(readSamples("product.yaml"), readSamples("devices.yaml")...)
		objects = append(objects, readSamples("devicegroup.yaml")...)
		objects = append(objects, readSamples("distributejob.yaml")...)
		Expect(objects).To(HaveLen(7))
		throttledBefore := totalThrottled()
		firstReadyBefore := firstReadyCounts()
		for _, obj := range objects {
			Expect(k8sClient.Create(ctx, obj)).To(Succeed())
		}

		product := readyProduct(objects[0].(*iotv1.Product))
		cloudProduct := simProduct(Default, product.Status.ProductKey)
		var productSecret corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: product.Namespace, Name: product.Status.SecretName}, &productSecret)).To(Succeed())
		Expect(string(productSecret.Data["productSecret"])).To(Equal(cloudProduct.ProductSecret))

		for _, obj := range objects[1:4] {
			d := readyDevice(obj.(*iotv1.Device))
			var secret corev1.Secret
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Status.SecretName}, &secret)).To(Succeed())
			cloudDevice := simDevice(Default, d.Status.IotID)
			Expect(string(secret.Data["deviceSecret"])).To(Equal(cloudDevice.DeviceSecret))
			Expect(cloudDevice.Disabled).To(Equal(!d.IsEnabled()))
		}

		harbour := readyGroup(objects[4].(*iotv1.DeviceGroup))
		tall := readyGroup(objects[5].(*iotv1.DeviceGroup))
		Expect(simMembers(Default, harbour.Status.GroupID)).To(ConsistOf("light-0001", "light-0002", "light-0003"))
		Expect(simMembers(Default, tall.Status.GroupID)).To(ConsistOf("light-0001", "light-0002"))
		Expect(simGroup(Default, tall.Status.GroupID).ParentID).To(Equal(harbour.Status.GroupID))

		job := objects[6].(*iotv1.DistributeJob)
		waitReady(job)
		Expect(job.Status.Phase).To(Equal(iotv1.PhaseCompleted))
		Expect(job.Status.Succeeded).To(BeEquivalentTo(3))
		Expect(job.Status.Failed).To(BeZero())
		Expect(totalThrottled()-throttledBefore).To(BeZero(), "throttled calls: %v", sim.Snapshot().Throttled)
		for _, obj := range objects[1:4] {
			Eventually(func(g Gomega) {
				d := obj.(*iotv1.Device)
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
				g.Expect(d.Status.Location).NotTo(BeNil())
				g.Expect(d.Status.Location.Region).To(Equal("ap-southeast-1"))
			}).Should(Succeed())
		}
		var devices []*iotv1.Device
		for _, obj := range objects[1:4] {
			devices = append(devices, obj.(*iotv1.Device))
		}
		expectFleetMetricsOfReadySamples(firstReadyBefore, devices, job)

		for _, obj := range objects {
			Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
		}
		for _, obj := range objects {
			Eventually(func() bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj))
			}).Should(BeTrue(), "%s was not deleted", obj.GetName())
		}
		// Shanghai is left empty; the copies the job made in Singapore stay,
		// as a distribution is not undone by deleting its record.
		state := sim.Snapshot()
		for _, p := range state.Products {
			if p.ProductKey == product.Status.ProductKey {
				Expect(p.InstanceID).To(Equal(singaporeInstance), "the product is left in %s", p.InstanceID)
			}
		}
		for _, d := range state.Devices {
			if d.ProductKey == product.Status.ProductKey {
				Expect(d.InstanceID).To(Equal(singaporeInstance), "device %s is left in %s", d.DeviceName, d.InstanceID)
			}
		}
		Expect(simJobsOf(product.Status.ProductKey)).To(BeEmpty(), "the job's record is deleted with the DistributeJob")
		for _, group := range sim.Snapshot().Groups {
			Expect(group.GroupID).NotTo(BeElementOf(harbour.Status.GroupID, tall.Status.GroupID))
		}
	})
})
