package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Group tagValue rule: API-DIGEST L19550–19554.

// GroupTagValue is a group tag's value: 1–128 letters, digits, underscores
// and hyphens.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=128
// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
type GroupTagValue string

// MaxGroupDepth is how deep groups nest: group, subgroup, child subgroup
// (iot.group.GroupLevelExceedingLimitError, L5276–5289).
const MaxGroupDepth = 3

// DeviceGroupSpec is the desired IoT Platform device group and its members.
//
// +kubebuilder:validation:XValidation:rule="self.groupName == oldSelf.groupName",message="groupName is immutable: the platform cannot rename a group"
// +kubebuilder:validation:XValidation:rule="has(self.parentRef) == has(oldSelf.parentRef) && (!has(self.parentRef) || self.parentRef.name == oldSelf.parentRef.name)",message="parentRef is immutable: the platform cannot move a group"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.groupId) || (has(self.groupId) && self.groupId == oldSelf.groupId)",message="groupId cannot be changed or removed once set"
type DeviceGroupSpec struct {
	ManagedSpec `json:",inline"`

	// GroupName rule: L18221–18226.

	// GroupName: 4–30 letters, digits and underscores.
	// +kubebuilder:validation:MinLength=4
	// +kubebuilder:validation:MaxLength=30
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_]+$`
	GroupName string `json:"groupName"`
	// GroupDesc rule: L18258–18261.

	// Description: 1–100 characters. The platform cannot
	// clear a description, so leaving this empty leaves it unmanaged.
	// +kubebuilder:validation:MaxLength=100
	// +optional
	Description string `json:"description,omitempty"`
	// ParentRef names the parent DeviceGroup in this namespace. Groups nest
	// at most three levels deep.
	// +optional
	ParentRef *LocalReference `json:"parentRef,omitempty"`
	// Group tagKey rule: L19545–19554.

	// Tags: at most 100; keys 2–30 letters, digits and dots.
	// Kiot keeps the group's tags exactly equal to this map.
	// +kubebuilder:validation:MaxProperties=100
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z0-9.]{2,30}$'))",message="tag keys must be 2–30 letters, digits or dots"
	// +optional
	Tags map[string]GroupTagValue `json:"tags,omitempty"`
	// Devices names Device resources of this namespace to make members.
	// +listType=set
	// +kubebuilder:validation:MaxItems=10000
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +optional
	Devices []string `json:"devices,omitempty"`
	// DeviceSelector selects Device resources of this namespace by label to
	// make members. With devices, the members are the union of both.
	// +optional
	DeviceSelector *metav1.LabelSelector `json:"deviceSelector,omitempty"`
	// GroupID adopts an existing group instead of creating one. Once set it
	// cannot change.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+$`
	// +optional
	GroupID string `json:"groupId,omitempty"`
}

// DeviceGroupStatus is what Kiot observed of the group.
type DeviceGroupStatus struct {
	ManagedStatus `json:",inline"`

	// GroupID is the platform's identifier of the group.
	// +optional
	GroupID string `json:"groupId,omitempty"`
	// DeviceCount is the number of devices in the group on the platform.
	// +optional
	DeviceCount int32 `json:"deviceCount"`
	// SelectedDevices is the number of Device resources the spec selects.
	// +optional
	SelectedDevices int32 `json:"selectedDevices"`
	// PendingDevices is the number of selected devices not yet members:
	// Devices not Ready yet, or refused by the platform (a device can be in
	// at most 10 groups).
	// +optional
	PendingDevices int32 `json:"pendingDevices"`
	// CreateRequestedAt is when Kiot last asked the platform to create the
	// group, written before the call. If the answer is lost, an unmarked
	// group of this name made since then is known to be Kiot's own and is
	// adopted; any other is not.
	// +optional
	CreateRequestedAt *metav1.Time `json:"createRequestedAt,omitempty"`
}

// DeviceGroup is an IoT Platform device group and its membership: the
// Devices named in spec.devices and those spec.deviceSelector selects.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=iotgroup,categories=kiot
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="GroupId",type=string,JSONPath=`.status.groupId`
// +kubebuilder:printcolumn:name="Devices",type=integer,JSONPath=`.status.deviceCount`
// +kubebuilder:printcolumn:name="Pending",type=integer,JSONPath=`.status.pendingDevices`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type DeviceGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DeviceGroupSpec `json:"spec"`

	// Status is what Kiot observed of the group. Until Kiot first
	// writes it, the API server shows observedGeneration 0, so tools that
	// compare it with metadata.generation (kstatus, Flux) never read a new
	// object as done.
	// +kubebuilder:default={observedGeneration: 0}
	Status DeviceGroupStatus `json:"status,omitempty"`
}

// DeviceGroupList is a list of DeviceGroups.
// +kubebuilder:object:root=true
type DeviceGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DeviceGroup `json:"items"`
}

func init() {
	SchemeBuilder.Register(&DeviceGroup{}, &DeviceGroupList{})
}

// Managed returns the controls shared by every cloud-backed kind.
func (g *DeviceGroup) Managed() *ManagedSpec { return &g.Spec.ManagedSpec }

// ManagedStatus returns the status shared by every cloud-backed kind.
func (g *DeviceGroup) ManagedStatus() *ManagedStatus { return &g.Status.ManagedStatus }
