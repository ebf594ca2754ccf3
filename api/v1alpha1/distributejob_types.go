package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DistributeStrategy is how the platform picks a device's target instance
// (CreateDeviceDistributeJob Strategy, 003:L70–75).
// +kubebuilder:validation:Enum=Region;Nearest
type DistributeStrategy string

const (
	// DistributeStrategyRegion sends every device to the one target named.
	DistributeStrategyRegion DistributeStrategy = "Region"
	// DistributeStrategyNearest sends each device to the target nearest its
	// IP address.
	DistributeStrategyNearest DistributeStrategy = "Nearest"
)

// Job status values: 001:L40–47.

// DistributeJobPhase follows the platform's job status.
// +kubebuilder:validation:Enum=Pending;Initializing;Running;Completed;Interrupted;Failed
type DistributeJobPhase string

const (
	// PhasePending: no cloud job yet (waiting for the product, the devices,
	// a free job slot or a busy device).
	PhasePending DistributeJobPhase = "Pending"
	// PhaseInitializing: status 0.
	PhaseInitializing DistributeJobPhase = "Initializing"
	// PhaseRunning: status 1.
	PhaseRunning DistributeJobPhase = "Running"
	// PhaseCompleted: status 2. Not every device need have made it: see
	// succeeded, failed and results.
	PhaseCompleted DistributeJobPhase = "Completed"
	// PhaseInterrupted: status 3, the job stopped unexpectedly.
	PhaseInterrupted DistributeJobPhase = "Interrupted"
	// PhaseFailed: the platform refused the job, or lost it.
	PhaseFailed DistributeJobPhase = "Failed"
)

// Finished reports a phase that will not change without a new job.
func (p DistributeJobPhase) Finished() bool {
	return p == PhaseCompleted || p == PhaseInterrupted || p == PhaseFailed
}

// AnnotationRetryFailed, set to a new value, starts a follow-up job for the
// devices that were not distributed. Each value is acted on once.
const AnnotationRetryFailed = "iot.kiot.dev/retry-failed"

// MaxDistributeDevices is the most devices one job takes (003:L43).
const MaxDistributeDevices = 10000

// MaxListedNameChars bounds the characters of spec.devices and
// spec.deviceNames together: 10,000 names of 32 characters, the platform's
// longest DeviceName. Kube-apiserver stores each value of these set lists a
// second time in metadata.managedFields, so the bound keeps a DistributeJob
// well inside etcd's 1.5 MiB per object; a larger set of Devices is chosen
// with spec.deviceSelector, which costs nothing in the object.
const MaxListedNameChars = MaxDistributeDevices * 32

// LabelOwnerUID labels the ConfigMaps of a DistributeJob's device ledger
// with the job's metadata.uid (a name may be longer than a label value).
const LabelOwnerUID = "iot.kiot.dev/owner-uid"

// DistributeTarget is an instance devices go to.
//
// +kubebuilder:validation:XValidation:rule="has(self.instanceId) || has(self.region)",message="name the target's instanceId, its region (for the region's public instance), or both"
type DistributeTarget struct {
	// InstanceID of the target instance: an Enterprise Edition instance, or
	// a public one (iotx-oxssharez200 … 700). Defaults to the public
	// instance of region.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9-]+$`
	// +optional
	InstanceID string `json:"instanceId,omitempty"`
	// Region of the target instance, such as ap-southeast-1.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z0-9-]+$`
	// +optional
	Region string `json:"region,omitempty"`
}

