// Package v1alpha1 holds the iot.kiot.dev/v1alpha1 API: the Alibaba Cloud IoT
// Platform resources that Kiot reconciles.
// +kubebuilder:object:generate=true
// +groupName=iot.kiot.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of every Kiot kind.
	GroupVersion = schema.GroupVersion{Group: "iot.kiot.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the Kiot kinds with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the Kiot kinds to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
