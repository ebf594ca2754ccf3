package iotsim

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxFormBytes bounds a form body. The largest documented call, 10,000
// DeviceName.N of up to 32 characters (003 L40–92, L13445), encodes to about
// 500 KB.
const maxFormBytes = 4 << 20

// requestParams merges the query string and a form body, as the official
// SDKs split a POST's parameters between them. It parses them itself:
// net/url stops at 10,000 parameters (Go's urlmaxqueryparams), and the
// platform takes 10,000 DeviceName.N plus the common parameters in one call.
func requestParams(r *http.Request) (url.Values, error) {
	params := url.Values{}
	if err := parseInto(params, r.URL.RawQuery); err != nil {
		return nil, fmt.Errorf("query string: %w", err)
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return params, nil
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		return params, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if err != nil {
		return nil, fmt.Errorf("form body: %w", err)
	}
	if len(body) > maxFormBytes {
		return nil, fmt.Errorf("form body exceeds %d bytes", maxFormBytes)
	}
	if err := parseInto(params, string(body)); err != nil {
		return nil, fmt.Errorf("form body: %w", err)
	}
	return params, nil
}

// parseInto adds the pairs of an application/x-www-form-urlencoded string.
func parseInto(params url.Values, encoded string) error {
	for encoded != "" {
		var pair string
		pair, encoded, _ = strings.Cut(encoded, "&")
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return err
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return err
		}
		params[key] = append(params[key], value)
	}
	return nil
}
