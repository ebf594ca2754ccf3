package main

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// controlPlane is etcd and kube-apiserver from the cached toolchain, with
// Kiot's CRDs installed and an admin kubeconfig for people and kubectl.
type controlPlane struct {
	env        *envtest.Environment
	config     *rest.Config
	kubeconfig string
	logs       []*os.File
	etcdData   string
}

func startControlPlane(dir, toolsDir string) (*controlPlane, error) {
	apiLog, err := os.Create(filepath.Join(dir, "kube-apiserver.log"))
	if err != nil {
		return nil, err
	}
	etcdLog, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		return nil, err
	}
	etcdData := filepath.Join(dir, "etcd")
	// Every run starts from an empty store: the simulator's state is fresh
	// too, and the two must agree.
	if err := os.RemoveAll(etcdData); err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: toolsDir,
		CRDDirectoryPaths:     []string{filepath.Join("config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		ControlPlane: envtest.ControlPlane{
			APIServer: &envtest.APIServer{Out: apiLog, Err: apiLog},
			Etcd:      &envtest.Etcd{DataDir: etcdData, Out: etcdLog, Err: etcdLog},
		},
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting etcd and kube-apiserver (logs in %s): %w", dir, err)
	}
	cp := &controlPlane{env: env, config: cfg, logs: []*os.File{apiLog, etcdLog}, etcdData: etcdData}
	admin, err := env.AddUser(envtest.User{Name: "kiot-local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		cp.stop()
		return nil, err
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		cp.stop()
		return nil, err
	}
	cp.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(cp.kubeconfig, kubeconfig, 0o600); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

// operatorIdentity is the ServiceAccount config/rbac binds. The local run
// gives the operator exactly that identity, so every make local (and its
// test) proves the generated least-privilege RBAC is enough.
const (
	operatorNamespace      = "kiot-system"
	operatorServiceAccount = "kiot-controller-manager"
)

// operatorConfig authenticates as the operator's ServiceAccount.
func (cp *controlPlane) operatorConfig() (*rest.Config, error) {
	user, err := cp.env.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + operatorNamespace + ":" + operatorServiceAccount,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + operatorNamespace, "system:authenticated"},
	}, nil)
	if err != nil {
		return nil, err
	}
	return user.Config(), nil
}

// stop ends etcd and kube-apiserver and removes their data.
func (cp *controlPlane) stop() {
	_ = cp.env.Stop()
	for _, f := range cp.logs {
		_ = f.Close()
	}
	if cp.kubeconfig != "" {
		_ = os.Remove(cp.kubeconfig)
	}
	_ = os.RemoveAll(cp.etcdData)
}
