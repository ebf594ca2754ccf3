package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeType is what a product's devices are (CreateProduct NodeType, L7875).
// +kubebuilder:validation:Enum=Device;Gateway
type NodeType string

const (
	NodeTypeDevice  NodeType = "Device"
	NodeTypeGateway NodeType = "Gateway"
)

// DataFormat is how a product's devices encode data (DataFormat, L7930).
// +kubebuilder:validation:Enum=AlinkJSON;Custom
type DataFormat string

const (
	DataFormatAlinkJSON DataFormat = "AlinkJSON"
	DataFormatCustom    DataFormat = "Custom"
)

// Product tag value rule: L9391–9399.

// ProductTagValue is a product tag's value: 1–128 letters, digits,
// underscores and hyphens.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=128
// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
type ProductTagValue string

// ProductSpec is the desired IoT Platform product.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.productKey) || (has(self.productKey) && self.productKey == oldSelf.productKey)",message="productKey cannot be changed or removed once set"
// +kubebuilder:validation:XValidation:rule="has(self.netType) == has(oldSelf.netType) && (!has(self.netType) || self.netType == oldSelf.netType)",message="netType is immutable: the platform cannot change it"
// +kubebuilder:validation:XValidation:rule="has(self.protocolType) == has(oldSelf.protocolType) && (!has(self.protocolType) || self.protocolType == oldSelf.protocolType)",message="protocolType is immutable: the platform cannot change it"
// +kubebuilder:validation:XValidation:rule="has(self.categoryKey) == has(oldSelf.categoryKey) && (!has(self.categoryKey) || self.categoryKey == oldSelf.categoryKey)",message="categoryKey is immutable: the platform cannot change it"
// +kubebuilder:validation:XValidation:rule="!(has(self.netType) && self.netType == 'LORA') || self.authType == 'secret'",message="authType id2 and x509 are not available for LORA products"
type ProductSpec struct {
	ManagedSpec `json:",inline"`

	// ProductName rule: CreateProduct, L7897–7907.

	// ProductName: 4–30 letters, digits and underscores, unique in the
	// instance.
	// +kubebuilder:validation:MinLength=4
	// +kubebuilder:validation:MaxLength=30
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_]+$`
	ProductName string `json:"productName"`
	// NodeType: Device (connects directly, no sub-devices) or Gateway.
	// +kubebuilder:default=Device
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="nodeType is immutable: the platform cannot change it"
	// +optional
	NodeType NodeType `json:"nodeType,omitempty"`
	// DataFormat: AlinkJSON (the platform's Alink protocol) or Custom.
	// +kubebuilder:default=AlinkJSON
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="dataFormat is immutable: the platform cannot change it"
	// +optional
	DataFormat DataFormat `json:"dataFormat,omitempty"`
	// AuthType rule: L8062–8095.

	// AuthType: secret (default), id2 or x509; id2 and x509 exist only in
	// cn-shanghai.
	// +kubebuilder:validation:Enum=secret;id2;x509
	// +kubebuilder:default=secret
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="authType is immutable: the platform cannot change it"
	// +optional
	AuthType string `json:"authType,omitempty"`
	// NetType values: L8017–8039.

	// NetType of directly connected devices and gateways.
	// +kubebuilder:validation:Enum=WIFI;CELLULAR;ETHERNET;LORA;OTHER
	// +optional
	NetType string `json:"netType,omitempty"`
	// ProtocolType values: L7992–8014.

	// ProtocolType of sub-devices behind a gateway.
	// +kubebuilder:validation:Enum=modbus;opc-ua;customize;ble;zigbee
	// +optional
	ProtocolType string `json:"protocolType,omitempty"`
	// CategoryKey: L8097–8108.

	// CategoryKey takes the category's standard TSL model.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_]+$`
	// +optional
	CategoryKey string `json:"categoryKey,omitempty"`
	// Description rule: L7944–7947.

	// Description: at most 100 characters. The platform cannot
	// clear a description, so leaving this empty leaves it unmanaged.
	// +kubebuilder:validation:MaxLength=100
	// +optional
	Description string `json:"description,omitempty"`
	// Published releases the product (ReleaseProduct): its TSL model can no
	// longer be edited until it is unpublished.
	// +kubebuilder:default=false
	// +optional
	Published bool `json:"published,omitempty"`
	// Product tag rules: L9324–9399.

	// Tags: at most 100; keys 1–30 letters, digits and dots; values 1–128
	// letters, digits, underscores and hyphens. Kiot keeps the product's
	// tags exactly equal to this map.
	// +kubebuilder:validation:MaxProperties=100
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z0-9.]{1,30}$'))",message="tag keys must be 1–30 letters, digits or dots"
	// +optional
	Tags map[string]ProductTagValue `json:"tags,omitempty"`
	// ProductKey adopts an existing product instead of creating one. Once
	// set it cannot change.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+$`
	// +optional
	ProductKey string `json:"productKey,omitempty"`
}

// ProductStatus is what Kiot observed of the product.
type ProductStatus struct {
	ManagedStatus `json:",inline"`

	// ProductKey is the platform's identifier of the product.
	// +optional
	ProductKey string `json:"productKey,omitempty"`
	// ProductStatus is DEVELOPMENT_STATUS or RELEASE_STATUS.
	// +optional
	ProductStatus string `json:"productStatus,omitempty"`
	// DeviceCount is the number of devices the platform holds for it, as
	// counted at the last observation: shortly (30 seconds by default) after
	// its Devices change, and at every resync.
	// +optional
	DeviceCount int32 `json:"deviceCount"`
	// SecretName is the Secret holding productKey, productSecret, regionId.
	// +optional
	SecretName string `json:"secretName,omitempty"`
	// CreateRequestedAt is when Kiot last asked the platform to create the
	// product, written before the call. If the answer is lost, an unmarked
	// product of this name made since then is known to be Kiot's own and is
	// adopted; any other is not.
	// +optional
	CreateRequestedAt *metav1.Time `json:"createRequestedAt,omitempty"`
}

// Product is an IoT Platform product: the template its devices share.
// Kiot writes its credentials into the Secret <name>-product.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=iotproduct,categories=kiot
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="metadata.name must be at most 63 characters: it is the value of the iot.kiot.dev/owner-name label on the Secret Kiot writes"
// +kubebuilder:printcolumn:name="ProductKey",type=string,JSONPath=`.status.productKey`
// +kubebuilder:printcolumn:name="ProductName",type=string,JSONPath=`.spec.productName`,priority=1
// +kubebuilder:printcolumn:name="Devices",type=integer,JSONPath=`.status.deviceCount`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.productStatus`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Product struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ProductSpec `json:"spec"`

	// Status is what Kiot observed of the product. Until Kiot first
	// writes it, the API server shows observedGeneration 0, so tools that
	// compare it with metadata.generation (kstatus, Flux) never read a new
	// object as done.
	// +kubebuilder:default={observedGeneration: 0}
	Status ProductStatus `json:"status,omitempty"`
}

// ProductList is a list of Products.
// +kubebuilder:object:root=true
type ProductList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Product `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Product{}, &ProductList{})
}

// Managed returns the controls shared by every cloud-backed kind.
func (p *Product) Managed() *ManagedSpec { return &p.Spec.ManagedSpec }

// ManagedStatus returns the status shared by every cloud-backed kind.
func (p *Product) ManagedStatus() *ManagedStatus { return &p.Status.ManagedStatus }
