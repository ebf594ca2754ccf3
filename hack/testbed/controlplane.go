package testbed

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// controlPlane is etcd and kube-apiserver with Kiot's CRDs.
type controlPlane struct {
	env        *envtest.Environment
	config     *rest.Config
	kubeconfig string
	logs       []*os.File
}

func startControlPlane(dir, toolsDir, crdDir string) (*controlPlane, error) {
	apiLog, err := os.Create(filepath.Join(dir, "kube-apiserver.log"))
	if err != nil {
		return nil, err
	}
	etcdLog, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		return nil, err
	}
	// A certificate directory of our own: envtest regenerates the serving
	// certificates (and so the CA every kubeconfig trusts) when it chose
	// the directory itself, so a restarted API server would be a stranger.
	certDir := filepath.Join(dir, "apiserver-certs")
	if err := os.RemoveAll(certDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: toolsDir,
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
		ControlPlane: envtest.ControlPlane{
			// Stopped for a restart, it gets SIGKILL after 10s: on 2 busy
			// cores a graceful stop can take longer than the pause itself.
			APIServer: &envtest.APIServer{CertDir: certDir, Out: apiLog, Err: apiLog, StopTimeout: 10 * time.Second},
			Etcd:      &envtest.Etcd{Out: etcdLog, Err: etcdLog},
		},
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting etcd and kube-apiserver (logs in %s): %w", dir, err)
	}
	// A fleet writes fast; client-go's default 5 QPS would be the bottleneck.
	cfg.QPS, cfg.Burst = 200, 400
	cp := &controlPlane{env: env, config: cfg, logs: []*os.File{apiLog, etcdLog}}
	admin, err := env.AddUser(envtest.User{Name: "kiot-testbed-admin", Groups: []string{"system:masters"}}, nil)
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

// restartAPIServer stops kube-apiserver and starts it again with the same
// address and certificates (CertDir is ours, so envtest keeps them). A
// kube-apiserver that does not stop within StopTimeout gets SIGKILL from
// envtest, which is a restart too: we wait for its port to close.
func (cp *controlPlane) restartAPIServer(pause time.Duration) error {
	api := cp.env.ControlPlane.APIServer
	stopErr := api.Stop()
	addr := net.JoinHostPort(api.SecureServing.Address, api.SecureServing.Port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver still listens on %s 30s after it was stopped (stop: %v)", addr, stopErr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(pause)
	if err := api.Start(); err != nil {
		return fmt.Errorf("starting kube-apiserver again: %w", err)
	}
	return nil
}

func (cp *controlPlane) stop() {
	_ = cp.env.Stop()
	for _, f := range cp.logs {
		_ = f.Close()
	}
}
