package device

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/managed"
)

// granting is the Device's namespace, granting it these products.
func granting(productKeys ...string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default",
		Annotations: map[string]string{iotv1.AnnotationGrantedProductKeys: strings.Join(productKeys, ", ")}}}
}

func TestDevicesFollowTheirProduct(t *testing.T) {
	ownProduct := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "mine"},
		Status: iotv1.ProductStatus{ProductKey: "a1Lamp"}}
	otherTeams := &iotv1.Product{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "lamp"},
		Status: iotv1.ProductStatus{ProductKey: "a1Lamp"}}
	cases := []struct {
		name    string
		objs    []client.Object
		refused bool
	}{
		{"a product a Product of the namespace holds", []client.Object{granting(), ownProduct}, false},
		{"a product the namespace is granted", []client.Object{granting("a1Other", "a1Lamp")}, false},
		{"another namespace's product", []client.Object{granting("a1Other"), otherTeams}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDevice()
			d.Spec.ProductRef, d.Spec.ProductKey = nil, "a1Lamp"
			api := newFakeAPI(t, cloudLamp1())
			_, err := external(t, api, tc.objs...).Observe(context.Background(), d)
			var wait *managed.WaitError
			refused := errors.As(err, &wait) && wait.Reason == iotv1.ReasonProductNotGranted
			if refused != tc.refused || (!tc.refused && err != nil) {
				t.Fatalf("error %v, want refused %v", err, tc.refused)
			}
			if tc.refused && (len(api.calls) != 0 || d.Status.IotID != "") {
				t.Errorf("refused, yet calls %v and status %+v", api.calls, d.Status)
			}
		})
	}
}
