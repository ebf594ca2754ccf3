package logging

import (
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
)

func TestWithoutAPIBodiesDropsOnlyBodyDumps(t *testing.T) {
	var out strings.Builder
	base := funcr.New(func(prefix, args string) { out.WriteString(prefix + " " + args + "\n") }, funcr.Options{Verbosity: 10})
	log := WithoutAPIBodies(base).WithName("client").WithValues("controller", "device")

	log.V(8).Info("Request Body", "body", "deviceSecret: s3cr3t")
	log.V(8).Info("Response Body", "body", "productSecret: s3cr3t")
	log.Info("Created the cloud resource")
	log.V(1).Info("Retrying", "action", "QueryDeviceDetail")

	text := out.String()
	if strings.Contains(text, "s3cr3t") {
		t.Fatalf("a body dump got through:\n%s", text)
	}
	for _, want := range []string{"Created the cloud resource", "Retrying", `"controller"="device"`, "client"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q was lost:\n%s", want, text)
		}
	}
}
