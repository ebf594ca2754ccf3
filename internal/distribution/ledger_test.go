package distribution

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// worstCaseJob is a DistributeJob of 10,000 devices at the longest names
// the schema admits: its own name of 253 characters, DeviceNames of 32
// and Device resource names of 63.
func worstCaseJob() (*iotv1.DistributeJob, []deviceRecord) {
	j := &iotv1.DistributeJob{ObjectMeta: metav1.ObjectMeta{
		Namespace: "fleet", Name: strings.Repeat("j", 240) + ".a-b-c-d-e-f", UID: types.UID("5b1c2a7e-8d2f-4c55-9f0e-3a9d2b7c1e44"),
	}}
	records := make([]deviceRecord, iotv1.MaxDistributeDevices)
	for i := range records {
		records[i].ResolvedDevice = iotv1.ResolvedDevice{
			DeviceName: fmt.Sprintf("%032d", i),
			Resource:   fmt.Sprintf("r%062d", i),
			Managed:    true,
		}
	}
	j.Status.Total = int32(len(records))
	return j, records
}

// worstCaseFailures fails every device with the longest code and message
// the platform could send, made of characters JSON escapes.
func worstCaseFailures(records []deviceRecord, jobID string) []iotv1.DeviceDistributeResult {
	out := make([]iotv1.DeviceDistributeResult, len(records))
	for i, r := range records {
		out[i] = iotv1.DeviceDistributeResult{DeviceName: r.DeviceName, JobID: jobID,
			Code: strings.Repeat("<\x01", 500), Message: strings.Repeat("\"é<\n\u2028", 2000)}
	}
	return out
}

func TestTenThousandFailuresFitTheLedgerAndAStatusOfFixedSize(t *testing.T) {
	ctx := context.Background()
	kube := kubeWith(t)
	e := &External{ConfigMaps: ConfigMaps{Reader: kube, Writer: kube}}
	j, records := worstCaseJob()
	jobID := strings.Repeat("J", 64)
	run := &iotv1.DistributeJobRun{JobID: jobID}
	j.Status.Jobs = []iotv1.DistributeJobRun{*run}

	merge(j, run, records, worstCaseFailures(records, jobID))
	if err := e.saveLedger(ctx, j, records); err != nil {
		t.Fatal(err)
	}

	status, err := json.Marshal(j.Status)
	if err != nil {
		t.Fatal(err)
	}
	if len(status) > 256<<10 {
		t.Fatalf("status is %d bytes with 10,000 failed devices: it must not grow with the devices", len(status))
	}
	if j.Status.Failed != iotv1.MaxDistributeDevices || len(j.Status.Results) != maxResults || len(j.Status.FailedDevices) != maxFailedDevices || len(j.Status.Devices) != MaxStatusDevices {
		t.Fatalf("failed %d, results %d, failedDevices %d, devices %d", j.Status.Failed, len(j.Status.Results), len(j.Status.FailedDevices), len(j.Status.Devices))
	}

	ref := j.Status.DeviceLedger
	if ref == nil || ref.Devices != iotv1.MaxDistributeDevices || len(ref.ConfigMaps) != iotv1.MaxDistributeDevices/devicesPerConfigMap {
		t.Fatalf("deviceLedger = %+v", ref)
	}
	for _, name := range ref.ConfigMaps {
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			t.Fatalf("ledger ConfigMap name %q: %v", name, errs)
		}
		var cm corev1.ConfigMap
		if err := kube.Get(ctx, client.ObjectKey{Namespace: j.Namespace, Name: name}, &cm); err != nil {
			t.Fatal(err)
		}
		stored, err := json.Marshal(cm)
		if err != nil {
			t.Fatal(err)
		}
		if data := cm.Data[ledgerDataKey]; len(data) > devicesPerConfigMap*maxRecordBytes || len(stored) > 512<<10 {
			t.Fatalf("ConfigMap %s holds %d bytes, %d as JSON: over its bounds", name, len(data), len(stored))
		}
		owner := metav1.GetControllerOf(&cm)
		if owner == nil || owner.UID != j.UID || owner.Kind != "DistributeJob" || cm.Labels[iotv1.LabelOwnerUID] != string(j.UID) {
			t.Fatalf("ConfigMap %s: owner %+v, labels %v: the job owns it, for garbage collection", name, owner, cm.Labels)
		}
	}

	// Every outcome is in the ledger, as the next reconcile reads it.
	next := &External{ConfigMaps: e.ConfigMaps}
	loaded, err := next.ledger(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != iotv1.MaxDistributeDevices || len(failedNames(loaded)) != iotv1.MaxDistributeDevices {
		t.Fatalf("the ledger gives back %d devices, %d failed", len(loaded), len(failedNames(loaded)))
	}
	last := loaded[len(loaded)-1]
	if last.DeviceName != records[len(records)-1].DeviceName || last.ResourceName() != records[len(records)-1].Resource || last.JobID != jobID {
		t.Fatalf("last device read back as %+v", last)
	}
	if code, msg := mustJSON(t, last.Code), mustJSON(t, last.Message); len(code) > maxCodeBytes || len(msg) > maxMessageBytes || last.Message == "" {
		t.Fatalf("code %d and message %d bytes as JSON: the platform's text is kept within its bounds", len(code), len(msg))
	}
}

