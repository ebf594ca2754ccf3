package controllers

import (
	"context"
	"fmt"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iotsim"
	"github.com/kiot-dev/kiot/internal/leakcheck"
)

// createSimulatorProviderConfig makes ProviderConfig "default", the one
// every managed resource uses unless it names another, point at the
// in-process simulator with the simulator's default account.
func createSimulatorProviderConfig() {
	ctx := context.Background()
	Expect(k8sClient.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "sim-credentials"},
		StringData: map[string]string{"accessKeyId": iotsim.DefaultAccessKeyID, "accessKeySecret": iotsim.DefaultAccessKeySecret},
	})).To(Succeed())
	Expect(k8sClient.Create(ctx, &iotv1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "enterprise"},
		Spec: iotv1.ProviderConfigSpec{
			Region:        "cn-shanghai",
			Endpoint:      simServer.URL,
			IotInstanceID: enterpriseInstance,
			Credentials:   iotv1.ProviderCredentials{SecretRef: &iotv1.SecretReference{Namespace: "default", Name: "sim-credentials"}},
		},
	})).To(Succeed())
	Expect(k8sClient.Create(ctx, &iotv1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: iotv1.ProviderConfigSpec{
			Region:      "cn-shanghai",
			Endpoint:    simServer.URL,
			Credentials: iotv1.ProviderCredentials{SecretRef: &iotv1.SecretReference{Namespace: "default", Name: "sim-credentials"}},
		},
	})).To(Succeed())
}

var uniqueCounter atomic.Int64

// unique returns a name no other spec uses, valid as a ProductName,
// DeviceName and Kubernetes name ("prefix_7" style is not a DNS name, so
// callers pick the separator).
func unique(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, uniqueCounter.Add(1))
}

// simProduct returns the simulator's product of that key.
func simProduct(g Gomega, productKey string) iotsim.Product {
	for _, p := range sim.Snapshot().Products {
		if p.ProductKey == productKey {
			return p
		}
	}
	g.Expect(productKey).To(BeEmpty(), "the simulator has no product %s", productKey)
	return iotsim.Product{}
}

// simProductsNamed counts the simulator's products of that name.
func simProductsNamed(name string) int {
	n := 0
	for _, p := range sim.Snapshot().Products {
		if p.ProductName == name {
			n++
		}
	}
	return n
}

// managedObject is a Kiot resource with the shared status.
type managedObject interface {
	client.Object
	ManagedStatus() *iotv1.ManagedStatus
}

// cloudCredentialsIssued records that a Product or Device became Ready, so
// the suite's leak check must find their credentials.
var cloudCredentialsIssued atomic.Bool

// waitReady waits until obj is Ready and Synced at its current generation.
func waitReady(obj managedObject) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		// A failure shows the whole condition: reason and message.
		for _, conditionType := range []string{iotv1.ConditionReady, iotv1.ConditionSynced} {
			c := conditionOf(g, obj, conditionType)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %+v", conditionType, c)
		}
		g.Expect(obj.ManagedStatus().ObservedGeneration).To(Equal(obj.GetGeneration()))
	}).Should(Succeed())
	switch obj.(type) {
	case *iotv1.Product, *iotv1.Device:
		cloudCredentialsIssued.Store(true)
	}
}

// conditionOf returns the condition of that type from a managed object.
func conditionOf(g Gomega, obj managedObject, conditionType string) metav1.Condition {
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	for _, c := range obj.ManagedStatus().Conditions {
		if c.Type == conditionType {
			return c
		}
	}
	return metav1.Condition{}
}

// update applies mutate to the latest version of obj and writes it, again
// on a conflict with the controller's own writes.
func update(obj client.Object, mutate func()) {
	GinkgoHelper()
	Eventually(func() error {
		if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate()
		return k8sClient.Update(context.Background(), obj)
	}).Should(Succeed())
}

// expectNoCloudSecretLeaked checks every ProductSecret and DeviceSecret the
// simulator ever issued in this suite, and the AccessKey secret, against the
// captured log (written at V(10)), every event and every status Kiot wrote:
// as written, hex- and base64-encoded, and inside hex dumps; and it fails on
// any client-go request or response body in the log, whatever it holds.
func expectNoCloudSecretLeaked() {
	secrets := []string{iotsim.DefaultAccessKeySecret}
	state := sim.Snapshot()
	for _, p := range state.Products {
		secrets = append(secrets, p.ProductSecret)
	}
	for _, d := range state.Devices {
		secrets = append(secrets, d.DeviceSecret)
	}
	// Secrets of resources already deleted, as Kiot wrote them (envtest runs
	// no garbage collector, so they remain).
	var written corev1.SecretList
	Expect(k8sClient.List(context.Background(), &written, client.HasLabels{iotv1.LabelOwnerKind})).To(Succeed())
	for _, secret := range written.Items {
		for _, key := range []string{"productSecret", "deviceSecret"} {
			if v := string(secret.Data[key]); v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	log := string(logs.Contents())
	Expect(log).NotTo(BeEmpty(), "the log capture recorded nothing; the leak check would be vacuous")
	Expect(leakcheck.Find(log, secrets)).To(BeEmpty(), "the log leaks")
	if !cloudCredentialsIssued.Load() {
		return // a focused run that made no product or device: nothing more to check
	}
	Expect(len(secrets)).To(BeNumerically(">", 1), "products or devices became Ready, yet no credential was found: the leak check would be vacuous")
	var texts []string
	var events eventsv1.EventList
	Expect(k8sClient.List(context.Background(), &events)).To(Succeed())
	for _, e := range events.Items {
		texts = append(texts, e.Note)
	}
	var products iotv1.ProductList
	Expect(k8sClient.List(context.Background(), &products)).To(Succeed())
	for _, p := range products.Items {
		texts = append(texts, fmt.Sprintf("%+v", p.Status))
	}
	var devices iotv1.DeviceList
	Expect(k8sClient.List(context.Background(), &devices)).To(Succeed())
	for _, d := range devices.Items {
		texts = append(texts, fmt.Sprintf("%+v", d.Status))
	}
	for _, text := range texts {
		Expect(leakcheck.Find(text, secrets)).To(BeEmpty(), "an event or status leaks")
	}
}

// tryUpdate applies mutate to the latest version of obj and returns the API
// server's answer, retrying only conflicts with the controller's own writes.
func tryUpdate(obj client.Object, mutate func()) error {
	GinkgoHelper()
	var err error
	Eventually(func() bool {
		Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		mutate()
		err = k8sClient.Update(context.Background(), obj)
		return !apierrors.IsConflict(err)
	}).Should(BeTrue())
	return err
}
