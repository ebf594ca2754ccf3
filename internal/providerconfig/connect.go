package providerconfig

import (
	"cmp"
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
)

// NotReadyRetry is how often a resource whose ProviderConfig is missing or
// incomplete looks again.
const NotReadyRetry = 30 * time.Second

// Connection is what a cloud client needs from a ProviderConfig.
type Connection struct {
	Region        string
	Endpoint      string
	IotInstanceID string
	Credentials   aliyun.Credentials
	// QuotaShare is the ProviderConfig's share of the documented QPS (0:
	// the ClientFactory's).
	QuotaShare float64
}

// Resolve reads the named ProviderConfig and its credentials for a resource
// of namespace. A missing ProviderConfig, Secret or key is a wait (the
// resource reports it and looks again), not an error to back off from; so
// is a ProviderConfig that does not allow the namespace, whose credentials
// are then never loaded.
// Credential Secrets are read with secrets, which must not be the manager's
// cache: they are the users' own, in any namespace, and Kiot's cache holds
// only its own (a SecretWatch, or the API reader).
func Resolve(ctx context.Context, reader, secrets client.Reader, name, namespace string, getenv Getenv) (Connection, error) {
	return resolve(ctx, reader, secrets, name, getenv, func(pc *iotv1.ProviderConfig) error {
		return checkNamespaceAllowed(ctx, reader, pc, namespace)
	})
}

// ResolveForResume is Resolve for the operator's own work that a resource
// began when its namespace was allowed: a journaled batch registration
// resumed after a restart, which must finish (or the devices it may have
// made would be orphans) whoever may use the ProviderConfig now.
func ResolveForResume(ctx context.Context, reader client.Reader, name string, getenv Getenv) (Connection, error) {
	return resolve(ctx, reader, reader, name, getenv, func(*iotv1.ProviderConfig) error { return nil })
}

func resolve(ctx context.Context, reader, secrets client.Reader, name string, getenv Getenv, allowed func(*iotv1.ProviderConfig) error) (Connection, error) {
	var pc iotv1.ProviderConfig
	if err := reader.Get(ctx, client.ObjectKey{Name: name}, &pc); err != nil {
		if apierrors.IsNotFound(err) {
			return Connection{}, managed.Wait(iotv1.ReasonProviderNotReady, NotReadyRetry,
				"ProviderConfig %q does not exist: create it, or set spec.providerConfigRef.name", name)
		}
		return Connection{}, err
	}
	if err := allowed(&pc); err != nil {
		return Connection{}, err
	}
	creds, err := LoadCredentials(ctx, secrets, &pc, getenv)
	var credErr *CredentialsError
	if errors.As(err, &credErr) {
		return Connection{}, managed.Wait(iotv1.ReasonProviderNotReady, NotReadyRetry,
			"ProviderConfig %q cannot be used: %s", name, credErr.Message)
	}
	if err != nil {
		return Connection{}, err
	}
	conn := Connection{Region: pc.Spec.Region, Endpoint: pc.Spec.Endpoint, IotInstanceID: pc.Spec.IotInstanceID, Credentials: creds}
	if p := pc.Spec.QuotaSharePercent; p != nil {
		// The schema keeps it within 1–100.
		conn.QuotaShare, _ = aliyun.SharePercent(*p)
	}
	return conn, nil
}

// ClientFactory builds the typed IoT client of a Connection. Every client
// shares the process's HTTP connections and per-AccessKey quota buckets, so
// building one per reconcile costs nothing and rotation needs no restart.
type ClientFactory struct {
	// AllowCustomEndpoints lets a ProviderConfig name an endpoint outside
	// https://*.aliyuncs.com (the operator's --allow-custom-endpoints).
	AllowCustomEndpoints bool
	// Configure, when set, adjusts each client's config (tests use it for
	// short retry backoffs).
	Configure func(*aliyun.Config)
	// Writes, when set, admits each call that changes the platform (the
	// operator's leader-lease guard).
	Writes aliyun.WriteGate
	// UserAgent names this replica in every request (empty: "kiot").
	UserAgent string
	// QuotaShare is the share of every action's documented QPS a client
	// uses when its ProviderConfig gives none (0: aliyun.DefaultQuotaShare).
	QuotaShare float64
}

// New returns a client for conn.
func (f ClientFactory) New(conn Connection) (*iot.Client, error) {
	if err := CheckEndpoint(conn.Endpoint, f.AllowCustomEndpoints); err != nil {
		return nil, managed.Terminal(err)
	}
	cfg := aliyun.Config{
		RegionID:      conn.Region,
		Endpoint:      conn.Endpoint,
		IotInstanceID: conn.IotInstanceID,
		Credentials:   conn.Credentials,
		Writes:        f.Writes,
		UserAgent:     f.UserAgent,
		QuotaShare:    cmp.Or(conn.QuotaShare, f.QuotaShare),
	}
	if f.Configure != nil {
		f.Configure(&cfg)
	}
	api, err := aliyun.NewClient(cfg)
	if err != nil {
		return nil, managed.Terminal(err)
	}
	return iot.New(api), nil
}

// Connector is the managed.Connector of every kind: it resolves the
// resource's ProviderConfig, builds a client, and lets the kind wrap it in
// its External.
type Connector struct {
	Kube client.Reader
	// Secrets reads credential Secrets: a SecretWatch (the operator), or
	// the manager's API reader (nil: Kube).
	Secrets client.Reader
	Getenv  Getenv
	Clients ClientFactory
	// External builds the kind's External for one reconcile.
	External func(conn Connection, api *iot.Client) managed.External
}

// Connect resolves the ProviderConfig and builds the External.
func (c *Connector) Connect(ctx context.Context, obj managed.Object) (managed.External, error) {
	secrets := c.Secrets
	if secrets == nil {
		secrets = c.Kube
	}
	conn, err := Resolve(ctx, c.Kube, secrets, obj.Managed().ProviderConfigName(), obj.GetNamespace(), c.Getenv)
	if err != nil {
		return nil, err
	}
	api, err := c.Clients.New(conn)
	if err != nil {
		return nil, err
	}
	return c.External(conn, api), nil
}
