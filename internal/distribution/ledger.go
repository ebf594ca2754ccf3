package distribution

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// The device ledger keeps every device of a job and its latest outcome
// outside the DistributeJob: 10,000 devices with their Device resource
// names and the platform's messages come to megabytes, and etcd stores at
// most 1.5 MiB per object. The DistributeJob keeps counts and a bounded
// sample (status.results, status.failedDevices) and names the ConfigMaps
// in status.deviceLedger.
const (
	// ledgerDataKey is the ConfigMap key of a ledger chunk.
	ledgerDataKey = "devices.json"
	// devicesPerConfigMap fixes each device's ConfigMap when the devices
	// are resolved, so rewriting outcomes never moves a device to another
	// ConfigMap and never leaves one behind. 500 records of at most
	// maxRecordBytes stay well under a ConfigMap's 1 MiB.
	devicesPerConfigMap = 500
	// maxCodeBytes and maxMessageBytes bound, as JSON, the platform's text
	// kept per device: the platform bounds neither.
	maxCodeBytes    = 64
	maxMessageBytes = 512
	// maxRecordBytes bounds one record's JSON: a DeviceName of 32, a
	// resource name of 63, the code and message at their bounds, a job ID
	// of 64 and the keys.
	maxRecordBytes = 32 + 63 + maxCodeBytes + maxMessageBytes + 64 + 100
	// ledgerNamePrefixMax keeps <prefix>-devices-<uid8>-<n> a valid name.
	ledgerNamePrefixMax = 200
)

// ConfigMaps reads and writes the ledger. Reader is uncached (the
// manager's API reader): the job reads back what it wrote last. The
// Device controller reads the ledger from Kiot's cache, which holds only
// ConfigMaps with the ledger's labels (controllers.CacheOptions), to tell
// each Device where its job moved it (LedgerMoves).
type ConfigMaps struct {
	Reader client.Reader
	Writer client.Writer
}

// deviceRecord is one device of the ledger: as resolved, then its latest
// outcome. An empty Code means no job has reported on the device yet.
type deviceRecord struct {
	iotv1.ResolvedDevice
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	JobID   string `json:"jobId,omitempty"`
}

func (r deviceRecord) failed() bool { return r.Code != "" && r.Code != codeDistributed }

func (r deviceRecord) result() iotv1.DeviceDistributeResult {
	return iotv1.DeviceDistributeResult{DeviceName: r.DeviceName, Code: r.Code, Message: r.Message, JobID: r.JobID}
}

// codeDistributed is the platform's code of a distributed device.
const codeDistributed = "200"

func recordsOf(resolved []iotv1.ResolvedDevice) []deviceRecord {
	out := make([]deviceRecord, len(resolved))
	for i, d := range resolved {
		d.MovedBy = "" // status's, never the ledger's: the record's jobId says it
		out[i] = deviceRecord{ResolvedDevice: d}
	}
	return out
}

// ledger returns the job's devices: from the ledger's ConfigMaps, or from
// status.devices as an earlier Kiot recorded them. Loaded once per
// reconcile.
func (e *External) ledger(ctx context.Context, j *iotv1.DistributeJob) ([]deviceRecord, error) {
	if e.records != nil && e.recordsOf == j {
		return e.records, nil
	}
	e.recordsOf = j
	switch {
	case j.Status.DeviceLedger != nil:
		records, err := e.loadLedger(ctx, j)
		if err != nil {
			return nil, err
		}
		e.records = records
	case len(j.Status.Devices) > 0:
		e.records = legacyRecords(j)
	default:
		e.records = []deviceRecord{}
	}
	return e.records, nil
}

// legacyRecords are the devices an earlier Kiot kept in status: every one
// in status.devices, with an outcome from status.results, or, for a failed
// device past that list's bound, as failed without the platform's word.
func legacyRecords(j *iotv1.DistributeJob) []deviceRecord {
	results := make(map[string]iotv1.DeviceDistributeResult, len(j.Status.Results))
	for _, r := range j.Status.Results {
		results[r.DeviceName] = r
	}
	failed := make(map[string]bool, len(j.Status.FailedDevices))
	for _, n := range j.Status.FailedDevices {
		failed[n] = true
	}
	records := recordsOf(j.Status.Devices)
	for i := range records {
		r := &records[i]
		if res, ok := results[r.DeviceName]; ok {
			r.Code, r.Message, r.JobID = res.Code, res.Message, res.JobID
		} else if failed[r.DeviceName] {
			r.Code, r.Message = codeNoResult, "not distributed; the outcome was recorded by an earlier Kiot version"
		}
	}
	return records
}

