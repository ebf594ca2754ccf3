package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeletionPolicy says what deleting a resource does to its cloud twin.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the cloud resource with the Kubernetes one.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the cloud resource, and keeps its Secret
	// (without an owner), since a device that keeps running still needs its
	// credentials.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// ManagementPolicy says whether Kiot may write to the cloud.
// +kubebuilder:validation:Enum=Manage;ObserveOnly
type ManagementPolicy string

const (
	// ManagementPolicyManage creates, updates and deletes the cloud resource.
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserveOnly never writes to the cloud: it adopts an
	// existing resource read-only and reports it (status, Secret).
	ManagementPolicyObserveOnly ManagementPolicy = "ObserveOnly"
)

// ProviderConfigReference names a cluster-scoped ProviderConfig.
type ProviderConfigReference struct {
	// Name of the ProviderConfig.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ManagedSpec holds the controls every cloud-backed kind shares. It is
// embedded inline, so the fields sit directly under spec.
type ManagedSpec struct {
	// ProviderConfigRef names the ProviderConfig used to reach the cloud.
	// +kubebuilder:default={name: default}
	// +optional
	ProviderConfigRef *ProviderConfigReference `json:"providerConfigRef,omitempty"`
	// DeletionPolicy: Delete removes the cloud resource with this one;
	// Orphan leaves it (and keeps its Secret).
	// +kubebuilder:default=Delete
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
	// ManagementPolicy: Manage creates, updates and deletes; ObserveOnly
	// only reads an existing resource and reports it.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`
}

// DefaultProviderConfigName is the ProviderConfig used when none is named.
const DefaultProviderConfigName = "default"

// ProviderConfigName is the ProviderConfig to use: the one named, or
// "default" (the API server applies the same default on admission).
func (s *ManagedSpec) ProviderConfigName() string {
	if s.ProviderConfigRef == nil || s.ProviderConfigRef.Name == "" {
		return DefaultProviderConfigName
	}
	return s.ProviderConfigRef.Name
}

// ManagedStatus holds what every cloud-backed kind reports.
type ManagedStatus struct {
	// Conditions: Ready (the cloud resource exists and matches the spec),
	// Synced (the last reconcile reached the API without error) and, only
	// while a person must act, Stalled.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// ObservedGeneration is the generation of the last reconcile that reached
	// a verdict: it succeeded, or found a spec that cannot work as written
	// (Stalled).
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// LastHandledReconcileAt is the last value of the
	// iot.kiot.dev/reconcile-requested-at annotation that was acted on.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`
}

// Annotations every cloud-backed kind honours.
const (
	// AnnotationPaused set to "true" stops reconciling the resource.
	AnnotationPaused = "iot.kiot.dev/paused"
	// AnnotationReconcileRequestedAt, set to a new token, forces a reconcile
	// now; the token handled is recorded in status.lastHandledReconcileAt.
	AnnotationReconcileRequestedAt = "iot.kiot.dev/reconcile-requested-at"
	// AnnotationPollInterval overrides the resync period for one resource
	// (a Go duration such as 30s or 5m). Periods under 30s are clamped to
	// 30s (a PollIntervalClamped Warning event says so): each observation
	// costs platform calls from quotas every tenant of the AccessKey shares.
	AnnotationPollInterval = "iot.kiot.dev/poll-interval"
)

// Tenancy (docs/tenancy.md).
const (
	// AnnotationAdopt set to "true" on a Product or DeviceGroup lets Kiot
	// adopt an unmarked cloud resource of the spec's name (one Kiot did not
	// create); without it, or spec.productKey / spec.groupId, a name
	// collision is refused. Kiot never adopts one marked by another owner.
	AnnotationAdopt = "iot.kiot.dev/adopt"
	// AnnotationGrantedProductKeys on a Namespace, a comma-separated list of
	// ProductKeys, lets that namespace's Devices, DistributeJobs and
	// DeviceGroups use those products besides its own Products' (set by
	// whoever may edit Namespaces: the cluster's administrators).
	AnnotationGrantedProductKeys = "iot.kiot.dev/granted-product-keys"
	// OwnerTagKey is the product and group tag by which Kiot marks what it
	// owns: <cluster id>_<namespace>_<name> of the owning resource.
	OwnerTagKey = "kiot.owner"
)

// Labels on the Secrets Kiot writes.
const (
	LabelOwnerKind = "iot.kiot.dev/owner-kind"
	LabelOwnerName = "iot.kiot.dev/owner-name"
)

// Finalizer keeps a resource until its cloud twin is deleted or orphaned.
const Finalizer = "iot.kiot.dev/finalizer"
