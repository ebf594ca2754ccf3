package aliyun

import (
	"net/url"
	"strings"
)

// AlibabaCloudDomain is the domain of the platform's endpoints
// (iot.<region>.aliyuncs.com) and of the hosts that serve its files.
const AlibabaCloudDomain = "aliyuncs.com"

// IsAlibabaCloudHost reports a host of Alibaba Cloud's domain.
func IsAlibabaCloudHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == AlibabaCloudDomain || strings.HasSuffix(host, "."+AlibabaCloudDomain)
}

// fileHostAllowed says whether Kiot fetches a file the platform handed out
// at u: over HTTPS from Alibaba Cloud's domain (where the platform serves
// files), or from the configured endpoint's own host (the simulator, a
// proxy the operator was told to use). An answer cannot send Kiot anywhere
// else, such as an address inside the cluster.
func (c *Client) fileHostAllowed(u *url.URL) bool {
	if u.Scheme == "https" && IsAlibabaCloudHost(u.Hostname()) {
		return true
	}
	if c.cfg.Endpoint == "" {
		return false
	}
	endpoint, err := url.Parse(c.cfg.Endpoint)
	return err == nil && endpoint.Scheme == u.Scheme && strings.EqualFold(endpoint.Host, u.Host)
}
