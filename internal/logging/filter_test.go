package logging

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-logr/logr"
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

// countingSink counts the WithValues calls that reach the real sink.
type countingSink struct {
	logr.LogSink
	withValues *int
}

func (c countingSink) WithValues(kv ...any) logr.LogSink {
	*c.withValues++
	return countingSink{LogSink: c.LogSink.WithValues(kv...), withValues: c.withValues}
}

func (c countingSink) WithName(name string) logr.LogSink {
	return countingSink{LogSink: c.LogSink.WithName(name), withValues: c.withValues}
}

func TestWithoutAPIBodiesEncodesValuesOnlyForLinesWritten(t *testing.T) {
	var out strings.Builder
	var calls int
	base := funcr.New(func(prefix, args string) { out.WriteString(prefix + " " + args + "\n") }, funcr.Options{})
	log := WithoutAPIBodies(logr.New(countingSink{LogSink: base.GetSink(), withValues: &calls}))

	for i := range 1000 {
		// What controller-runtime does for each reconcile.
		r := log.WithValues("controller", "device").WithValues("Device", i, "reconcileID", "x")
		r.V(1).Info("not written at this verbosity")
	}
	if calls != 0 {
		t.Errorf("1,000 reconciles that wrote nothing made %d WithValues calls on the sink, want 0", calls)
	}

	log.WithValues("controller", "device").WithName("fleet").WithValues("Device", "light-1").
		Error(errors.New("boom"), "Reconciler error")
	text := out.String()
	for _, want := range []string{`"controller"="device"`, `"Device"="light-1"`, "fleet", "Reconciler error", "boom"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from the written line:\n%s", want, text)
		}
	}
	if calls != 1 {
		t.Errorf("one line written made %d WithValues calls, want 1", calls)
	}
}
