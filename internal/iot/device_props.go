package iot

import (
	"context"
	"encoding/json"
)

// Device properties ("device tags") limits (L15062–15088).
const (
	maxPropsBytes   = 5 * 1024
	maxPropsPerCall = 100
)

// SaveDeviceProp adds or changes device tags; keys not named are kept
// (L15039–15215).
func (c *Client) SaveDeviceProp(ctx context.Context, ref DeviceRef, props map[string]string) error {
	ch := check("SaveDeviceProp")
	ref.check(ch)
	ch.count("Props", len(props), 1, maxPropsPerCall, "004 L15062–15088")
	encoded, err := json.Marshal(props)
	if err != nil {
		return err // a map of strings always encodes
	}
	if len(encoded) > maxPropsBytes {
		ch.fail("Props is %d bytes of JSON, more than 5 KB (004 L15062–15088)", len(encoded))
	}
	if err := ch.err(); err != nil {
		return err
	}
	return c.call(ctx, "SaveDeviceProp", ref.addTo(params{}).set("Props", string(encoded)).values(), nil)
}

// QueryDeviceProp reads a device's tags (L14870–15038). The platform sends
// them as a JSON object inside a string.
func (c *Client) QueryDeviceProp(ctx context.Context, ref DeviceRef) (map[string]string, error) {
	var out struct{ Props string }
	if err := c.deviceCall(ctx, "QueryDeviceProp", ref, &out); err != nil {
		return nil, err
	}
	props := map[string]string{}
	if out.Props == "" || out.Props == "null" {
		return props, nil
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out.Props), &raw); err != nil {
		return nil, &InvalidAnswerError{Action: "QueryDeviceProp", Problem: "Props is not a JSON object"}
	}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			props[k] = s
		} else {
			b, _ := json.Marshal(v)
			props[k] = string(b)
		}
	}
	return props, nil
}

// DeleteDeviceProp removes one tag; a missing key is not an error
// (L15239–15246).
func (c *Client) DeleteDeviceProp(ctx context.Context, ref DeviceRef, key string) error {
	ch := check("DeleteDeviceProp")
	ref.check(ch)
	ch.required("PropKey", key)
	if err := ch.err(); err != nil {
		return err
	}
	return c.call(ctx, "DeleteDeviceProp", ref.addTo(params{}).set("PropKey", key).values(), nil)
}
