// Package kindtest holds what the unit tests of every kind package share:
// real platform errors and a fake API server. Only tests import it.
package kindtest

import (
	"context"
	"fmt"
	corev1 "k8s.io/api/core/v1"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
)

// platformErrors caches one real client error per code: building one takes
// an HTTP exchange.
var platformErrors sync.Map

// PlatformError is the *aliyun.Error the real client returns when the
// platform answers with code: the answer goes through aliyun.Client, so its
// class is the one the client's table gives the code.
func PlatformError(t testing.TB, code string) error {
	t.Helper()
	if err, ok := platformErrors.Load(code); ok {
		return err.(error)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"RequestId":"req-1","Success":false,"Code":%q,"ErrorMessage":"answered by the test"}`, code)
	}))
	defer srv.Close()
	c, err := aliyun.NewClient(aliyun.Config{
		RegionID: "cn-shanghai", Endpoint: srv.URL,
		Credentials: aliyun.Credentials{AccessKeyID: "test-id", AccessKeySecret: "test-secret"},
		Retry:       &aliyun.RetryPolicy{MaxAttempts: 1}, Quotas: aliyun.NewQuotaRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), aliyun.Request{Action: "Test"}, nil)
	if aliyun.ErrorCode(err) != code {
		t.Fatalf("the client answered %v, want an error with code %s", err, code)
	}
	platformErrors.Store(code, err)
	return err
}

// Kube is a fake API server holding objs, with Kiot's types.
func Kube(t testing.TB, objs ...client.Object) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
}
