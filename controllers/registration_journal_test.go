package controllers

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
)

var _ = Describe("The registration journal", func() {
	ctx := context.Background()

	It("keeps a batch in a ConfigMap of the operator's namespace until it is resolved", func() {
		journal := &fleet.ConfigMapJournal{Client: k8sClient, Reader: k8sClient, Namespace: operatorNamespace}
		// Applies ids far from the simulator's, so no live batch meets them.
		entries := []fleet.JournalEntry{
			{ApplyID: 990002, Key: fleet.Key{Account: "default", ProductKey: "a1Journal"},
				Devices: []iot.NamedDevice{{DeviceName: "door-1", Nickname: "front_door"}, {DeviceName: "door-2"}}},
			{ApplyID: 990001, Key: fleet.Key{Account: "enterprise", InstanceID: enterpriseInstance, ProductKey: "a1Other"},
				Devices: []iot.NamedDevice{{DeviceName: "gate-1"}}},
		}
		for _, e := range entries {
			Expect(journal.Record(ctx, e)).To(Succeed())
		}
		// A Record retried after its answer was lost replaces the entry.
		Expect(journal.Record(ctx, entries[0])).To(Succeed())
		// Another reader (a restarted process) reads them back, oldest first.
		listed, err := (&fleet.ConfigMapJournal{Client: k8sClient, Reader: k8sClient, Namespace: operatorNamespace}).List(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(listed).To(Equal([]fleet.JournalEntry{entries[1], entries[0]}))

		// Nothing secret is stored: the names and nicknames are spec data.
		var cms corev1.ConfigMapList
		Expect(k8sClient.List(ctx, &cms, client.InNamespace(operatorNamespace))).To(Succeed())
		Expect(cms.Items).To(HaveLen(2))
		for _, cm := range cms.Items {
			Expect(cm.Name).To(HavePrefix("kiot-registration-"))
			Expect(cm.Data).To(HaveKey("batch.json"))
			Expect(cm.Data["batch.json"]).NotTo(ContainSubstring("ecret"))
		}

		for _, e := range entries {
			Expect(journal.Resolve(ctx, e.ApplyID)).To(Succeed())
		}
		Expect(journal.Resolve(ctx, 990001)).To(Succeed(), "resolving twice is not an error")
		listed, err = journal.List(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(listed).To(BeEmpty())
	})
})
