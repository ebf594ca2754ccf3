package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CredentialsSource says where a ProviderConfig's AccessKey comes from.
// +kubebuilder:validation:Enum=Secret;Environment
type CredentialsSource string

const (
	// CredentialsSourceSecret reads the keys accessKeyId, accessKeySecret and
	// (optionally) securityToken from a Secret.
	CredentialsSourceSecret CredentialsSource = "Secret"
	// CredentialsSourceEnvironment reads ALIBABA_CLOUD_ACCESS_KEY_ID,
	// ALIBABA_CLOUD_ACCESS_KEY_SECRET and (optionally)
	// ALIBABA_CLOUD_SECURITY_TOKEN from the operator's environment.
	CredentialsSourceEnvironment CredentialsSource = "Environment"
)

// Keys of a credentials Secret.
const (
	SecretKeyAccessKeyID     = "accessKeyId"
	SecretKeyAccessKeySecret = "accessKeySecret"
	SecretKeySecurityToken   = "securityToken"
)

// Environment variables of the Environment credentials source, as the Alibaba
// Cloud SDKs name them.
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
)

// SecretReference names a Secret in a namespace.
type SecretReference struct {
	// Namespace of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace"`
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name"`
}

// ProviderCredentials says where to find the AccessKey that signs requests.
// +kubebuilder:validation:XValidation:rule="self.source != 'Secret' || has(self.secretRef)",message="secretRef is required when source is Secret"
// +kubebuilder:validation:XValidation:rule="self.source != 'Environment' || !has(self.secretRef)",message="secretRef must be empty when source is Environment"
type ProviderCredentials struct {
	// Source of the credentials.
	// +kubebuilder:default=Secret
	// +optional
	Source CredentialsSource `json:"source,omitempty"`
	// SecretRef names the Secret holding the keys accessKeyId,
	// accessKeySecret and, for STS credentials, securityToken.
	// +optional
	SecretRef *SecretReference `json:"secretRef,omitempty"`
}

// ProviderConfigSpec says how to reach one IoT Platform region and instance
// with one set of credentials.
type ProviderConfigSpec struct {
	// Region of the IoT Platform, for example cn-shanghai or ap-southeast-1.
	// +kubebuilder:validation:MinLength=4
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[a-z]{2,}(-[a-z0-9]+)+$`
	Region string `json:"region"`
	// Endpoint overrides https://iot.<region>.aliyuncs.com, for example to
	// point at the simulator (http://127.0.0.1:18080). Anything but an
	// https://*.aliyuncs.com host is refused (Ready=False, InvalidSpec)
	// unless the operator runs with --allow-custom-endpoints.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('http://') || self.startsWith('https://'))",message="endpoint must be an http:// or https:// URL"
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// IotInstanceID is the Enterprise Edition instance every call names. Leave
	// it empty for a public instance, which has no ID.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +optional
	IotInstanceID string `json:"iotInstanceId,omitempty"`
	// Credentials that sign requests.
	Credentials ProviderCredentials `json:"credentials"`
	// AllowedNamespaces selects, by label, the namespaces whose resources
	// may use this ProviderConfig. Unset, every namespace may (a one-team
	// cluster); {} also selects every namespace. To name namespaces, match
	// the label kubernetes.io/metadata.name that every namespace carries.
	// A resource elsewhere is refused with reason ProviderConfigNotAllowed
	// and no cloud call.
	// +optional
	AllowedNamespaces *metav1.LabelSelector `json:"allowedNamespaces,omitempty"`
	// QuotaSharePercent is the percentage of every action's documented QPS
	// Kiot may use with this ProviderConfig's AccessKey; the account's
	// other applications and RAM users draw on the same quota. Unset: the
	// operator's --quota-share-percent (80). At most 90 takes effect, the
	// margin that keeps jittered calls inside the platform's per-second
	// limit. ProviderConfigs sharing an AccessKey should give the same.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	QuotaSharePercent *int32 `json:"quotaSharePercent,omitempty"`
}

// ProviderConfigStatus is what Kiot observed of a ProviderConfig.
type ProviderConfigStatus struct {
	// Conditions: Ready says whether the credentials load.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// ObservedGeneration is the generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ProviderConfig tells Kiot how to reach the IoT Platform: region, endpoint,
// instance and credentials. Resources name it with spec.providerConfigRef.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=iotpc,categories=kiot
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.spec.region`
// +kubebuilder:printcolumn:name="Instance",type=string,JSONPath=`.spec.iotInstanceId`
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.spec.credentials.source`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpoint`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ProviderConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ProviderConfigSpec `json:"spec"`

	// Status is what Kiot observed of the ProviderConfig. Until Kiot first
	// writes it, the API server shows observedGeneration 0, so tools that
	// compare it with metadata.generation (kstatus, Flux) never read a new
	// object as done.
	// +kubebuilder:default={observedGeneration: 0}
	Status ProviderConfigStatus `json:"status,omitempty"`
}

// ProviderConfigList is a list of ProviderConfigs.
// +kubebuilder:object:root=true
type ProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ProviderConfig `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ProviderConfig{}, &ProviderConfigList{})
}