// DistributeJobSpec is a distribution of a product's devices, or of the
// product alone, to other instances of the same account. It is carried out
// once: the whole spec is immutable.
//
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: a DistributeJob runs once; create a new DistributeJob to distribute again"
// +kubebuilder:validation:XValidation:rule="has(self.productRef) != has(self.productKey)",message="exactly one of productRef and productKey must be set"
// +kubebuilder:validation:XValidation:rule="has(self.targetUid) != has(self.targetAliyunId)",message="exactly one of targetUid and targetAliyunId must be set"
// +kubebuilder:validation:XValidation:rule="self.strategy != 'Region' || size(self.targets) == 1",message="strategy Region distributes to exactly one target; use Nearest for several"
// +kubebuilder:validation:XValidation:rule="has(self.devices) || has(self.deviceNames) || has(self.deviceSelector) || size(self.targets) == 1",message="a distribution of the product alone (no devices, deviceNames or deviceSelector) goes to exactly one target"
// +kubebuilder:validation:XValidation:rule="(has(self.devices) ? size(self.devices) : 0) + (has(self.deviceNames) ? size(self.deviceNames) : 0) <= 10000",message="a job distributes at most 10000 devices: devices and deviceNames together"
// +kubebuilder:validation:XValidation:rule="(has(self.devices) ? self.devices.map(d, size(d)).sum() : 0) + (has(self.deviceNames) ? self.deviceNames.map(d, size(d)).sum() : 0) <= 320000",message="devices and deviceNames together hold at most 320000 characters (10000 names of 32): select more, or longer-named, Devices with deviceSelector"
// +kubebuilder:validation:XValidation:rule="!has(self.managementPolicy) || self.managementPolicy == 'Manage'",message="managementPolicy must be Manage: a DistributeJob exists to start a job"
type DistributeJobSpec struct {
	ManagedSpec `json:",inline"`

	// ProductRef names the Product resource (in this namespace) whose
	// devices are distributed. Exactly one of productRef and productKey.
	// +optional
	ProductRef *LocalReference `json:"productRef,omitempty"`
	// ProductKey names a product Kiot does not manage.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+$`
	// +optional
	ProductKey string `json:"productKey,omitempty"`
	// Devices names Device resources of this namespace to distribute, as a
	// DeviceGroup's devices do. With deviceNames and deviceSelector, the
	// union of all three. With none, the product alone is distributed.
	// A Device's name is at most 63 characters; with deviceNames, at most
	// 320,000 characters in all (10,000 names of 32).
	// +listType=set
	// +kubebuilder:validation:MaxItems=10000
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +optional
	Devices []string `json:"devices,omitempty"`
	// DeviceNames are the platform DeviceNames of devices in the job's
	// product that Kiot does not manage (no Device resource).
	// +listType=set
	// +kubebuilder:validation:MaxItems=10000
	// +kubebuilder:validation:items:MinLength=4
	// +kubebuilder:validation:items:MaxLength=32
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9_@.:-]+$`
	// +optional
	DeviceNames []string `json:"deviceNames,omitempty"`
	// DeviceSelector selects Device resources of this namespace by label.
	// The selection is made once, when the job is prepared, and recorded in
	// status.devices: later label changes do not alter a job.
	// +optional
	DeviceSelector *metav1.LabelSelector `json:"deviceSelector,omitempty"`
	// SourceInstanceID is the instance the devices live in. Defaults to the
	// ProviderConfig's instance, or the public instance of its region.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9-]+$`
	// +optional
	SourceInstanceID string `json:"sourceInstanceId,omitempty"`
	// Strategy: Region sends every device to the one target; Nearest sends
	// each to the target nearest its IP address.
	// +kubebuilder:default=Region
	// +optional
	Strategy DistributeStrategy `json:"strategy,omitempty"`
	// Targets are the instances to distribute to: one for Region, one per
	// region for Nearest.
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=10
	Targets []DistributeTarget `json:"targets"`
	// TargetUID is the target account's ID. The platform does not distribute
	// across accounts: it is the ProviderConfig's own. Exactly one of
	// targetUid and targetAliyunId.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9]+$`
	// +optional
	TargetUID string `json:"targetUid,omitempty"`
	// TargetAliyunID is the target account's name, such as
	// someone@example.com.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +optional
	TargetAliyunID string `json:"targetAliyunId,omitempty"`
	// DeleteFinishedJobs deletes the platform's record of each finished job
	// once its results are in status, so old records do not fill the
	// account's 10 jobs.
	// +optional
	DeleteFinishedJobs bool `json:"deleteFinishedJobs,omitempty"`
}

// ResolvedDevice is a device of the job, as resolved when it was prepared.
type ResolvedDevice struct {
	// DeviceName on the platform.
	DeviceName string `json:"deviceName"`
	// Resource is the Device resource's name, when it differs from
	// deviceName; empty for a device Kiot does not manage or one whose
	// resource is named like the device (see managed).
	// +optional
	Resource string `json:"resource,omitempty"`
	// Managed is true for a Device resource of this namespace.
	// +optional
	Managed bool `json:"managed,omitempty"`
	// MovedBy is the JobId of the job that distributed the device; empty
	// while it is not distributed. The Device learns its location from it.
	// +optional
	MovedBy string `json:"movedBy,omitempty"`
}