func (e *External) loadLedger(ctx context.Context, j *iotv1.DistributeJob) ([]deviceRecord, error) {
	if e.ConfigMaps.Reader == nil {
		return nil, fmt.Errorf("distribution: no ConfigMap reader for the device ledger")
	}
	ref := j.Status.DeviceLedger
	records := make([]deviceRecord, 0, ref.Devices)
	for _, name := range ref.ConfigMaps {
		var cm corev1.ConfigMap
		if err := e.ConfigMaps.Reader.Get(ctx, client.ObjectKey{Namespace: j.Namespace, Name: name}, &cm); err != nil {
			return nil, fmt.Errorf("reading the device ledger ConfigMap %s: %w", name, err)
		}
		e.remember(name, cm.ResourceVersion, cm.Data[ledgerDataKey])
		var chunk []deviceRecord
		if err := json.Unmarshal([]byte(cm.Data[ledgerDataKey]), &chunk); err != nil {
			return nil, fmt.Errorf("the device ledger ConfigMap %s is unreadable: %w", name, err)
		}
		records = append(records, chunk...)
	}
	if len(records) != int(ref.Devices) {
		return nil, fmt.Errorf("the device ledger's ConfigMaps hold %d devices, status.deviceLedger says %d", len(records), ref.Devices)
	}
	return records, nil
}

// saveLedger writes records to the job's ledger ConfigMaps and names them
// in status. Names and chunks are fixed by the records' order, so writing
// again after a lost status update rewrites the same ConfigMaps. The
// ledger moves status.devices of an earlier Kiot out of the object.
func (e *External) saveLedger(ctx context.Context, j *iotv1.DistributeJob, records []deviceRecord) error {
	if e.ConfigMaps.Writer == nil || e.ConfigMaps.Reader == nil {
		return fmt.Errorf("distribution: no ConfigMap client for the device ledger")
	}
	chunks, err := ledgerChunks(records)
	if err != nil {
		return err
	}
	names := make([]string, len(chunks))
	for i, data := range chunks {
		names[i] = ledgerName(j, i)
		if err := e.writeChunk(ctx, j, names[i], data); err != nil {
			return fmt.Errorf("writing the device ledger ConfigMap %s: %w", names[i], err)
		}
	}
	j.Status.DeviceLedger = &iotv1.DeviceLedger{ConfigMaps: names, Devices: int32(len(records))}
	e.records, e.recordsOf = records, j
	return nil
}

// ledgerChunks encodes records devicesPerConfigMap at a time.
func ledgerChunks(records []deviceRecord) ([]string, error) {
	var chunks []string
	for start := 0; start < len(records); start += devicesPerConfigMap {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(records[start:min(start+devicesPerConfigMap, len(records))]); err != nil {
			return nil, err
		}
		chunks = append(chunks, buf.String())
	}
	return chunks, nil
}

func (e *External) writeChunk(ctx context.Context, j *iotv1.DistributeJob, name, data string) error {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: j.Namespace,
			Name:      name,
			Labels: map[string]string{
				iotv1.LabelOwnerKind:           "DistributeJob",
				iotv1.LabelOwnerUID:            string(j.UID),
				"app.kubernetes.io/managed-by": "kiot",
			},
			// Garbage collection deletes the ledger with its job.
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: iotv1.GroupVersion.String(), Kind: "DistributeJob", Name: j.Name, UID: j.UID, Controller: ptr.To(true),
			}},
		},
		Data: map[string]string{ledgerDataKey: data},
	}
	existing, known := e.stored[name]
	if !known {
		var read corev1.ConfigMap
		err := e.ConfigMaps.Reader.Get(ctx, client.ObjectKeyFromObject(cm), &read)
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		existing = storedChunk{resourceVersion: read.ResourceVersion, data: read.Data[ledgerDataKey]}
	}
	var err error
	switch {
	case existing.resourceVersion == "":
		err = e.ConfigMaps.Writer.Create(ctx, cm)
	case existing.data == data:
		return nil
	default:
		cm.ResourceVersion = existing.resourceVersion
		err = e.ConfigMaps.Writer.Update(ctx, cm)
	}
	if err == nil {
		e.remember(name, cm.ResourceVersion, data)
	}
	return err
}

// storedChunk is one ledger ConfigMap as last read or written: its
// resourceVersion ("" when it does not exist) and its data.
type storedChunk struct {
	resourceVersion, data string
}

func (e *External) remember(name, resourceVersion, data string) {
	if e.stored == nil {
		e.stored = map[string]storedChunk{}
	}
	e.stored[name] = storedChunk{resourceVersion: resourceVersion, data: data}
}

// ledgerName is the name of the job's n-th ledger ConfigMap: the job's
// name, shortened to fit, and the start of its uid, which tells apart a
// job deleted and created again under the same name (the old ledger is
// still waiting for the garbage collector).
func ledgerName(j *iotv1.DistributeJob, n int) string {
	prefix := j.Name
	if len(prefix) > ledgerNamePrefixMax {
		prefix = strings.TrimRight(prefix[:ledgerNamePrefixMax], ".-")
	}
	uid := string(j.UID)
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return prefix + "-devices-" + uid + "-" + strconv.Itoa(n)
}

// clipJSON shortens s so that its JSON encoding takes at most n bytes,
// counting every byte that may be escaped at its escaped width.
func clipJSON(s string, n int) string {
	width := 2 // the quotes
	for i, r := range s {
		w := len(string(r))
		switch {
		case r == '"' || r == '\\':
			w = 2
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029' || r == '\uFFFD':
			w = 6
		}
		if width+w > n {
			return s[:i]
		}
		width += w
	}
	return s
}
