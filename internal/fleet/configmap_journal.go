package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kiot-dev/kiot/internal/iot"
)

// The ConfigMap journal's labels and data key.
const (
	journalLabel   = "iot.kiot.dev/registration-journal"
	journalDataKey = "batch.json"
)

// ConfigMapJournal keeps each journaled batch in a ConfigMap of the
// operator's namespace, named after its ApplyId. A ConfigMap is what
// survives the process (etcd) with nothing to install: an entry holds only
// the product's key and the batch's names and nicknames, never a secret,
// and 10,000 names fit well inside a ConfigMap's 1 MiB.
type ConfigMapJournal struct {
	// Client writes the ConfigMaps; Reader lists them at start-up, before
	// the manager's cache runs (an uncached reader).
	Client    client.Client
	Reader    client.Reader
	Namespace string
}

var _ Journal = (*ConfigMapJournal)(nil)

// journalRecord is the stored form of a JournalEntry.
type journalRecord struct {
	ApplyID    int64           `json:"applyId"`
	Account    string          `json:"account"`
	InstanceID string          `json:"instanceId,omitempty"`
	ProductKey string          `json:"productKey"`
	Devices    []journalDevice `json:"devices"`
}

type journalDevice struct {
	Name     string `json:"name"`
	Nickname string `json:"nickname,omitempty"`
}

func (j *ConfigMapJournal) name(applyID int64) string {
	return "kiot-registration-" + strconv.FormatInt(applyID, 10)
}

// Record creates the ConfigMap of e; recording the same ApplyId again
// replaces it.
func (j *ConfigMapJournal) Record(ctx context.Context, e JournalEntry) error {
	rec := journalRecord{ApplyID: e.ApplyID, Account: e.Key.Account, InstanceID: e.Key.InstanceID, ProductKey: e.Key.ProductKey}
	for _, d := range e.Devices {
		rec.Devices = append(rec.Devices, journalDevice{Name: d.DeviceName, Nickname: d.Nickname})
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: j.Namespace,
			Name:      j.name(e.ApplyID),
			Labels:    map[string]string{journalLabel: "true", "app.kubernetes.io/managed-by": "kiot"},
		},
		Data: map[string]string{journalDataKey: string(data)},
	}
	err = j.Client.Create(ctx, cm)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	// A retried Record whose first answer was lost: replace it.
	var existing corev1.ConfigMap
	if err := j.Reader.Get(ctx, client.ObjectKeyFromObject(cm), &existing); err != nil {
		return err
	}
	cm.ResourceVersion = existing.ResourceVersion
	return j.Client.Update(ctx, cm)
}

// Resolve deletes the ConfigMap of applyID.
func (j *ConfigMapJournal) Resolve(ctx context.Context, applyID int64) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: j.Namespace, Name: j.name(applyID)}}
	return client.IgnoreNotFound(j.Client.Delete(ctx, cm))
}

// List reads every journaled batch, oldest ApplyId first.
func (j *ConfigMapJournal) List(ctx context.Context) ([]JournalEntry, error) {
	var list corev1.ConfigMapList
	if err := j.Reader.List(ctx, &list, client.InNamespace(j.Namespace), client.MatchingLabels{journalLabel: "true"}); err != nil {
		return nil, fmt.Errorf("reading the registration journal in namespace %q: %w", j.Namespace, err)
	}
	out := make([]JournalEntry, 0, len(list.Items))
	for _, cm := range list.Items {
		var rec journalRecord
		if err := json.Unmarshal([]byte(cm.Data[journalDataKey]), &rec); err != nil {
			return nil, fmt.Errorf("registration journal ConfigMap %s/%s is unreadable: %w", cm.Namespace, cm.Name, err)
		}
		e := JournalEntry{ApplyID: rec.ApplyID, Key: Key{Account: rec.Account, InstanceID: rec.InstanceID, ProductKey: rec.ProductKey}}
		for _, d := range rec.Devices {
			e.Devices = append(e.Devices, iot.NamedDevice{DeviceName: d.Name, Nickname: d.Nickname})
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b JournalEntry) int { return int(a.ApplyID - b.ApplyID) })
	return out, nil
}
