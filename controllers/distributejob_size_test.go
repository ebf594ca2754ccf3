package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// storedSize is the size of an object as the API server returns it, with
// its metadata.managedFields: what etcd keeps (at most 1.5 MiB).
func storedSize(gvk, namespace, name string, g Gomega) int {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(strings.SplitN(gvk, "/", 3)[0] + "/" + strings.SplitN(gvk, "/", 3)[1])
	u.SetKind(strings.SplitN(gvk, "/", 3)[2])
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: name}, u)).To(Succeed())
	data, err := json.Marshal(u.Object)
	g.Expect(err).NotTo(HaveOccurred())
	return len(data)
}

// testStatusDevices is the suite's distribution.MaxStatusDevices.
const testStatusDevices = 5

var _ = Describe("DistributeJob size", func() {
	ctx := context.Background()
	const limit = 1 << 20 // well under etcd's 1.5 MiB per object

	It("keeps a job of 10,000 failed devices at the longest names, and every object it writes, under 1 MiB, with every outcome retrievable", func() {
		ns := jobNamespace()
		p, _ := labelledFleet(ns, 0, nil)
		// 10,000 DeviceNames of 32 characters (the platform's longest) that
		// the product does not have: the platform fails every one (404).
		names := make([]string, iotv1.MaxDistributeDevices)
		for i := range names {
			names[i] = fmt.Sprintf("absent-%025d", i)
		}
		j := newDistributeJob(ns, p.Name)
		j.Name = strings.Repeat("d", 253-len("-size")) + "-size" // the longest resource name
		j.Spec.DeviceNames = names
		Expect(k8sClient.Create(ctx, j)).To(Succeed())

		ready := waitPhase(j, iotv1.PhaseCompleted)
		Expect(ready.Reason).To(Equal(iotv1.ReasonDevicesFailed))
		Expect(j.Status.Total).To(BeEquivalentTo(iotv1.MaxDistributeDevices))
		Expect(j.Status.Failed).To(BeEquivalentTo(iotv1.MaxDistributeDevices))
		Expect(j.Status.Succeeded).To(BeZero())

		By("the DistributeJob as stored, managedFields included")
		size := storedSize("iot.kiot.dev/v1alpha1/DistributeJob", ns, j.Name, Default)
		GinkgoWriter.Printf("DistributeJob: %d bytes\n", size)
		Expect(size).To(BeNumerically("<", limit))

		By("every device's outcome is in the ledger ConfigMaps the job owns, each under 1 MiB")
		Expect(j.Status.DeviceLedger).NotTo(BeNil())
		Expect(j.Status.DeviceLedger.Devices).To(BeEquivalentTo(iotv1.MaxDistributeDevices))
		outcomes := map[string]string{}
		for _, name := range j.Status.DeviceLedger.ConfigMaps {
			size := storedSize("/v1/ConfigMap", ns, name, Default)
			GinkgoWriter.Printf("ConfigMap %s: %d bytes\n", name, size)
			Expect(size).To(BeNumerically("<", limit))
			var cm corev1.ConfigMap
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &cm)).To(Succeed())
			Expect(metav1.IsControlledBy(&cm, j)).To(BeTrue(), "deleted with the job by garbage collection")
			var records []iotv1.DeviceDistributeResult
			Expect(json.Unmarshal([]byte(cm.Data["devices.json"]), &records)).To(Succeed())
			for _, r := range records {
				Expect(r.JobID).To(Equal(j.Status.JobID))
				outcomes[r.DeviceName] = r.Code
			}
		}
		want := make(map[string]string, len(names))
		for _, n := range names {
			want[n] = "404"
		}
		Expect(outcomes).To(Equal(want), "every device, failed with the platform's code")
		var owned corev1.ConfigMapList
		Expect(k8sClient.List(ctx, &owned, client.InNamespace(ns), client.MatchingLabels{iotv1.LabelOwnerUID: string(j.UID)})).To(Succeed())
		Expect(owned.Items).To(HaveLen(len(j.Status.DeviceLedger.ConfigMaps)), "Kiot wrote no other object for the job")
	})

	It("tells every Device it moved where it now lives, past the managed Devices status.devices keeps", func() {
		ns := jobNamespace()
		fleet := map[string]string{"fleet": "past-the-bound"}
		const n = testStatusDevices + 3
		p, devices := labelledFleet(ns, n, fleet)
		pk := fleetProductKey(p)
		j := newDistributeJob(ns, p.Name)
		j.Spec.DeviceSelector = &metav1.LabelSelector{MatchLabels: fleet}
		Expect(k8sClient.Create(ctx, j)).To(Succeed())

		waitReady(j)
		Expect(j.Status.Phase).To(Equal(iotv1.PhaseCompleted))
		Expect(j.Status.Succeeded).To(BeEquivalentTo(n))
		Expect(j.Status.Devices).To(HaveLen(testStatusDevices), "status.devices is bounded: the others are only in the ledger")

		for _, d := range devices {
			expectMovedToSingapore(d, j, pk)
		}
	})

	It("refuses at admission spec lists the object could not hold", func() {
		ns := jobNamespace()
		long := make([]string, iotv1.MaxDistributeDevices)
		for i := range long {
			long[i] = fmt.Sprintf("d%062d", i) // Device names of 63
		}
		j := newDistributeJob(ns, "fleet", long...)
		err := k8sClient.Create(ctx, j)
		Expect(err).To(MatchError(ContainSubstring("at most 320000 characters")))

		j = newDistributeJob(ns, "fleet", strings.Repeat("d", 64))
		Expect(k8sClient.Create(ctx, j)).To(MatchError(ContainSubstring("spec.devices[0]")), "a Device's name is at most 63 characters")
	})
})
