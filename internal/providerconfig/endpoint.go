package providerconfig

import (
	"fmt"
	"net/url"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// CheckEndpoint refuses a ProviderConfig endpoint Kiot would send signed
// requests (and the AccessKey's signatures) to, unless it is an Alibaba
// Cloud host over HTTPS, or the operator was started to allow others
// (--allow-custom-endpoints: the simulator, a proxy). An empty endpoint is
// the region's own and always allowed.
func CheckEndpoint(endpoint string, allowCustom bool) error {
	if endpoint == "" || allowCustom {
		return nil
	}
	u, err := url.Parse(endpoint)
	if err == nil && u.Scheme == "https" && aliyun.IsAlibabaCloudHost(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("endpoint %q is not an https://*.%s host; the operator uses other endpoints only when started with --allow-custom-endpoints",
		endpoint, aliyun.AlibabaCloudDomain)
}
