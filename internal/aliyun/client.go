package aliyun

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// Client makes signed, paced and retried calls to the IoT Platform RPC API
// for one account, region and instance. It is safe for concurrent use.
type Client struct {
	cfg      Config
	scrubber *strings.Replacer
}

// NewClient checks cfg and fills its defaults.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("IoT Platform client: %w", err)
	}
	cfg = cfg.withDefaults()
	return &Client{cfg: cfg, scrubber: newScrubber(cfg.Credentials)}, nil
}

// RegionID is the region the client calls unless an operation pins another.
func (c *Client) RegionID() string { return c.cfg.RegionID }

// IotInstanceID is the instance the client addresses, or "" for the public
// instance of its region.
func (c *Client) IotInstanceID() string { return c.cfg.IotInstanceID }

// Do sends req and decodes a successful answer into out (which may be nil).
//
// Before each attempt it waits for the action's quota token; a throttled
// answer, or a transient failure of a call that is safe to repeat, is retried
// per the RetryPolicy. Every attempt is bounded by the context and by
// Config.AttemptTimeout. Failures are *Error, or the context's error wrapped
// when the caller gave up while waiting.
func (c *Client) Do(ctx context.Context, req Request, out any) error {
	if req.Action == "" {
		return errors.New("IoT Platform call without an action")
	}
	log := logf.FromContext(ctx).WithValues("action", req.Action)
	offset := pageOffset(req.Params)
	for attempt := 1; ; attempt++ {
		waited, err := c.cfg.Quotas.wait(ctx, c.cfg.Clock, c.cfg.Credentials.AccessKeyID, req.Action, offset, c.cfg.QuotaShare)
		quotaWait.WithLabelValues(req.Action).Observe(waited.Seconds())
		if err != nil {
			return fmt.Errorf("IoT Platform %s: waiting for quota: %w", req.Action, err)
		}

		// Asked after the quota wait, just before the request leaves: a
		// replica that lost its lease while waiting sends nothing.
		window, err := c.writeWindow(req)
		if err != nil {
			return err
		}
		start := c.cfg.Clock.Now()
		err = c.attempt(ctx, req, out, window)
		observeAttempt(req.Action, err, c.cfg.Clock.Since(start))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !c.cfg.Retry.shouldRetry(err, req, attempt) {
			return err
		}
		delay := c.cfg.Retry.Backoff(attempt)
		log.V(1).Info("Retrying IoT Platform call", "attempt", attempt, "class", ClassOf(err).String(),
			"code", ErrorCode(err), "requestId", requestID(err), "delay", delay)
		apiRetries.WithLabelValues(req.Action).Inc()
		if sleep(ctx, c.cfg.Clock, delay) != nil {
			return err
		}
	}
}

// attempt is one HTTP exchange, bounded by AttemptTimeout and, for a
// write, by the lease's window (when not zero).
func (c *Client) attempt(ctx context.Context, req Request, out any, window time.Duration) error {
	timeout := c.cfg.AttemptTimeout
	if window > 0 {
		timeout = min(timeout, window)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	payload := c.sign(req)
	base := c.cfg.endpointFor(payload.region) + "/"
	var httpReq *http.Request
	var err error
	if payload.method == http.MethodPost {
		httpReq, err = http.NewRequestWithContext(ctx, http.MethodPost, base, strings.NewReader(payload.encoded))
		if err == nil {
			httpReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		httpReq, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"?"+payload.encoded, nil)
	}
	if err != nil {
		// Only a malformed endpoint gets here, and validate refused those.
		return &Error{Action: req.Action, Message: "building the request failed", class: ClassTerminal}
	}
	httpReq.Header.Set("Accept", "application/json")
	httpReq.Header.Set("User-Agent", c.cfg.UserAgent)

	resp, err := c.cfg.HTTPClient.Do(httpReq)
	if err != nil {
		return c.transportError(req.Action, 0, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := readBounded(resp.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		return c.transportError(req.Action, resp.StatusCode, err)
	}
	return c.decodeAnswer(req.Action, resp.StatusCode, body, out)
}

// transportError reports a failure below the API: the *url.Error that
// net/http returns quotes the whole signed URL, so only its cause is kept.
func (c *Client) transportError(action string, status int, err error) *Error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	class := ClassRetryable
	var oversize *oversizeError
	if errors.As(err, &oversize) {
		class = ClassUnknown
	}
	return &Error{
		Action:     action,
		HTTPStatus: status,
		Message:    c.scrub(err.Error()),
		class:      class,
		cause:      err,
	}
}

func requestID(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.RequestID
	}
	return ""
}
