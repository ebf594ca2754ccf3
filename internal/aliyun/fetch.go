package aliyun

import (
	"context"
	"net/http"
	"net/url"
)

// DefaultMaxFileBytes bounds a fetched result file. A distribution of the
// maximum 10,000 devices (003:L43) at ~150 bytes per result is ~1.5 MiB.
const DefaultMaxFileBytes = 16 << 20

// FetchFile downloads a file the platform handed out by URL, such as the
// result of a distribution job (QueryDeviceDistributeDetail's File, valid
// for 10 minutes, 003:L18–22). The URL carries its own authorisation, so
// the request is not signed; it is bounded like any call, and failures never
// quote the URL (it is a bearer credential while it lives). A failure is
// retryable: asking the platform for a fresh URL cures an expired one.
func (c *Client) FetchFile(ctx context.Context, action, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Action: action, Message: "the platform returned a file location that is not an http(s) URL", class: ClassUnknown}
	}
	if !c.fileHostAllowed(u) {
		return nil, &Error{Action: action, class: ClassUnknown,
			Message: "not fetching a file from " + u.Scheme + "://" + u.Host + ": neither an https://*." + AlibabaCloudDomain + " host nor the configured endpoint's"}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{Action: action, Message: "building the file request failed", class: ClassUnknown}
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, c.transportError(action, 0, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Action: action, HTTPStatus: resp.StatusCode,
			Message: "fetching the file from " + u.Host + " failed (the link may have expired)", class: ClassRetryable}
	}
	body, err := readBounded(resp.Body, DefaultMaxFileBytes)
	if err != nil {
		return nil, c.transportError(action, resp.StatusCode, err)
	}
	return body, nil
}
