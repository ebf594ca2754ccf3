package controllers

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

var _ = Describe("Kiot's Secret cache", func() {
	It("never holds the cluster's other Secrets: 1,000 unrelated ones stay out, Kiot's own are in", func(ctx SpecContext) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "unrelated-secrets"}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		// client-go's default 5 QPS would take minutes for 1,000 creates.
		fastCfg := rest.CopyConfig(restCfg)
		fastCfg.QPS, fastCfg.Burst = 2000, 2000
		fast, err := client.New(fastCfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		for i := range 1000 {
			Expect(fast.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: fmt.Sprintf("app-%04d", i)},
				StringData: map[string]string{"password": fmt.Sprintf("not-kiots-%d", i)},
			})).To(Succeed())
		}
		// A Secret as Kiot writes them, created last: once the cache shows
		// it, it has seen every event before it.
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "lamp-device",
				Labels: map[string]string{iotv1.LabelOwnerKind: "Device", iotv1.LabelOwnerName: "lamp"}},
		})).To(Succeed())
		Eventually(func(g Gomega) {
			var cached corev1.SecretList
			g.Expect(mgrClient.List(ctx, &cached, client.InNamespace(ns.Name))).To(Succeed())
			g.Expect(cached.Items).To(HaveLen(1))
			g.Expect(cached.Items[0].Name).To(Equal("lamp-device"))
		}).Should(Succeed())

		// Not in the cache, yet readable where Kiot needs it: uncached.
		var unrelated corev1.Secret
		err = mgrClient.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "app-0000"}, &unrelated)
		Expect(err).To(HaveOccurred(), "the cached client found an unrelated Secret")
		Expect(mgrAPIReader.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "app-0000"}, &unrelated)).To(Succeed())
		DeferCleanup(func(ctx context.Context) {
			Expect(fast.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(ns.Name))).To(Succeed())
		})
	})
})
