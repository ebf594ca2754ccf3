package aliyun

import (
	"errors"
	"fmt"
	"testing"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		code   string
		status int
		want   Class
	}{
		{"Throttling.User", 503, ClassThrottled},
		{"Throttling", 400, ClassThrottled},
		{"Throttling.Api", 400, ClassThrottled},
		{"iot.messagebroker.RateLimit", 200, ClassThrottled},
		{"", 429, ClassThrottled},
		{"iot.system.SystemException", 200, ClassRetryable},
		{"iot.system.InstanceNotFound", 200, ClassTerminal}, // the exact row wins over the prefix
		{"Iot.system.BillIsOverDue", 200, ClassTerminal},    // printed with a capital I (L3872)
		{"", 500, ClassRetryable},
		{"ServiceUnavailable", 503, ClassRetryable},
		{"iot.prod.NotExistedProduct", 200, ClassNotFound},
		{"iot.device.NotExistedDevice", 200, ClassNotFound},
		{"iot.group.NotExistedGroup", 200, ClassNotFound},
		{"iot.provisioning.TaskNotExist", 200, ClassNotFound},
		{"iot.prod.AlreadyExistedProductName", 200, ClassAlreadyExists},
		{"iot.device.AlreadyExistedDeviceName", 200, ClassAlreadyExists},
		{"iot.group.GroupNameExisted", 200, ClassAlreadyExists},
		{"iot.provisioning.DeviceIsDistributing", 200, ClassConflict},
		{"iot.provisioning.ProductIsDistributing", 200, ClassConflict},
		{"iot.provisioning.RunningTaskExcceedLimit", 200, ClassConflict},
		{"iot.group.SubGroupNotNull", 200, ClassConflict},
		{"iot.prod.ProductHasDevices", 200, ClassConflict},
		{"iot.device.CreateDeviceTaskIsRunning", 200, ClassConflict},
		{"iot.prod.InvalidFormattedProductName", 200, ClassTerminal},
		{"iot.Prod.NotProductOwner", 200, ClassTerminal},
		{"iot.common.InvalidFormattedParameter", 400, ClassTerminal},
		{"UnsupportedOperation", 400, ClassTerminal},
		{"iot.something.New", 200, ClassUnknown},
	}
	for _, tc := range cases {
		if got := classify(tc.code, tc.status); got != tc.want {
			t.Errorf("classify(%q, %d) = %v, want %v", tc.code, tc.status, got, tc.want)
		}
	}
}

func TestTableKeysAreLowerCase(t *testing.T) {
	for code := range codeClass {
		if code != toLower(code) {
			t.Errorf("key %q is not lower case and can never match", code)
		}
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

type validationErr struct{}

func (validationErr) Error() string { return "ProductName too short" }
func (validationErr) Class() Class  { return ClassTerminal }

func TestHelpersSeeThroughWrapping(t *testing.T) {
	notFound := fmt.Errorf("observing: %w", &Error{Code: "iot.device.NotExistedDevice", class: ClassNotFound})
	if !IsNotFound(notFound) || IsRetryable(notFound) || ErrorCode(notFound) != "iot.device.NotExistedDevice" {
		t.Error("wrapped not-found error misread")
	}
	if !IsTerminal(fmt.Errorf("creating: %w", validationErr{})) {
		t.Error("a classified error from another package is not terminal")
	}
	if ClassOf(errors.New("plain")) != ClassUnknown || ErrorCode(errors.New("plain")) != "" {
		t.Error("a plain error is classified")
	}
	if !IsRetryable(&Error{class: ClassThrottled}) {
		t.Error("throttled is not retryable")
	}
}
