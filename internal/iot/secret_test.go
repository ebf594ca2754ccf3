package iot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

const (
	deviceSecret  = "dEvIcE-sEcReT-0042"
	productSecret = "pRoDuCt-sEcReT-0042"
)

// The answers that carry secrets, printed every way a controller might
// print them by mistake, must not show them; the failing calls' errors and
// the client's logs must not either.
func TestSecretsDoNotLeak(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	ctx := logf.IntoContext(context.Background(), funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		logs.WriteString(prefix + args + "\n")
	}, funcr.Options{Verbosity: 10}))

	platform, c := newPlatform(t)
	platform.answer("CreateProduct", fmt.Sprintf(`{"Data":{"ProductKey":"pk","ProductSecret":%q},"Success":true}`, productSecret))
	platform.answer("QueryProduct", fmt.Sprintf(`{"Data":{"ProductKey":"pk","ProductSecret":%q},"Success":true}`, productSecret))
	platform.answer("RegisterDevice", fmt.Sprintf(`{"Data":{"IotId":"i","DeviceSecret":%q},"Success":true}`, deviceSecret))
	platform.answer("QueryDeviceDetail", fmt.Sprintf(`{"Data":{"IotId":"i","DeviceSecret":%q},"Success":true}`, deviceSecret))
	platform.answer("QueryDevice", fmt.Sprintf(`{"Data":{"DeviceInfo":[{"IotId":"i","DeviceSecret":%q}]},"Success":true}`, deviceSecret))
	platform.answer("QueryPageByApplyId", fmt.Sprintf(`{"ApplyDeviceList":{"ApplyDeviceInfo":{"DeviceSecret":%q}},"Success":true}`, deviceSecret))
	// A malformed answer around a secret: the decode error must not quote it.
	platform.answer("QueryDeviceInfo", fmt.Sprintf(`{"Data":{"IotId":"i","DeviceSecret":%q,"Nickname":7},"Success":true}`, deviceSecret))

	var printed []any
	var texts []string
	keep := func(v any, err error) {
		if err != nil {
			texts = append(texts, err.Error())
		}
		printed = append(printed, v)
	}
	keep(c.CreateProduct(ctx, CreateProductInput{ProductName: "leak_test"}))
	keep(c.QueryProduct(ctx, "pk"))
	keep(c.RegisterDevice(ctx, RegisterDeviceInput{ProductKey: "pk", DeviceName: "light"}))
	keep(c.QueryDeviceDetail(ctx, DeviceRef{IotID: "i"}))
	keep(c.QueryDevice(ctx, DeviceListInput{ProductKey: "pk"}))
	keep(c.QueryPageByApplyID(ctx, 1, Page{}))
	keep(c.QueryDeviceInfo(ctx, DeviceRef{IotID: "i"}))

	if len(texts) != 1 {
		t.Fatalf("want exactly the malformed answer to fail, got %v", texts)
	}
	for _, v := range printed {
		j, _ := json.Marshal(v)
		texts = append(texts, fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(j))
	}
	mu.Lock()
	texts = append(texts, logs.String())
	mu.Unlock()
	for _, text := range texts {
		for _, secret := range []string{deviceSecret, productSecret, testCreds.AccessKeySecret, testCreds.SecurityToken} {
			if strings.Contains(text, secret) {
				t.Errorf("%q leaks into %q", secret, text)
			}
		}
	}
	if !strings.Contains(fmt.Sprintf("%+v", printed[0]), "REDACTED") {
		t.Error("the product secret is not shown as redacted, so the check above may prove nothing")
	}
}
