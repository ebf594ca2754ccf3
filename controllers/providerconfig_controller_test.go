package controllers

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/leakcheck"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// Every secret value the specs below put in a Secret or the environment; none
// may ever appear in a log line or an event.
var providerConfigSecretValues = []string{
	"pc-secret-one-9f3a", "pc-secret-two-77b1", "pc-secret-rotated-c4d2", "pc-token-5e6f", "pc-env-secret-0a1b",
}

func secretPC(name, secretName string) *iotv1.ProviderConfig {
	return &iotv1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: iotv1.ProviderConfigSpec{
			Region:   "cn-shanghai",
			Endpoint: "http://127.0.0.1:18080",
			Credentials: iotv1.ProviderCredentials{
				SecretRef: &iotv1.SecretReference{Namespace: "default", Name: secretName},
			},
		},
	}
}

func credentialsSecret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}, StringData: data}
	return s
}

// readyOf fetches a ProviderConfig's Ready condition as the API server has it.
func readyOf(g Gomega, name string) metav1.Condition {
	var pc iotv1.ProviderConfig
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKey{Name: name}, &pc)).To(Succeed())
	cond := apimeta.FindStatusCondition(pc.Status.Conditions, iotv1.ConditionReady)
	g.Expect(cond).NotTo(BeNil(), "no Ready condition yet")
	g.Expect(cond.ObservedGeneration).To(Equal(pc.Generation))
	g.Expect(pc.Status.ObservedGeneration).To(Equal(pc.Generation))
	return *cond
}

