package distribution

import (
	"context"
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// The ledger as saveLedger writes it tells which Device resources were
// distributed and by which run: managed devices with the platform's
// success, under their resource name, and nothing else.
func TestLedgerMovesAreTheManagedDevicesDistributedWithTheirJobID(t *testing.T) {
	ctx := context.Background()
	kube := kubeWith(t)
	e := &External{ConfigMaps: ConfigMaps{Reader: kube, Writer: kube}}
	j := &iotv1.DistributeJob{ObjectMeta: metav1.ObjectMeta{Namespace: "fleet", Name: "to-singapore", UID: types.UID("0f1e2d3c-aaaa-bbbb-cccc-000000000001")}}
	records := []deviceRecord{
		{ResolvedDevice: iotv1.ResolvedDevice{DeviceName: "light-1", Managed: true}, Code: codeDistributed, JobID: "job-1"},
		{ResolvedDevice: iotv1.ResolvedDevice{DeviceName: "LIGHT_2", Resource: "light-2", Managed: true}, Code: codeDistributed, JobID: "job-2"},
		{ResolvedDevice: iotv1.ResolvedDevice{DeviceName: "light-3", Managed: true}, Code: "404", JobID: "job-1"},
		{ResolvedDevice: iotv1.ResolvedDevice{DeviceName: "light-4", Managed: true}}, // no outcome yet
		{ResolvedDevice: iotv1.ResolvedDevice{DeviceName: "outside-1"}, Code: codeDistributed, JobID: "job-1"},
	}
	if err := e.saveLedger(ctx, j, records); err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := kube.Get(ctx, client.ObjectKey{Namespace: "fleet", Name: j.Status.DeviceLedger.ConfigMaps[0]}, &cm); err != nil {
		t.Fatal(err)
	}
	ref, ok := LedgerOwner(&cm)
	if !ok || ref.Name != j.Name || ref.UID != j.UID {
		t.Fatalf("LedgerOwner = %+v, %v", ref, ok)
	}
	want := map[string]string{"light-1": "job-1", "light-2": "job-2"}
	if got := LedgerMoves(&cm); !maps.Equal(got, want) {
		t.Fatalf("LedgerMoves = %v, want %v", got, want)
	}

	// As the informer cache holds it: the moves alone, the same answer.
	compact := cm.DeepCopy()
	CompactLedger(compact)
	if got := LedgerMoves(compact); !maps.Equal(got, want) {
		t.Fatalf("LedgerMoves of the compacted ConfigMap = %v, want %v", got, want)
	}
	if _, kept := compact.Data[ledgerDataKey]; kept || len(compact.Data[movesDataKey]) >= len(cm.Data[ledgerDataKey]) {
		t.Errorf("the compacted ConfigMap keeps %d bytes of moves and the records: %v", len(compact.Data[movesDataKey]), kept)
	}

	unlabelled := cm.DeepCopy()
	unlabelled.Labels = nil
	if got := LedgerMoves(unlabelled); len(got) != 0 {
		t.Errorf("a ConfigMap without the ledger's labels moves %v", got)
	}
	unreadable := cm.DeepCopy()
	unreadable.Data[ledgerDataKey] = "{"
	if got := LedgerMoves(unreadable); len(got) != 0 {
		t.Errorf("an unreadable ledger moves %v", got)
	}
}
