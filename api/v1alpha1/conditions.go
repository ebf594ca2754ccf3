package v1alpha1

import "slices"

// Condition types shared by every Kiot kind.
const (
	// ConditionReady says the cloud resource exists and matches the spec (for a
	// ProviderConfig: its credentials can be loaded).
	ConditionReady = "Ready"
	// ConditionSynced says the last reconcile reached the API without error.
	ConditionSynced = "Synced"
)

// Condition reasons. They are CamelCase, specific, and part of the API:
// people and Argo CD health checks match on them.
const (
	// ReasonCredentialsAvailable: the ProviderConfig's credentials load.
	ReasonCredentialsAvailable = "CredentialsAvailable"
	// ReasonSecretNotFound: the credentials Secret does not exist.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonSecretKeyMissing: the credentials Secret lacks a required key.
	ReasonSecretKeyMissing = "SecretKeyMissing"
	// ReasonEnvironmentIncomplete: the operator's environment lacks a variable.
	ReasonEnvironmentIncomplete = "EnvironmentIncomplete"
)

// Reasons shared by the managed kinds.
const (
	// ReasonInvalidSpec: the spec cannot work as written; Kiot waits for a change.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonReconcileSuccess: the last reconcile reached the API without error.
	ReasonReconcileSuccess = "ReconcileSuccess"
	// ReasonReconcileError: the last reconcile failed; Kiot retries with backoff.
	ReasonReconcileError = "ReconcileError"
)

// Reasons of the managed-resource lifecycle.
const (
	ReasonAvailable        = "Available"
	ReasonCreating         = "Creating"
	ReasonDeleting         = "Deleting"
	ReasonReconcilePaused  = "ReconcilePaused"
	ReasonThrottled        = "Throttled"
	ReasonDependentsExist  = "DependentsExist"
	ReasonQuotaExceeded    = "QuotaExceeded"
	ReasonConflict         = "Conflict"
	ReasonNotFound         = "ExternalResourceNotFound"
	ReasonProviderNotReady = "ProviderConfigNotReady"
)

// Reasons a resource waits for the Product it references.
const (
	// ReasonProductNotReady: the referenced Product does not exist or is not
	// Ready yet.
	ReasonProductNotReady = "ProductNotReady"
)

// Reasons of a DistributeJob's Ready condition.
const (
	// ReasonDevicesNotReady: a named Device does not exist or is not Ready.
	ReasonDevicesNotReady = "DevicesNotReady"
	// ReasonNoDevicesSelected: the selector selects no Device yet.
	ReasonNoDevicesSelected = "NoDevicesSelected"
	// ReasonCreateUnconfirmed: a create's answer was lost and the platform
	// does not list the job it may have made; Kiot searches again until the
	// call can no longer be in flight, rather than make a second job.
	ReasonCreateUnconfirmed = "CreateUnconfirmed"
	// ReasonInitializing: the platform is preparing the job (status 0).
	ReasonInitializing = "Initializing"
	// ReasonRunning: the job is running (status 1).
	ReasonRunning = "Running"
	// ReasonCheckingTargets: the job completed; Kiot is confirming where the
	// devices went.
	ReasonCheckingTargets = "CheckingTargets"
	// ReasonDistributed: every device (or the product) was distributed.
	ReasonDistributed = "Distributed"
	// ReasonDevicesFailed: some devices were not distributed.
	ReasonDevicesFailed = "DevicesFailed"
	// ReasonJobInterrupted: the platform interrupted the job (status 3).
	ReasonJobInterrupted = "JobInterrupted"
	// ReasonJobLost: the platform has no record of a job that had not finished.
	ReasonJobLost = "JobLost"
	// ReasonTargetMismatch: QueryDeviceProvisioning places devices outside
	// the targets.
	ReasonTargetMismatch = "TargetMismatch"
	// ReasonJobRunning: a delete waits for the job to finish.
	ReasonJobRunning = "JobRunning"
	// ReasonDeviceIsInAnotherTask, ReasonDeviceIsDistributing and
	// ReasonProductIsDistributing: the job waits for another unfinished
	// job that holds a device or the product (the platform's codes
	// iot.provisioning.DeviceIsInAnotherTask, DeviceIsDistributing and
	// ProductIsDistributing).
	ReasonDeviceIsInAnotherTask = "DeviceIsInAnotherTask"
	ReasonDeviceIsDistributing  = "DeviceIsDistributing"
	ReasonProductIsDistributing = "ProductIsDistributing"
)

