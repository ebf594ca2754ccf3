package v1alpha1

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
	ReasonWaiting          = "WaitingForDependency"
)

// Reasons of the kinds' dependencies and limits.
const (
	// ReasonProductNotReady: a Device or DistributeJob waits for the Product
	// resource it references.
	ReasonProductNotReady = "ProductNotReady"
	// ReasonParentNotReady: a DeviceGroup waits for its parent group.
	ReasonParentNotReady = "ParentNotReady"
	// ReasonGroupLimitReached: devices a DeviceGroup selects are already in
	// 10 groups, the platform's limit; a person must free a place.
	ReasonGroupLimitReached = "GroupLimitReached"
	// ReasonDevicesPending: a DeviceGroup exists, but some Devices it
	// selects are not Ready yet, so its membership is not yet the spec's.
	ReasonDevicesPending = "DevicesPending"
)
