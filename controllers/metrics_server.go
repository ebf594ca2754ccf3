package controllers

import (
	"crypto/tls"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics endpoint asks the API server who a caller is (TokenReview)
// and whether it may GET /metrics (SubjectAccessReview): a scraper needs
// the kiot-metrics-reader ClusterRole (config/rbac), nothing of Kiot's own.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// metricsServerOptions say how the manager serves /metrics: by default over
// HTTPS, each request authenticated and authorized by the API server, as
// kubebuilder scaffolds it. The metrics name resources' kinds and platform
// error codes only, but they still tell an outsider what runs and how it
// fares, and an unauthenticated endpoint invites scraping floods.
func metricsServerOptions(o ManagerOptions) metricsserver.Options {
	opts := metricsserver.Options{BindAddress: o.MetricsAddr}
	if !o.MetricsSecure {
		return opts
	}
	opts.SecureServing = true
	opts.FilterProvider = filters.WithAuthenticationAndAuthorization
	opts.CertDir = o.MetricsCertDir
	// HTTP/1.1 only: HTTP/2's stream handling has had denial-of-service
	// flaws (Rapid Reset, CVE-2023-44487) and a scraper gains nothing
	// from it.
	opts.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
	return opts
}