func TestSavingTheLedgerAgainRewritesTheSameConfigMaps(t *testing.T) {
	ctx := context.Background()
	kube := kubeWith(t)
	e := &External{ConfigMaps: ConfigMaps{Reader: kube, Writer: kube}}
	j, records := worstCaseJob()
	records = records[:devicesPerConfigMap+1]
	if err := e.saveLedger(ctx, j, records); err != nil {
		t.Fatal(err)
	}
	first := j.Status.DeviceLedger.ConfigMaps
	records[devicesPerConfigMap].Code = "404"
	if err := e.saveLedger(ctx, j, records); err != nil {
		t.Fatal(err)
	}
	var all corev1.ConfigMapList
	if err := kube.List(ctx, &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 2 || fmt.Sprint(j.Status.DeviceLedger.ConfigMaps) != fmt.Sprint(first) {
		t.Fatalf("%d ConfigMaps, names %v then %v: the same two, rewritten", len(all.Items), first, j.Status.DeviceLedger.ConfigMaps)
	}
	loaded, err := (&External{ConfigMaps: e.ConfigMaps}).ledger(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	if loaded[devicesPerConfigMap].Code != "404" {
		t.Fatalf("the rewrite was not stored: %+v", loaded[devicesPerConfigMap])
	}
}

func TestAnEarlierKiotsStatusDevicesMoveToTheLedger(t *testing.T) {
	ctx := context.Background()
	kube := kubeWith(t)
	e := &External{ConfigMaps: ConfigMaps{Reader: kube, Writer: kube}}
	j := &iotv1.DistributeJob{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet", Name: "old", UID: "0123456789"}}
	j.Status.Total = 3
	j.Status.Devices = []iotv1.ResolvedDevice{{DeviceName: "a"}, {DeviceName: "b"}, {DeviceName: "c"}}
	j.Status.Results = []iotv1.DeviceDistributeResult{{DeviceName: "a", Code: "404", JobID: "job-1"}, {DeviceName: "c", Code: "200", JobID: "job-1"}}
	j.Status.FailedDevices = []string{"a", "b"}
	records, err := e.ledger(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	if got := failedNames(records); fmt.Sprint(got) != "[a b]" {
		t.Fatalf("failed devices %v, want a and b", got)
	}
	if err := e.saveLedger(ctx, j, records); err != nil {
		t.Fatal(err)
	}
	summarize(j, records)
	if len(j.Status.Devices) != 0 || j.Status.DeviceLedger == nil || j.Status.DeviceLedger.Devices != 3 {
		t.Fatalf("status.devices %v, deviceLedger %+v", j.Status.Devices, j.Status.DeviceLedger)
	}
}

func TestClipJSONBoundsTheEncodedText(t *testing.T) {
	for _, s := range []string{"", "plain", strings.Repeat("é", 300), strings.Repeat("<\"\\\n\x01\u2028", 100), "\xff\xfe" + strings.Repeat("a", 600)} {
		clipped := clipJSON(s, 64)
		if !strings.HasPrefix(s, clipped) {
			t.Fatalf("%q is not a prefix of %q", clipped, s)
		}
		if n := len(mustJSON(t, clipped)); n > 64 {
			t.Fatalf("clipJSON(%q) encodes to %d bytes", s, n)
		}
	}
	if clipJSON("short", 64) != "short" {
		t.Fatal("a short text is kept whole")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAReconcileThatReadTheLedgerSavesItWithoutReadingAgain(t *testing.T) {
	ctx := context.Background()
	kube := kubeWith(t)
	j, records := worstCaseJob()
	records = records[:devicesPerConfigMap+1]
	if err := (&External{ConfigMaps: ConfigMaps{Reader: kube, Writer: kube}}).saveLedger(ctx, j, records); err != nil {
		t.Fatal(err)
	}
	var gets, updates int
	counting := interceptor.NewClient(kube.(client.WithWatch), interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			gets++
			return c.Get(ctx, key, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			updates++
			return c.Update(ctx, obj, opts...)
		},
	})
	e := &External{ConfigMaps: ConfigMaps{Reader: counting, Writer: counting}}
	loaded, err := e.ledger(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	loaded[devicesPerConfigMap].Code = "404"
	if err := e.saveLedger(ctx, j, loaded); err != nil {
		t.Fatal(err)
	}
	if gets != 2 || updates != 1 {
		t.Errorf("%d reads and %d updates of the two ConfigMaps, want 2 reads (the load) and 1 update (the changed one)", gets, updates)
	}
	again, err := (&External{ConfigMaps: ConfigMaps{Reader: kube}}).ledger(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	if again[devicesPerConfigMap].Code != "404" {
		t.Fatalf("the change was not stored: %+v", again[devicesPerConfigMap])
	}
}
