package controllers

import (
	"context"

	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// SetupAll registers every Kiot controller with the manager. main and the
// envtest suites both call it, so the tests run the wiring that ships.
func SetupAll(mgr ctrl.Manager, opts Options, getenv providerconfig.Getenv) error {
	clusterID, err := resolveClusterID(context.Background(), mgr.GetAPIReader(), opts.ClusterID)
	if err != nil {
		return err
	}
	opts.ClusterID = clusterID
	if err := (&ProviderConfigReconciler{
		Client:       mgr.GetClient(),
		SecretReader: mgr.GetAPIReader(),
		Recorder:     mgr.GetEventRecorder("kiot-providerconfig"),
		Getenv:       getenv,
		Options:      opts,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	// Credential Secrets are read through a watch of each, by name: Kiot's
	// cache holds only the Secrets it writes (CacheOptions), and a read of
	// the API server per reconcile would be a quorum read of etcd for every
	// Device of a fleet.
	cs, err := kubernetes.NewForConfigAndClient(mgr.GetConfig(), mgr.GetHTTPClient())
	if err != nil {
		return err
	}
	credentials := providerconfig.NewSecretWatch(cs, mgr.GetAPIReader())
	if err := mgr.Add(credentials); err != nil {
		return err
	}
	connector := providerconfig.Connector{Kube: mgr.GetClient(), Secrets: credentials, Getenv: getenv, Clients: opts.Clients}
	if err := setupProduct(mgr, opts, connector); err != nil {
		return err
	}
	if err := setupDevice(mgr, opts, connector); err != nil {
		return err
	}
	if err := setupDeviceGroup(mgr, opts, connector); err != nil {
		return err
	}
	if err := setupDistributeJob(mgr, opts, connector); err != nil {
		return err
	}
	return setupFleetMetrics(mgr)
}
