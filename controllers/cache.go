package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/distribution"
)

// CacheOptions restrict what Kiot's informers hold. Secrets: only the ones
// Kiot writes (labelled iot.kiot.dev/owner-kind). Without it, the Secret
// watch behind Owns(Secret) would list and keep every Secret of the
// cluster, credentials of other applications included. Credential Secrets,
// which carry no Kiot label, are read through a watch of each by name
// (providerconfig.SecretWatch).
// ConfigMaps: only the device ledgers of DistributeJobs (labelled
// iot.kiot.dev/owner-kind=DistributeJob), which tell each Device where a
// job moved it, and are held compacted to those moves
// (distribution.CompactLedger); the ledger's own reads and writes and the
// registration journal's go uncached.
// NewManager and the envtest suites both use it.
//
// Every cached object drops its metadata.managedFields: Kiot never reads
// them, and at fleet size they are a good part of each object (a Device
// carries entries of the user, the status writer and the finalizer writer),
// so the cache of 10,000 Devices and their Secrets costs far less memory.
func CacheOptions() cache.Options {
	owned, err := labels.NewRequirement(iotv1.LabelOwnerKind, selection.Exists, nil)
	if err != nil {
		panic(err) // a constant label key: cannot happen
	}
	ledger, err := labels.NewRequirement(iotv1.LabelOwnerKind, selection.Equals, []string{"DistributeJob"})
	if err != nil {
		panic(err) // constants: cannot happen
	}
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}:    {Label: labels.NewSelector().Add(*owned)},
			&corev1.ConfigMap{}: {Label: labels.NewSelector().Add(*ledger), Transform: compactLedger(cache.TransformStripManagedFields())},
		},
		DefaultTransform: cache.TransformStripManagedFields(),
	}
}

// compactLedger is the ledger ConfigMaps' transform: strip, as every
// object's, then keep only the moves (distribution.CompactLedger).
func compactLedger(strip toolscache.TransformFunc) toolscache.TransformFunc {
	return func(in any) (any, error) {
		out, err := strip(in)
		if cm, ok := out.(*corev1.ConfigMap); ok && err == nil {
			distribution.CompactLedger(cm)
		}
		return out, err
	}
}
