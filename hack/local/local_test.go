package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = iotv1.AddToScheme(s)
	return s
}

// The local run brings the samples to Ready, prints them, and when stopped
// leaves no process and no cluster state behind. It runs the same code as
// make local, on a free port and a temporary directory, so it does not
// collide with a make local a developer has running.
func TestLocalRunComesUpAndLeavesNothingBehind(t *testing.T) {
	tools := os.Getenv("KUBEBUILDER_ASSETS")
	if tools == "" {
		t.Fatal("KUBEBUILDER_ASSETS is unset: run the tests with `make test`, which builds kube-apiserver, etcd and kubectl")
	}
	t.Chdir(filepath.Join("..", "..")) // config/ is read from the repository root
	dir := t.TempDir()
	var out lockedBuffer
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	// A Device that is not a sample and never becomes Ready (its Product
	// does not exist): the run waits for its samples alone.
	stranger := func(ctx context.Context, cfg *rest.Config) error {
		c, err := client.New(cfg, client.Options{Scheme: scheme()})
		if err != nil {
			return err
		}
		return c.Create(ctx, &iotv1.Device{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "not-a-sample"},
			Spec:       iotv1.DeviceSpec{ProductRef: &iotv1.LocalReference{Name: "no-such-product"}},
		})
	}
	go func() {
		done <- run(ctx, options{dir: dir, toolsDir: tools, simListen: "127.0.0.1:0", metricsAddr: "0", timeout: 2 * time.Minute,
			out: &out, ready: ready, beforeWait: stranger})
	}()

	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("make local ended before everything was Ready: %v\n%s", err, out.String())
	case <-time.After(3 * time.Minute):
		t.Fatalf("make local was not Ready in 3 minutes:\n%s", out.String())
	}
	printed := out.String()
	for _, want := range []string{"Kiot is running", "product.iot.kiot.dev/street-light", "device.iot.kiot.dev/light-0003",
		"devicegroup.iot.kiot.dev/harbour-lights", "distributejob.iot.kiot.dev/harbour-lights-to-singapore", "providerconfig.iot.kiot.dev/default", "export KUBECONFIG=" + filepath.Join(dir, "kubeconfig")} {
		if !strings.Contains(printed, want) {
			t.Errorf("the output does not show %q:\n%s", want, printed)
		}
	}
	if strings.Contains(printed, "not-a-sample") {
		t.Errorf("the run waited for or printed a resource that is not a sample:\n%s", printed)
	}
	if strings.Contains(printed, "False") {
		t.Errorf("a resource is not Ready in the table:\n%s", printed)
	}
	if len(children()) == 0 {
		t.Fatal("no etcd or kube-apiserver child process was seen: the cleanup check below would be vacuous")
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("stopping: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(children()) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if left := children(); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
	for _, gone := range []string{"kubeconfig", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s was left behind", gone)
		}
	}
}

// children lists the command lines of this process's live child processes.
func children() []string {
	entries, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses: state, ppid.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[1] != self || fields[0] == "Z" {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		found = append(found, strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return found
}

// lockedBuffer is a bytes.Buffer safe for the runner and the test at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