// ResourceName is the Device resource's name, or "" for an unmanaged device.
func (d ResolvedDevice) ResourceName() string {
	switch {
	case !d.Managed:
		return ""
	case d.Resource != "":
		return d.Resource
	default:
		return d.DeviceName
	}
}

// DeviceDistributeResult is one device's outcome, from a job's result file.
type DeviceDistributeResult struct {
	DeviceName string `json:"deviceName"`
	// Code is the platform's: 200 means distributed.
	Code string `json:"code"`
	// Message is the platform's explanation.
	// +optional
	Message string `json:"message,omitempty"`
	// JobID is the job this outcome came from.
	JobID string `json:"jobId"`
}

// DeviceLedger is where a DistributeJob's per-device record lives: in
// ConfigMaps of the job's namespace that the job owns (deleted with it),
// labelled iot.kiot.dev/owner-uid=<the job's uid>. Each holds, under the
// key devices.json, a JSON list of up to 500 devices in DeviceName order:
// deviceName, resource and managed as resolved, then code, message and
// jobId of the device's latest outcome once it has one. 10,000 devices
// would not fit in the DistributeJob itself (etcd stores at most 1.5 MiB
// per object).
type DeviceLedger struct {
	// ConfigMaps are the ledger's ConfigMaps, in order.
	// +listType=atomic
	ConfigMaps []string `json:"configMaps"`
	// Devices counts the devices in the ledger.
	Devices int32 `json:"devices"`
}

// DistributeJobRun is one cloud job Kiot started for the resource: the
// first, then one per retry of the failed devices.
type DistributeJobRun struct {
	JobID string `json:"jobId"`
	// RetryToken is the iot.kiot.dev/retry-failed value that started this
	// run; empty for the first.
	// +optional
	RetryToken string             `json:"retryToken,omitempty"`
	Phase      DistributeJobPhase `json:"phase"`
	// Total devices in the job.
	Total int32 `json:"total"`
	// +optional
	Succeeded int32 `json:"succeeded,omitempty"`
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// CreatedAt is when Kiot created the job.
	CreatedAt metav1.Time `json:"createdAt"`
	// FinishedAt is when Kiot recorded the job's results.
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// Checked counts the distributed Device resources whose location was
	// read with QueryDeviceProvisioning so far.
	// +optional
	Checked int32 `json:"checked,omitempty"`
	// Confirmed is true once the devices' targets were checked with
	// QueryDeviceProvisioning.
	// +optional
	Confirmed bool `json:"confirmed,omitempty"`
	// RecordDeleted is true once the platform's record of the job was
	// deleted (deleteFinishedJobs).
	// +optional
	RecordDeleted bool `json:"recordDeleted,omitempty"`
}

// PendingJobCreate describes a create call whose answer is not recorded.
type PendingJobCreate struct {
	// StartedAt is when the call was made.
	StartedAt metav1.Time `json:"startedAt"`
	// RetryToken is the retry the job is for; empty for the first job.
	// +optional
	RetryToken string `json:"retryToken,omitempty"`
	// Total is the number of devices the job names.
	Total int32 `json:"total"`
}