var _ = Describe("ProviderConfig", Ordered, func() {
	ctx := context.Background()

	It("installs as a cluster-scoped CRD with its short name and printer columns", func() {
		var crd apiextensionsv1.CustomResourceDefinition
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "providerconfigs.iot.kiot.dev"}, &crd)).To(Succeed())
		Expect(crd.Spec.Scope).To(Equal(apiextensionsv1.ClusterScoped))
		Expect(crd.Spec.Names.ShortNames).To(ContainElement("iotpc"))
		var columns []string
		for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
			columns = append(columns, c.Name)
		}
		Expect(columns).To(ContainElements("Region", "Instance", "Source", "Ready", "Age"))
	})

	DescribeTable("refuses an invalid spec at admission with a clear message",
		func(mutate func(*iotv1.ProviderConfig), wantMessage string) {
			pc := secretPC("invalid", "whatever")
			mutate(pc)
			err := k8sClient.Create(ctx, pc)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("no region", func(pc *iotv1.ProviderConfig) { pc.Spec.Region = "" }, "spec.region"),
		Entry("a region that is not a region id", func(pc *iotv1.ProviderConfig) { pc.Spec.Region = "Shanghai" }, "spec.region"),
		Entry("an endpoint that is not an http URL", func(pc *iotv1.ProviderConfig) { pc.Spec.Endpoint = "ftp://example.com" }, "endpoint must be an http:// or https:// URL"),
		Entry("an instance id with spaces", func(pc *iotv1.ProviderConfig) { pc.Spec.IotInstanceID = "iot cn 1" }, "spec.iotInstanceId"),
		Entry("an unknown credentials source", func(pc *iotv1.ProviderConfig) { pc.Spec.Credentials.Source = "Vault" }, "spec.credentials.source"),
		Entry("source Secret without a secretRef", func(pc *iotv1.ProviderConfig) { pc.Spec.Credentials.SecretRef = nil }, "secretRef is required when source is Secret"),
		Entry("source Environment with a secretRef", func(pc *iotv1.ProviderConfig) {
			pc.Spec.Credentials.Source = iotv1.CredentialsSourceEnvironment
		}, "secretRef must be empty when source is Environment"),
	)

	It("defaults the credentials source to Secret", func() {
		pc := secretPC("defaulted", "defaulted-creds")
		Expect(k8sClient.Create(ctx, pc)).To(Succeed())
		Expect(pc.Spec.Credentials.Source).To(Equal(iotv1.CredentialsSourceSecret))
	})

	It("is Ready when its Secret holds both keys", func() {
		Expect(k8sClient.Create(ctx, credentialsSecret("creds-complete", map[string]string{
			"accessKeyId": "LTAIcomplete", "accessKeySecret": providerConfigSecretValues[0], "securityToken": "pc-token-5e6f",
		}))).To(Succeed())
		Expect(k8sClient.Create(ctx, secretPC("complete", "creds-complete"))).To(Succeed())
		Eventually(func(g Gomega) {
			cond := readyOf(g, "complete")
			g.Expect(cond.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(cond.Reason).To(Equal(iotv1.ReasonCredentialsAvailable))
			g.Expect(cond.Message).To(ContainSubstring("default/creds-complete"))
			var pc iotv1.ProviderConfig
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "complete"}, &pc)).To(Succeed())
			g.Expect(apimeta.IsStatusConditionTrue(pc.Status.Conditions, iotv1.ConditionSynced)).To(BeTrue(), "Synced, as on every kind")
		}).Should(Succeed())
	})

	It("reports a missing Secret by name, and becomes Ready when the Secret appears", func() {
		Expect(k8sClient.Create(ctx, secretPC("late-secret", "creds-late"))).To(Succeed())
		Eventually(func(g Gomega) {
			cond := readyOf(g, "late-secret")
			g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(cond.Reason).To(Equal(iotv1.ReasonSecretNotFound))
			g.Expect(cond.Message).To(ContainSubstring("default/creds-late"))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(eventsAbout(g, "late-secret")).To(ContainElement(SatisfyAll(
				HaveField("Reason", iotv1.ReasonSecretNotFound),
				HaveField("Type", corev1.EventTypeWarning),
			)))
		}).Should(Succeed())

		Expect(k8sClient.Create(ctx, credentialsSecret("creds-late", map[string]string{
			"accessKeyId": "LTAIlate", "accessKeySecret": providerConfigSecretValues[1],
		}))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(readyOf(g, "late-secret").Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
	})

	It("names a missing key, and follows rotation of the Secret without a restart", func() {
		secret := credentialsSecret("creds-rotating", map[string]string{"accessKeyId": "LTAIbefore"})
		Expect(k8sClient.Create(ctx, secret)).To(Succeed())
		pc := secretPC("rotating", "creds-rotating")
		Expect(k8sClient.Create(ctx, pc)).To(Succeed())
		Eventually(func(g Gomega) {
			cond := readyOf(g, "rotating")
			g.Expect(cond.Reason).To(Equal(iotv1.ReasonSecretKeyMissing))
			g.Expect(cond.Message).To(ContainSubstring("accessKeySecret"))
			g.Expect(cond.Message).NotTo(ContainSubstring("accessKeyId"))
		}).Should(Succeed())

		// The missing key is added: Ready, and a read as the operator's
		// (uncached, through its API reader) sees the values.
		secret.StringData = map[string]string{"accessKeyId": "LTAIbefore", "accessKeySecret": providerConfigSecretValues[1]}
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(readyOf(g, "rotating").Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())

		// Rotation: the next load returns the new pair.
		secret.StringData = map[string]string{"accessKeyId": "LTAIafter", "accessKeySecret": providerConfigSecretValues[2]}
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			creds, err := providerconfig.LoadCredentials(ctx, mgrAPIReader, pc, fakeEnv.Getenv)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(creds.AccessKeyID).To(Equal("LTAIafter"))
			g.Expect(creds.AccessKeySecret).To(Equal(providerConfigSecretValues[2]))
		}).Should(Succeed())

		// A rotation that drops a key is caught at once.
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(secret), secret)).To(Succeed())
		delete(secret.Data, "accessKeySecret")
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			cond := readyOf(g, "rotating")
			g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(cond.Reason).To(Equal(iotv1.ReasonSecretKeyMissing))
		}).Should(Succeed())
	})

	It("loads credentials from the operator's environment and names a missing variable", func() {
		fakeEnv.Set(map[string]string{iotv1.EnvAccessKeyID: "LTAIenv"})
		incomplete := &iotv1.ProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Name: "env-incomplete"},
			Spec: iotv1.ProviderConfigSpec{Region: "ap-southeast-1",
				Credentials: iotv1.ProviderCredentials{Source: iotv1.CredentialsSourceEnvironment}},
		}
		Expect(k8sClient.Create(ctx, incomplete)).To(Succeed())
		Eventually(func(g Gomega) {
			cond := readyOf(g, "env-incomplete")
			g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(cond.Reason).To(Equal(iotv1.ReasonEnvironmentIncomplete))
			g.Expect(cond.Message).To(ContainSubstring(iotv1.EnvAccessKeySecret))
		}).Should(Succeed())

		// The environment is fixed (in a cluster: the Deployment rolls out).
		fakeEnv.Set(map[string]string{iotv1.EnvAccessKeyID: "LTAIenv", iotv1.EnvAccessKeySecret: providerConfigSecretValues[4]})
		complete := incomplete.DeepCopy()
		complete.ObjectMeta = metav1.ObjectMeta{Name: "env-complete"}
		Expect(k8sClient.Create(ctx, complete)).To(Succeed())
		Eventually(func(g Gomega) {
			cond := readyOf(g, "env-complete")
			g.Expect(cond.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(cond.Message).To(ContainSubstring("environment"))
		}).Should(Succeed())
	})

	It("never puts a secret value in a log line, an event or a status", func() {
		var all eventsv1.EventList
		Expect(k8sClient.List(ctx, &all)).To(Succeed())
		var pcs iotv1.ProviderConfigList
		Expect(k8sClient.List(ctx, &pcs)).To(Succeed())
		Expect(logs.Contents()).NotTo(BeEmpty(), "the log capture recorded nothing; the assertion below would be vacuous")
		Expect(leakcheck.Find(string(logs.Contents()), providerConfigSecretValues)).To(BeEmpty())
		for _, value := range providerConfigSecretValues {
			for _, e := range all.Items {
				Expect(e.Note).NotTo(ContainSubstring(value))
			}
			for _, pc := range pcs.Items {
				for _, c := range pc.Status.Conditions {
					Expect(c.Message).NotTo(ContainSubstring(value))
				}
			}
		}
	})
})

// eventsAbout lists the events regarding the named ProviderConfig.
func eventsAbout(g Gomega, name string) []eventsv1.Event {
	return managedEvents(g, "ProviderConfig", name)
}
