package iot

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
)

// DistributeResult is one device's outcome in a job's result file.
type DistributeResult struct {
	ProductKey string
	DeviceName string
	// Code is 200 for a distributed device (003:L22–24); otherwise the
	// platform's reason, a number or a code string.
	Code    FlexString
	Message string
}

// Distributed reports whether the device reached its target.
func (r DistributeResult) Distributed() bool { return r.Code == "200" }

// QueryDeviceDistributeDetail returns the location of a finished job's
// result file (L2824). The URL is valid for 10 minutes and is a bearer
// credential while it lives: do not log or store it. Most callers want
// DeviceDistributeResults, which also fetches and parses the file.
func (c *Client) QueryDeviceDistributeDetail(ctx context.Context, jobID string) (fileURL string, err error) {
	if err := checkJobID("QueryDeviceDistributeDetail", jobID); err != nil {
		return "", err
	}
	var out struct {
		File string
		Data struct{ File string }
	}
	if err := c.call(ctx, "QueryDeviceDistributeDetail", params{}.set("JobId", jobID).values(), &out); err != nil {
		return "", err
	}
	// Top level as the SDKs have it; Data.File tolerated in case of wrapping.
	fileURL = cmp.Or(out.File, out.Data.File)
	if fileURL == "" {
		return "", &InvalidAnswerError{Action: "QueryDeviceDistributeDetail", Problem: "no File in a successful answer"}
	}
	return fileURL, nil
}

// DeviceDistributeResults fetches and parses the per-device results of a
// finished job. A failure to fetch (an expired link, say) is retryable: a
// new call asks for a fresh link.
func (c *Client) DeviceDistributeResults(ctx context.Context, jobID string) ([]DistributeResult, error) {
	fileURL, err := c.QueryDeviceDistributeDetail(ctx, jobID)
	if err != nil {
		return nil, err
	}
	body, err := c.api.FetchFile(ctx, "QueryDeviceDistributeDetail", fileURL)
	if err != nil {
		return nil, err
	}
	results, err := ParseDistributeResults(body)
	if err != nil {
		return nil, &InvalidAnswerError{Action: "QueryDeviceDistributeDetail", Problem: "result file: " + err.Error()}
	}
	return results, nil
}

// ParseDistributeResults reads a result file. Its format is undocumented;
// it is read as {"items":[{ProductKey, DeviceName, Code, Message}, ...]},
// also accepting a bare array and string or numeric codes.
func ParseDistributeResults(body []byte) ([]DistributeResult, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var items OneOrMany[DistributeResult]
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, errNotResultFile
		}
		return items, nil
	}
	var file struct {
		Items *OneOrMany[DistributeResult] `json:"items"`
	}
	if err := json.Unmarshal(body, &file); err != nil || file.Items == nil {
		return nil, errNotResultFile
	}
	return *file.Items, nil
}

var errNotResultFile = &resultFileError{}

type resultFileError struct{}

func (*resultFileError) Error() string {
	return `not a list of results ({"items":[...]} or [...])`
}
