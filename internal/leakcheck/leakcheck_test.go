package leakcheck

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/kiot-dev/kiot/internal/logging"
)

const secret = "deviceSecretQ7w9Zr2"

// readSecretLogged reads a Secret, served as protobuf as kube-apiserver
// serves it, through client-go with every verbosity logged by zap's
// development console encoder (the suite's), and returns the log.
func readSecretLogged(t *testing.T, wrap func(logr.Logger) logr.Logger) string {
	t.Helper()
	s := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "d-device"}, Data: map[string][]byte{"deviceSecret": []byte(secret)}}
	var body bytes.Buffer
	if err := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme).Encode(s, &body); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.kubernetes.protobuf")
		_, _ = w.Write(body.Bytes())
	}))
	defer srv.Close()

	var out bytes.Buffer
	cfg := zap.NewDevelopmentEncoderConfig()
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(cfg), zapcore.AddSync(&out), zapcore.Level(-10))
	logger := wrap(zapr.NewLogger(zap.New(core)))
	clientset, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, ContentConfig: rest.ContentConfig{ContentType: "application/vnd.kubernetes.protobuf"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := klog.NewContext(context.Background(), logger)
	got, err := clientset.CoreV1().Secrets("ns").Get(ctx, "d-device", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data["deviceSecret"]) != secret {
		t.Fatalf("the fake API server did not serve the Secret: %v", got.Data)
	}
	return out.String()
}

// Without Kiot's log filter, client-go hex-dumps the protobuf Secret at
// V(8): a plain search misses the secret, Find does not.
func TestFindSeesASecretHexDumpedByClientGo(t *testing.T) {
	text := readSecretLogged(t, func(l logr.Logger) logr.Logger { return l })
	if !strings.Contains(text, "Response Body") {
		t.Fatalf("client-go logged no body at V(10); the test proves nothing:\n%s", text)
	}
	if strings.Contains(text, secret) {
		t.Fatalf("the secret appears verbatim; the dump no longer hides it and this test proves less:\n%s", text)
	}
	found := Find(text, []string{secret})
	var inDump, dumpMessage bool
	for _, f := range found {
		inDump = inDump || strings.Contains(f, "inside a hex dump")
		dumpMessage = dumpMessage || strings.Contains(f, "Response Body")
	}
	if !inDump || !dumpMessage {
		t.Errorf("Find reported %q; want the secret inside the hex dump and the body dump itself", found)
	}
}

// With the filter, the same read logs nothing Find objects to.
func TestFindIsSatisfiedByTheFilteredLog(t *testing.T) {
	text := readSecretLogged(t, logging.WithoutAPIBodies)
	if found := Find(text, []string{secret}); len(found) != 0 {
		t.Errorf("the filtered log leaks: %q\n%s", found, text)
	}
}

func TestFindSeesEncodedForms(t *testing.T) {
	for _, text := range []string{
		`{"data":{"deviceSecret":"` + base64.StdEncoding.EncodeToString([]byte(secret)) + `"}}`,
		"body=" + hex.EncodeToString([]byte(secret)),
	} {
		if found := Find(text, []string{secret}); len(found) == 0 {
			t.Errorf("no leak found in %q", text)
		}
	}
	if found := Find("nothing to see", []string{secret}); len(found) != 0 {
		t.Errorf("a leak found in innocent text: %q", found)
	}
}
