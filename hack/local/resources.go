package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// kubectl runs the toolchain's kubectl against the local control plane,
// as a person following the README would.
type kubectl struct {
	binary     string
	kubeconfig string
}

func (k kubectl) run(args ...string) (string, error) {
	cmd := exec.Command(k.binary, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func createNamespace(ctx context.Context, cfg *rest.Config, name string) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	return c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

// createCredentials makes the Secret the sample ProviderConfig names, with
// the simulator's account.
func createCredentials(ctx context.Context, cfg *rest.Config) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	return c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kiot-system", Name: "iot-sim-credentials"},
		StringData: map[string]string{
			iotv1.SecretKeyAccessKeyID:     iotsim.DefaultAccessKeyID,
			iotv1.SecretKeyAccessKeySecret: iotsim.DefaultAccessKeySecret,
		},
	})
}

// samplesDir is config/samples, relative to the repository root.
func samplesDir() string { return filepath.Join("config", "samples") }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
