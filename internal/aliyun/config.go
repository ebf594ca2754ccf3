package aliyun

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"k8s.io/utils/clock"
)

// Defaults of a Config, chosen for a controller that makes many small calls.
const (
	// DefaultAttemptTimeout bounds one HTTP exchange when the caller's
	// context allows longer (or has no deadline at all).
	DefaultAttemptTimeout = 30 * time.Second
	// DefaultMaxResponseBytes bounds a response body. The largest documented
	// answers (a page of 200 products, 100 device details) are tens of KiB.
	DefaultMaxResponseBytes = 4 << 20
	// DefaultPostThreshold is the length of the encoded parameters above
	// which a call is sent as a POST form instead of a GET query. 2 KiB keeps
	// URLs far below the 8 KiB request-line limit common to gateways and
	// proxies, yet every single-object call stays a plain GET.
	DefaultPostThreshold = 2048
)

// Config says where and as whom a Client calls the IoT Platform.
type Config struct {
	// RegionID is sent as RegionId and names the default endpoint
	// iot.<RegionID>.aliyuncs.com (004 L3186–3198).
	RegionID string
	// Endpoint, when set, replaces the regional endpoint for every call (for
	// example the simulator at http://127.0.0.1:18080). Operations pinned to
	// cn-shanghai still send RegionId=cn-shanghai to it.
	Endpoint string
	// IotInstanceID is sent as IotInstanceId to the operations that take it
	// ("if your instance has an ID, you must configure this parameter",
	// 004 L7909–7928).
	IotInstanceID string
	Credentials   Credentials

	// HTTPClient defaults to a keep-alive client shared by every Client of
	// the process. Its Timeout should be zero: deadlines come from contexts.
	HTTPClient *http.Client
	// Quotas defaults to DefaultQuotaRegistry, shared by the whole process so
	// that every controller using one AccessKeyId draws on one budget.
	Quotas *QuotaRegistry
	// QuotaShare is the fraction of each action's documented QPS this
	// client's AccessKey may use (0: DefaultQuotaShare; at most
	// MaxQuotaShare takes effect): the account's other applications draw
	// on the same quota.
	QuotaShare float64
	// Retry defaults to DefaultRetryPolicy.
	Retry *RetryPolicy
	// Writes, when set, is asked before every call that changes the
	// platform (IsRead says which do not); a refusal is returned as a
	// retryable *Error and nothing is sent. The operator sets it to its
	// leader-lease guard when replicas elect a leader.
	Writes WriteGate
	// UserAgent is sent with every request (empty: "kiot"); the operator
	// names its replica in it, so the platform's audit trail tells replicas
	// apart.
	UserAgent string
	// Clock defaults to the wall clock. Tests give a fake one
	// (internal/aliyun/fakeclock) so that pacing and backoff never really wait.
	Clock clock.Clock

	// AttemptTimeout, MaxResponseBytes and PostThreshold take the Default*
	// constants when zero.
	AttemptTimeout   time.Duration
	MaxResponseBytes int64
	PostThreshold    int
}

func (cfg Config) withDefaults() Config {
	cfg.HTTPClient = cmp.Or(cfg.HTTPClient, sharedHTTPClient)
	cfg.Quotas = cmp.Or(cfg.Quotas, DefaultQuotaRegistry)
	if cfg.Retry == nil {
		p := DefaultRetryPolicy()
		cfg.Retry = &p
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	cfg.UserAgent = cmp.Or(cfg.UserAgent, "kiot")
	cfg.AttemptTimeout = cmp.Or(cfg.AttemptTimeout, DefaultAttemptTimeout)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	cfg.PostThreshold = cmp.Or(cfg.PostThreshold, DefaultPostThreshold)
	return cfg
}

func (cfg Config) validate() error {
	var errs []error
	if cfg.RegionID == "" {
		errs = append(errs, errors.New("a region is required"))
	}
	if cfg.QuotaShare < 0 || cfg.QuotaShare > 1 {
		errs = append(errs, fmt.Errorf("the quota share %g is not a fraction from 0 to 1", cfg.QuotaShare))
	}
	if cfg.AttemptTimeout < 0 || cfg.MaxResponseBytes < 0 || cfg.PostThreshold < 0 {
		errs = append(errs, errors.New("AttemptTimeout, MaxResponseBytes and PostThreshold are zero (the default) or positive"))
	}
	if !cfg.Credentials.Complete() {
		errs = append(errs, errors.New("an AccessKeyId and an AccessKeySecret are required"))
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("endpoint %q is not an http(s) URL", cfg.Endpoint))
		}
	}
	return errors.Join(errs...)
}

// endpointFor is the base URL a call made in region goes to: the override
// when one is configured (it serves every region), else the regional host.
func (cfg Config) endpointFor(region string) string {
	if cfg.Endpoint != "" {
		return strings.TrimSuffix(cfg.Endpoint, "/")
	}
	return "https://iot." + region + ".aliyuncs.com"
}

// sharedHTTPClient pools connections for the whole process: controllers make
// many small calls to a handful of hosts, so keep-alive matters more than
// anything else here.
var sharedHTTPClient = newSharedHTTPClient()

func newSharedHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 32
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}