// DistributeJobStatus is what Kiot observed of the distribution.
type DistributeJobStatus struct {
	ManagedStatus `json:",inline"`

	// JobID is the platform's identifier of the first job.
	// +optional
	JobID string `json:"jobId,omitempty"`
	// Phase is the phase of the latest job.
	// +optional
	Phase DistributeJobPhase `json:"phase,omitempty"`
	// ProductKey of the product distributed.
	// +optional
	ProductKey string `json:"productKey,omitempty"`
	// SourceInstanceID the devices were distributed from.
	// +optional
	SourceInstanceID string `json:"sourceInstanceId,omitempty"`
	// Total is the number of devices to distribute.
	// +optional
	Total int32 `json:"total"`
	// Succeeded counts the devices distributed, by any of the jobs.
	// +optional
	Succeeded int32 `json:"succeeded"`
	// Failed counts the devices not distributed by their latest job.
	// +optional
	Failed int32 `json:"failed"`
	// Devices are the job's Device resources (managed devices), the first
	// 1,000 by DeviceName, once a job has reported on them, each with the
	// job that distributed it. The device ledger (deviceLedger) holds every
	// device of the job, and each Device learns its location from it.
	// (Earlier Kiot versions listed every device here, unbounded.)
	// +listType=atomic
	// +optional
	Devices []ResolvedDevice `json:"devices,omitempty"`
	// Results hold each device's latest outcome, failures first, at most
	// 100; resultsOmitted counts the rest. The device ledger (deviceLedger)
	// holds every device's.
	// +listType=atomic
	// +optional
	Results []DeviceDistributeResult `json:"results,omitempty"`
	// ResultsOmitted counts outcomes left out of results.
	// +optional
	ResultsOmitted int32 `json:"resultsOmitted,omitempty"`
	// FailedDevices names the first 100 devices (by DeviceName) not
	// distributed by their latest job; failed counts them all, and the
	// device ledger (deviceLedger) names every one: the devices a retry
	// distributes.
	// +listType=atomic
	// +optional
	FailedDevices []string `json:"failedDevices,omitempty"`
	// DeviceLedger names the ConfigMaps that hold every device of the job
	// and its latest outcome, resolved once from spec.devices,
	// spec.deviceNames and spec.deviceSelector.
	// +optional
	DeviceLedger *DeviceLedger `json:"deviceLedger,omitempty"`
	// Jobs are the cloud jobs Kiot started, the first and then each retry.
	// +listType=atomic
	// +optional
	Jobs []DistributeJobRun `json:"jobs,omitempty"`
	// RetryToken is the last iot.kiot.dev/retry-failed value acted on.
	// +optional
	RetryToken string `json:"retryToken,omitempty"`
	// Mismatches name devices QueryDeviceProvisioning places outside the
	// targets (at most 20).
	// +listType=atomic
	// +optional
	Mismatches []string `json:"mismatches,omitempty"`
	// PendingCreate is set while a create call's answer is not recorded.
	// After a crash Kiot looks for the job it may have made (with
	// ListDeviceDistributeJob) instead of making a second.
	// +optional
	PendingCreate *PendingJobCreate `json:"pendingCreate,omitempty"`
}

// DistributeJob distributes a product's devices, or the product alone, to
// other IoT Platform instances and regions, follows the platform's job to
// the end and reports each device's outcome.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=iotjob,categories=kiot
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="JobId",type=string,JSONPath=`.status.jobId`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Succeeded",type=integer,JSONPath=`.status.succeeded`
// +kubebuilder:printcolumn:name="Failed",type=integer,JSONPath=`.status.failed`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type DistributeJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DistributeJobSpec `json:"spec"`

	// Status is what Kiot observed of the distribution. Until Kiot first
	// writes it, the API server shows observedGeneration 0, so tools that
	// compare it with metadata.generation (kstatus, Flux) never read a new
	// object as done.
	// +kubebuilder:default={observedGeneration: 0}
	Status DistributeJobStatus `json:"status,omitempty"`
}

// DistributeJobList is a list of DistributeJobs.
// +kubebuilder:object:root=true
type DistributeJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DistributeJob `json:"items"`
}

func init() {
	SchemeBuilder.Register(&DistributeJob{}, &DistributeJobList{})
}

// Managed returns the controls shared by every cloud-backed kind.
func (j *DistributeJob) Managed() *ManagedSpec { return &j.Spec.ManagedSpec }

// ManagedStatus returns the status shared by every cloud-backed kind.
func (j *DistributeJob) ManagedStatus() *ManagedStatus { return &j.Status.ManagedStatus }

// ProductOnly reports a distribution of the product alone.
func (j *DistributeJob) ProductOnly() bool {
	return len(j.Spec.Devices) == 0 && len(j.Spec.DeviceNames) == 0 && j.Spec.DeviceSelector == nil
}

// LatestRun is the most recent cloud job, or nil before the first.
func (j *DistributeJob) LatestRun() *DistributeJobRun {
	if len(j.Status.Jobs) == 0 {
		return nil
	}
	return &j.Status.Jobs[len(j.Status.Jobs)-1]
}
