package distribution

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// LedgerOwner is the DistributeJob whose device ledger cm is: its
// controller owner reference, if cm carries the ledger's labels.
func LedgerOwner(cm *corev1.ConfigMap) (*metav1.OwnerReference, bool) {
	if cm.Labels[iotv1.LabelOwnerKind] != "DistributeJob" || cm.Labels[iotv1.LabelOwnerUID] == "" {
		return nil, false
	}
	ref := metav1.GetControllerOf(cm)
	if ref == nil || ref.Kind != "DistributeJob" || ref.APIVersion != iotv1.GroupVersion.String() {
		return nil, false
	}
	return ref, true
}

// LedgerMoves maps each Device resource a ledger ConfigMap records as
// distributed (a managed device with the platform's success code) to the
// JobId of the job that distributed it. Whether that job has finished is
// the DistributeJob's status.jobs (iotv1.DistributeJob.CompletedRun). A
// ConfigMap that is not a readable ledger moves nothing.
func LedgerMoves(cm *corev1.ConfigMap) map[string]string {
	if _, ok := LedgerOwner(cm); !ok {
		return nil
	}
	if compact, ok := cm.Data[movesDataKey]; ok {
		var moves map[string]string
		if err := json.Unmarshal([]byte(compact), &moves); err != nil {
			return nil
		}
		return moves
	}
	var records []deviceRecord
	if err := json.Unmarshal([]byte(cm.Data[ledgerDataKey]), &records); err != nil {
		return nil
	}
	moves := map[string]string{}
	for _, r := range records {
		if name := r.ResourceName(); name != "" && r.Code == codeDistributed && r.JobID != "" {
			moves[name] = r.JobID
		}
	}
	return moves
}

// movesDataKey holds, in Kiot's informer cache only, a ledger ConfigMap's
// moves as CompactLedger decoded them.
const movesDataKey = "moves.json"

// CompactLedger reduces a ledger ConfigMap to its moves, for the informer
// cache (a cache transform): every Device reconcile looks its moves up, and
// would otherwise decode all 500 records (~90 KB) each time; the cache holds
// a fraction of the size. The ledger itself is read and written uncached.
func CompactLedger(cm *corev1.ConfigMap) {
	moves := LedgerMoves(cm)
	if moves == nil {
		moves = map[string]string{}
	}
	compact, _ := json.Marshal(moves) // a map of strings always encodes
	cm.Data = map[string]string{movesDataKey: string(compact)}
}