// Reasons of a DeviceGroup.
const (
	// ReasonParentNotReady: a DeviceGroup waits for its parent group.
	ReasonParentNotReady = "ParentNotReady"
	// ReasonGroupLimitReached: devices a DeviceGroup selects are already in
	// 10 groups, the platform's limit; a person must free a place.
	ReasonGroupLimitReached = "GroupLimitReached"
	// ReasonDevicesPending: a DeviceGroup exists, but some Devices it
	// selects are not Ready yet, so its membership is not yet the spec's.
	ReasonDevicesPending = "DevicesPending"
)

// Reasons of a Device.
const (
	// ReasonRegistering: the Device's registration is under way in a batch
	// of its product (BatchCheckDeviceNames, then
	// BatchRegisterDeviceWithApplyId); the Device is woken when its result
	// is in.
	ReasonRegistering = "Registering"
)

// GitOps health: the condition and reasons Flux (kstatus) and Argo CD read.
const (
	// ConditionStalled is kstatus's abnormal-true condition: present and
	// True only while the resource needs a person (its reason is one of
	// StalledReasons); Kiot removes it once that state clears. kstatus
	// reports such a resource Failed instead of waiting on it forever.
	ConditionStalled = "Stalled"
	// ReasonReconciling: Kiot has seen the resource and not yet finished its
	// first reconcile. The first reconcile writes Ready=False with it before
	// anything else, so no tool takes a brand-new resource for a healthy one.
	ReasonReconciling = "Reconciling"
)

// stalledReasons are the Ready and Synced reasons that need a person: Kiot
// will not get past them by retrying. This is the one list behind the
// Stalled condition, its Warning event, the Argo CD health scripts and the
// condition catalogue (docs/conditions.md); a new refusal is added here with
// one line.
var stalledReasons = []string{
	ReasonInvalidSpec,
	ReasonNotFound,
	ReasonGroupLimitReached,
	ReasonDevicesFailed,
	ReasonJobInterrupted,
	ReasonJobLost,
	ReasonTargetMismatch,
	ReasonProviderConfigNotAllowed,
	ReasonOwnedByAnother,
	ReasonAdoptionRequired,
	ReasonProductNotGranted,
}

// NeedsPerson reports a reason under which Kiot sets Stalled=True.
func NeedsPerson(reason string) bool {
	return slices.Contains(stalledReasons, reason)
}

// StalledReasons lists the reasons under which Kiot sets Stalled=True.
func StalledReasons() []string {
	return slices.Clone(stalledReasons)
}

// Reasons of tenancy: which namespace may use which ProviderConfig, cloud
// resource and product (docs/tenancy.md).
const (
	// ReasonProviderConfigNotAllowed: the ProviderConfig's
	// spec.allowedNamespaces does not select the resource's namespace.
	ReasonProviderConfigNotAllowed = "ProviderConfigNotAllowed"
	// ReasonOwnedByAnother: the cloud resource carries the ownership mark of
	// another Kiot resource (or another cluster); Kiot leaves it alone.
	ReasonOwnedByAnother = "OwnedByAnother"
	// ReasonAdoptionRequired: a cloud resource of the spec's name exists that
	// Kiot did not create; Kiot adopts it only when asked (spec.productKey,
	// spec.groupId or the iot.kiot.dev/adopt annotation).
	ReasonAdoptionRequired = "AdoptionRequired"
	// ReasonProductNotGranted: the product a Device, DistributeJob or
	// DeviceGroup member names is neither a Product of its namespace nor
	// granted to its namespace.
	ReasonProductNotGranted = "ProductNotGranted"
)
