package providerconfig

import (
	"errors"
	"strings"
	"testing"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/managed"
)

func TestCheckEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint    string
		allowCustom bool
		ok          bool
	}{
		{"", false, true},
		{"https://iot.cn-shanghai.aliyuncs.com", false, true},
		{"https://iot.cn-shanghai.aliyuncs.com:443/", false, true},
		{"https://IOT.AP-SOUTHEAST-1.ALIYUNCS.COM", false, true},
		{"http://iot.cn-shanghai.aliyuncs.com", false, false}, // signatures in clear text
		{"https://aliyuncs.com.evil.example", false, false},
		{"https://evilaliyuncs.com", false, false},
		{"http://127.0.0.1:18080", false, false},
		{"http://127.0.0.1:18080", true, true},
		{"https://proxy.example", true, true},
	} {
		err := CheckEndpoint(tc.endpoint, tc.allowCustom)
		if (err == nil) != tc.ok {
			t.Errorf("CheckEndpoint(%q, allowCustom=%v) = %v, want allowed: %v", tc.endpoint, tc.allowCustom, err, tc.ok)
		}
	}
}

func TestAClientForAnEndpointNotAllowedIsRefused(t *testing.T) {
	conn := Connection{Region: "cn-shanghai", Endpoint: "http://10.0.0.7:8080", Credentials: aliyun.Credentials{AccessKeyID: "id", AccessKeySecret: "s"}}
	_, err := ClientFactory{}.New(conn)
	var terminal *managed.TerminalError
	if !errors.As(err, &terminal) || !strings.Contains(err.Error(), "--allow-custom-endpoints") {
		t.Errorf("error %v, want a refusal that names the flag", err)
	}
	if _, err := (ClientFactory{AllowCustomEndpoints: true}).New(conn); err != nil {
		t.Errorf("with --allow-custom-endpoints: %v", err)
	}
}
