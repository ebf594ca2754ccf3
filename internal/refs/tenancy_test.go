package refs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/kindtest"
	"github.com/kiot-dev/kiot/internal/managed"
)

func productHolding(namespace, name, productKey string) *iotv1.Product {
	p := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	p.Status.ProductKey = productKey
	return p
}

func namespaceGranting(name, grants string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if grants != "" {
		ns.Annotations = map[string]string{iotv1.AnnotationGrantedProductKeys: grants}
	}
	return ns
}

// The tenancy gate: a namespace reaches a product only through a Product
// resource of its own that holds it, or a grant on the Namespace itself.
// Anything else, a name that collides or another namespace's Product or
// grant included, is refused.
func TestCheckProductKeyLetsANamespaceUseOnlyItsOwnOrGrantedProducts(t *testing.T) {
	kube := kindtest.Kube(t,
		productHolding("team-a", "lamp", "a1Lamp"),
		productHolding("team-b", "valve", "a1Valve"),
		// A Product of team-a whose proof of ownership is not in yet.
		productHolding("team-a", "pending", ""),
		namespaceGranting("team-a", " a1Shared , a1Other"),
		namespaceGranting("team-b", ""),
		namespaceGranting("team-c", "a1Valve"),
	)
	ctx := context.Background()
	for _, tc := range []struct {
		namespace, productKey string
		allowed               bool
	}{
		{"team-a", "a1Lamp", true},    // its own Product holds it
		{"team-a", "a1Shared", true},  // granted, spaces around the key
		{"team-a", "a1Other", true},   // granted, second of the list
		{"team-a", "a1Valve", false},  // team-b's Product
		{"team-b", "a1Lamp", false},   // team-a's Product
		{"team-b", "a1Shared", false}, // team-a's grant
		{"team-c", "a1Valve", true},   // granted to team-c, held by team-b
		{"team-a", "", false},         // the pending Product's empty key is no product
		{"team-d", "a1Lamp", false},   // a namespace that does not exist grants nothing
		{"team-a", "A1LAMP", false},   // ProductKeys match exactly
	} {
		err := CheckProductKey(ctx, kube, tc.namespace, tc.productKey, time.Minute)
		if tc.allowed {
			if err != nil {
				t.Errorf("%s using %q: %v, want allowed", tc.namespace, tc.productKey, err)
			}
			continue
		}
		var wait *managed.WaitError
		if !errors.As(err, &wait) || wait.Reason != iotv1.ReasonProductNotGranted || wait.After != time.Minute || !NotGranted(err) {
			t.Errorf("%s using %q: %v, want a ProductNotGranted wait of a minute", tc.namespace, tc.productKey, err)
			continue
		}
		if !strings.Contains(err.Error(), iotv1.AnnotationGrantedProductKeys) {
			t.Errorf("the refusal %q does not say how to grant the product", err)
		}
	}
}

func TestGrantedProductKeysReadsTheAnnotationsList(t *testing.T) {
	for _, tc := range []struct {
		annotation string
		want       []string
	}{
		{"", nil},
		{"a1Lamp", []string{"a1Lamp"}},
		{"a1Lamp,,a1Valve , ", []string{"a1Lamp", "a1Valve"}},
	} {
		if got := GrantedProductKeys(namespaceGranting("ns", tc.annotation)); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.annotation, got, tc.want)
		}
	}
}

func TestNotGrantedKnowsOnlyTheGatesRefusal(t *testing.T) {
	other := managed.Wait(iotv1.ReasonProductNotReady, time.Second, "waiting")
	if NotGranted(other) || NotGranted(errors.New("boom")) || NotGranted(nil) {
		t.Error("NotGranted recognises an error that is not the gate's refusal")
	}
}
