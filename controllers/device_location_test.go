package controllers

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// ledgerConfigMap is a ledger ConfigMap as the DistributeJob controller
// writes it (internal/distribution, ledger.go), holding devicesJSON.
func ledgerConfigMap(devicesJSON string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "fleet", Name: "to-singapore-devices-0f1e2d3c-0",
			Labels: map[string]string{iotv1.LabelOwnerKind: "DistributeJob", iotv1.LabelOwnerUID: "0f1e2d3c-1"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: iotv1.GroupVersion.String(), Kind: "DistributeJob",
				Name: "to-singapore", UID: "0f1e2d3c-1", Controller: ptr.To(true)}}},
		Data: map[string]string{"devices.json": devicesJSON},
	}
}

// The index finds a ledger ConfigMap by the Device resources it records as
// distributed: managed, with the platform's success, by resource name.
func TestLedgerIndexNamesTheDeviceResourcesDistributed(t *testing.T) {
	cm := ledgerConfigMap(`[
		{"deviceName":"light-1","managed":true,"code":"200","jobId":"job-1"},
		{"deviceName":"LIGHT_2","resource":"light-2","managed":true,"code":"200","message":"success","jobId":"job-2"},
		{"deviceName":"light-3","managed":true,"code":"404","message":"not found","jobId":"job-1"},
		{"deviceName":"light-4","managed":true},
		{"deviceName":"outside-1","code":"200","jobId":"job-1"}
	]`)
	got := ledgerMovedDevices(cm)
	slices.Sort(got)
	if !slices.Equal(got, []string{"light-1", "light-2"}) {
		t.Errorf("indexed under %v, want light-1 and light-2", got)
	}

	other := cm.DeepCopy()
	other.Labels = map[string]string{"app": "mine"}
	other.OwnerReferences = nil
	if got := ledgerMovedDevices(other); len(got) != 0 {
		t.Errorf("a ConfigMap that is no ledger is indexed under %v", got)
	}
}

// A ledger update wakes only the Devices whose move it changes.
func TestLedgerUpdateWakesTheDevicesNewlyMoved(t *testing.T) {
	before := ledgerConfigMap(`[
		{"deviceName":"light-1","managed":true,"code":"200","jobId":"job-1"},
		{"deviceName":"light-2","managed":true,"code":"404","jobId":"job-1"},
		{"deviceName":"light-3","managed":true,"code":"200","jobId":"job-1"}
	]`)
	after := ledgerConfigMap(`[
		{"deviceName":"light-1","managed":true,"code":"200","jobId":"job-1"},
		{"deviceName":"light-2","managed":true,"code":"200","jobId":"job-2"},
		{"deviceName":"light-3","managed":true,"code":"200","jobId":"job-2"}
	]`)
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	enqueueLedgerMoves(q, after, before)
	if woken := drain(q); !slices.Equal(woken, []string{"light-2", "light-3"}) {
		t.Errorf("woke %v, want light-2 (newly distributed) and light-3 (by another run)", woken)
	}
}

// The ledger may be in the cache before the run that wrote it completes:
// the run's completion then wakes the Devices the ledger says it moved.
func TestARunCompletingWakesTheDevicesItsLedgerMoved(t *testing.T) {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := iotv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	cm := ledgerConfigMap(`[
		{"deviceName":"light-1","managed":true,"code":"200","jobId":"job-1"},
		{"deviceName":"light-2","managed":true,"code":"200","jobId":"job-2"},
		{"deviceName":"light-3","managed":true,"code":"404","jobId":"job-2"}
	]`)
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(cm).Build()
	now := metav1.Now()
	before := &iotv1.DistributeJob{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet", Name: "to-singapore", UID: "0f1e2d3c-1"}}
	before.Status.Jobs = []iotv1.DistributeJobRun{
		{JobID: "job-1", Phase: iotv1.PhaseCompleted, FinishedAt: &now},
		{JobID: "job-2", Phase: iotv1.PhaseRunning},
	}
	after := before.DeepCopy()
	after.Status.Jobs[1].Phase, after.Status.Jobs[1].FinishedAt = iotv1.PhaseCompleted, &now

	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	enqueueLedgerRuns(context.Background(), kube, q, after, before)
	if woken := drain(q); !slices.Equal(woken, []string{"light-2"}) {
		t.Errorf("woke %v, want light-2: moved by the run that completed", woken)
	}
	enqueueLedgerRuns(context.Background(), kube, q, after, after)
	if woken := drain(q); len(woken) != 0 {
		t.Errorf("a write that completes no run woke %v", woken)
	}
}

func drain(q workqueue.TypedRateLimitingInterface[reconcile.Request]) []string {
	var woken []string
	for q.Len() > 0 {
		r, _ := q.Get()
		woken = append(woken, r.Name)
		q.Done(r)
	}
	slices.Sort(woken)
	return woken
}
