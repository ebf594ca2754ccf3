package controllers

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/distribution"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
	"github.com/kiot-dev/kiot/internal/logging"
	"github.com/kiot-dev/kiot/internal/providerconfig"
)

// One control plane and one manager serve the whole suite: starting
// kube-apiserver and etcd costs seconds, a spec costs milliseconds.
var (
	testEnv   *envtest.Environment
	restCfg   *rest.Config
	k8sClient client.Client
	mgrClient client.Client
	// mgrAPIReader is the manager's uncached reader (credential Secrets).
	mgrAPIReader client.Reader
	scheme       = runtime.NewScheme()
	// logs captures everything the manager logs, so specs can assert that
	// no secret value ever reaches a log line.
	logs = gbytes.NewBuffer()
	// fakeEnv stands in for the operator's environment variables.
	fakeEnv = &environment{vars: map[string]string{}}
	cancel  context.CancelFunc

	// sim is the IoT Platform every managed-kind spec talks to, over real
	// HTTP with real signatures and the documented quotas; cloud is Kiot's
	// own client on the test account, for reading and changing the
	// platform behind the controllers' back.
	sim       *iotsim.Simulator
	simServer *httptest.Server
	// mgrStopped is closed when the manager's Start returned.
	mgrStopped chan struct{}
	cloud      *iot.Client
)

// Timers shortened for the suite.
const (
	testResync        = time.Minute
	testConflictRetry = 500 * time.Millisecond
	// testMinPollInterval is the poll-interval floor (30s in production).
	testMinPollInterval = time.Second
	// enterpriseInstance is an Enterprise Edition instance of the simulator,
	// reached through ProviderConfig "enterprise".
	enterpriseInstance = "iot-cn-kiotsuite01"
	// operatorNamespace holds the batch registration journal.
	operatorNamespace = "kiot-system"
	// fleetSpecDevices is the fleet spec's size, and the suite's Device
	// workers: the fleet's Devices reconcile in one wave and register in
	// one batch even on a busy machine. With fewer workers the second
	// wave can come more than the Registrar's 200 ms linger after the
	// first, a batch of its own: right for an operator (the batches
	// pipeline), not what the spec counts.
	fleetSpecDevices = 200
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers Suite")
}

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
	// The logger main installs, at every V level: a leak at V(5) is a leak too.
	ctrl.SetLogger(logging.WithoutAPIBodies(zap.New(
		zap.WriteTo(&syncWriter{w: logs, also: GinkgoWriter}),
		zap.UseDevMode(true),
		zap.Level(zapcore.Level(-10)),
	)))

	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is unset: run the suites with `make test`, which builds kube-apiserver and etcd")
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	restCfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(iotv1.AddToScheme(scheme)).To(Succeed())
	Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
	k8sClient, err = client.New(restCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	sim, err = iotsim.New(iotsim.Options{Quotas: true, Instances: []iotsim.Instance{{ID: enterpriseInstance, Region: "cn-shanghai"}}, Timing: iotsim.Timing{
		BatchCheck: 50 * time.Millisecond, BatchCreate: 50 * time.Millisecond,
		JobInitializing: 100 * time.Millisecond, JobRunning: 200 * time.Millisecond,
	}})
	Expect(err).NotTo(HaveOccurred())
	simServer = httptest.NewServer(sim)
	clients := providerconfig.ClientFactory{AllowCustomEndpoints: true, Configure: func(c *aliyun.Config) {
		retry := aliyun.RetryPolicy{MaxAttempts: 5, BaseDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond}
		c.Retry = &retry
	}}
	cloud, err = clients.New(providerconfig.Connection{Region: "cn-shanghai", Endpoint: simServer.URL,
		Credentials: aliyun.Credentials{AccessKeyID: iotsim.DefaultAccessKeyID, AccessKeySecret: iotsim.DefaultAccessKeySecret}})
	Expect(err).NotTo(HaveOccurred())

	mgr, err := ctrl.NewManager(restCfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	mgrClient = mgr.GetClient()
	mgrAPIReader = mgr.GetAPIReader()
	// status.devices keeps testStatusDevices, so that a job of a few
	// Devices has some past the bound, as a job of 1,000 has in production.
	distribution.MaxStatusDevices = testStatusDevices
	Expect(SetupAll(mgr, Options{
		MaxConcurrentReconciles: 2, DeviceWorkers: fleetSpecDevices, ResyncPeriod: testResync, ConflictRetry: testConflictRetry, Clients: clients,
		ProductRecount:  time.Second,
		MinPollInterval: testMinPollInterval,
		// Rotation of a credential Secret shows in Ready within a second.
		CredentialsRecheck: time.Second,
		OperatorNamespace:  operatorNamespace, RegistrationPoll: 50 * time.Millisecond,
		// A burst of Devices (the 200 of the fleet spec) makes one batch
		// however slowly this machine reconciles them: `go test ./...` runs
		// other packages meanwhile (hack/local starts a whole environment),
		// and pauses of 200 ms or a second in the burst split it. A lone
		// Device waits 300 ms longer than in production.
		RegistrationLinger:    500 * time.Millisecond,
		RegistrationMaxLinger: 5 * time.Second,
		// The simulator's batches take 100 ms here: RegisterDevice (30
		// QPS) clears about 3 names meanwhile, so a lone Device goes
		// direct and a fleet to a batch.
		RegistrationBatchEstimate: 100 * time.Millisecond,
		DistributeTiming:          distribution.Timing{PollMin: 50 * time.Millisecond, PollMax: 300 * time.Millisecond},
	}, fakeEnv.Getenv)).To(Succeed())
	createSimulatorProviderConfig()
	Expect(k8sClient.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())

	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	mgrStopped = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(mgrStopped)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if sim != nil {
		expectNoCloudSecretLeaked()
	}
	if cancel != nil {
		cancel()
		// The manager lets go of its watches before the API server stops;
		// otherwise a short run (one focused spec) can outlast the API
		// server's stop timeout.
		Eventually(mgrStopped).WithTimeout(time.Minute).Should(BeClosed())
	}
	if simServer != nil {
		simServer.Close()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// environment is a goroutine-safe stand-in for os.Getenv.
type environment struct {
	mu   sync.Mutex
	vars map[string]string
}

func (e *environment) Getenv(key string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.vars[key]
}

func (e *environment) Set(vars map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars = vars
}

// syncWriter copies log output to the capture buffer and the Ginkgo writer.
type syncWriter struct {
	mu   sync.Mutex
	w    *gbytes.Buffer
	also interface{ Write([]byte) (int, error) }
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.also.Write(p)
	return s.w.Write(p)
}
