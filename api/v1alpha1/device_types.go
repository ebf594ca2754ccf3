package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LocalReference names an object in the same namespace.
type LocalReference struct {
	// Name of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// SaveDeviceProp's bound: L15062–15088.

// DevicePropertyValue is a device tag's value. The platform bounds a
// device's tags to 5 KB of JSON in all.
// +kubebuilder:validation:MaxLength=512
type DevicePropertyValue string

// DeviceSpec is the desired IoT Platform device.
//
// +kubebuilder:validation:XValidation:rule="has(self.productRef) != has(self.productKey)",message="exactly one of productRef and productKey must be set"
// +kubebuilder:validation:XValidation:rule="has(self.productRef) == has(oldSelf.productRef) && (!has(self.productRef) || self.productRef.name == oldSelf.productRef.name)",message="productRef is immutable: a device cannot move to another product"
// +kubebuilder:validation:XValidation:rule="has(self.productKey) == has(oldSelf.productKey) && (!has(self.productKey) || self.productKey == oldSelf.productKey)",message="productKey is immutable: a device cannot move to another product"
// +kubebuilder:validation:XValidation:rule="has(self.deviceName) == has(oldSelf.deviceName) && (!has(self.deviceName) || self.deviceName == oldSelf.deviceName)",message="deviceName is immutable"
type DeviceSpec struct {
	ManagedSpec `json:",inline"`

	// ProductRef names the Product resource (in this namespace) the device
	// belongs to. Exactly one of productRef and productKey.
	// +optional
	ProductRef *LocalReference `json:"productRef,omitempty"`
	// ProductKey names a product Kiot does not manage. Exactly one of
	// productRef and productKey.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+$`
	// +optional
	ProductKey string `json:"productKey,omitempty"`
	// DeviceName rule: L10655–10670.

	// DeviceName: 4–32 letters, digits and - _ @ . :,
	// unique in the product. Defaults to metadata.name.
	// +kubebuilder:validation:MinLength=4
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_@.:-]+$`
	// +optional
	DeviceName string `json:"deviceName,omitempty"`
	// Nickname rule: RegisterDevice, L10680–10690; the rename
	// (BatchUpdateDeviceNickname) takes 4–32, L14052–14065.

	// Nickname: 4–64 letters, digits and underscores (RegisterDevice).
	// Note the platform's later rename takes at most 32.
	// +kubebuilder:validation:MinLength=4
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[\p{L}\p{N}_]+$`
	// +optional
	Nickname string `json:"nickname,omitempty"`
	// Enabled: false disables the device (DisableThing); it cannot connect
	// but keeps its data.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// Property keys: the seeds document no rule for device tag keys
	// (SaveDeviceProp, 004 L15039–15215, gives only the 5 KB and 100-tag
	// bounds), so Kiot takes the platform's documented tag-key rule, the
	// product tag key's: 1–30 letters, digits and periods (API-DIGEST §
	// "Name and format constraints", 004 L9381–9389). The simulator
	// (internal/iotsim validDevicePropKey) applies the same rule, and a test
	// holds the two together.

	// Properties are the device's tags (SaveDeviceProp): at most 100.
	// Kiot keeps them exactly equal to this map.
	// +kubebuilder:validation:MaxProperties=100
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z0-9.]{1,30}$'))",message="property keys must be 1–30 letters, digits or periods (the platform's tag-key rule)"
	// +optional
	Properties map[string]DevicePropertyValue `json:"properties,omitempty"`
}

// DeviceStatus is what Kiot observed of the device.
type DeviceStatus struct {
	ManagedStatus `json:",inline"`

	// IotID is the platform's identifier of the device.
	// +optional
	IotID string `json:"iotId,omitempty"`
	// ProductKey of the device's product.
	// +optional
	ProductKey string `json:"productKey,omitempty"`
	// DeviceName on the platform.
	// +optional
	DeviceName string `json:"deviceName,omitempty"`
	// State: ONLINE, OFFLINE, UNACTIVE (never connected) or DISABLE.
	// +optional
	State string `json:"state,omitempty"`
	// SecretName is the Secret holding the device's credentials.
	// +optional
	SecretName string `json:"secretName,omitempty"`
	// Location is where a DistributeJob sent the device, as
	// QueryDeviceProvisioning reports it. Kiot also writes it to the Secret
	// (targetRegionId, targetIotInstanceId, targetMqttHost).
	// +optional
	Location *DeviceLocation `json:"location,omitempty"`
	// ManagedProperties says Kiot manages the device's properties (tags):
	// the spec has some, or had some that Kiot has not yet removed. Only
	// then does an observation read them (QueryDeviceProp).
	// +optional
	ManagedProperties bool `json:"managedProperties,omitempty"`
}

// DeviceLocation is the instance a device was distributed to.
type DeviceLocation struct {
	// InstanceID of the target instance.
	InstanceID string `json:"instanceId"`
	// Region of the target instance.
	Region string `json:"region"`
	// MQTTHost is where the device connects in the target instance.
	// +optional
	MQTTHost string `json:"mqttHost,omitempty"`
	// DistributeJob is the DistributeJob resource (in this namespace) that
	// moved the device.
	DistributeJob string `json:"distributeJob"`
	// JobID is the platform's job that moved the device.
	JobID string `json:"jobId"`
	// ObservedAt is when QueryDeviceProvisioning reported the location.
	ObservedAt metav1.Time `json:"observedAt"`
}

// Device is an IoT Platform device. Kiot writes its credentials (productKey,
// deviceName, deviceSecret, iotId, regionId, mqttHost) into the Secret
// <name>-device.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=iotdevice,categories=kiot
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="metadata.name must be at most 63 characters: it is the value of the iot.kiot.dev/owner-name label on the Secret Kiot writes"
// +kubebuilder:validation:XValidation:rule="has(self.spec.deviceName) || self.metadata.name.matches('^[A-Za-z0-9_@.:-]{4,32}$')",message="metadata.name is used as the DeviceName and must then be 4–32 letters, digits or - _ @ . : ; set spec.deviceName otherwise"
// +kubebuilder:printcolumn:name="IotId",type=string,JSONPath=`.status.iotId`
// +kubebuilder:printcolumn:name="ProductKey",type=string,JSONPath=`.status.productKey`,priority=1
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Device struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec DeviceSpec `json:"spec"`

	// Status is what Kiot observed of the device. Until Kiot first
	// writes it, the API server shows observedGeneration 0, so tools that
	// compare it with metadata.generation (kstatus, Flux) never read a new
	// object as done.
	// +kubebuilder:default={observedGeneration: 0}
	Status DeviceStatus `json:"status,omitempty"`
}

// DeviceList is a list of Devices.
// +kubebuilder:object:root=true
type DeviceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Device `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Device{}, &DeviceList{})
}

// Managed returns the controls shared by every cloud-backed kind.
func (d *Device) Managed() *ManagedSpec { return &d.Spec.ManagedSpec }

// ManagedStatus returns the status shared by every cloud-backed kind.
func (d *Device) ManagedStatus() *ManagedStatus { return &d.Status.ManagedStatus }

// EffectiveDeviceName is spec.deviceName, or metadata.name when unset.
func (d *Device) EffectiveDeviceName() string {
	if d.Spec.DeviceName != "" {
		return d.Spec.DeviceName
	}
	return d.Name
}

// IsEnabled is spec.enabled, true when unset.
func (d *Device) IsEnabled() bool { return d.Spec.Enabled == nil || *d.Spec.Enabled }
