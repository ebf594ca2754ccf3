package controllers

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
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
	var woken []string
	for q.Len() > 0 {
		r, _ := q.Get()
		woken = append(woken, r.Name)
		q.Done(r)
	}
	slices.Sort(woken)
	if !slices.Equal(woken, []string{"light-2", "light-3"}) {
		t.Errorf("woke %v, want light-2 (newly distributed) and light-3 (by another run)", woken)
	}
}
