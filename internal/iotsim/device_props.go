package iotsim

import (
	"cmp"
	"encoding/json"
	"sort"
	"strings"
)

// Device tags ("device properties"): QueryDeviceProp, SaveDeviceProp,
// DeleteDeviceProp (L14870–15366). A device keeps them as the JSON text of
// an object, so a fleet without tags costs nothing.

const (
	maxPropsBytes     = 5 * 1024 // L15062–15088
	maxPropsPerCall   = 100
	maxPropsPerDevice = 100
)

// queryDeviceProp: top-level Props, a JSON object as a string (L14994–14997).
func queryDeviceProp(c *call) (M, *apiError) {
	_, d, e := c.device()
	if e != nil {
		return nil, e
	}
	return M{"Props": cmp.Or(d.Props, "{}")}, nil
}

// saveDeviceProp adds or changes tags (upsert per key, L15086–15088).
func saveDeviceProp(c *call) (M, *apiError) {
	_, d, e := c.device()
	if e != nil {
		return nil, e
	}
	raw := c.str("Props")
	if strings.TrimSpace(raw) == "" {
		return nil, iotError("iot.device.NullDevicePropertiesString")
	}
	if len(raw) > maxPropsBytes {
		return nil, iotError("iot.device.LongDevicePropertiesString")
	}
	set, ok := parseProps(raw)
	if !ok {
		return nil, iotErrorf("iot.device.InvalidFormattedDevicePropertiesString",
			`The format of the device property is invalid: Props must be a JSON object such as {"color":"red"}.`)
	}
	if len(set) > maxPropsPerCall {
		return nil, iotError("iot.device.TooManyDevicePropertiesPerTime")
	}
	for k := range set {
		if !validDevicePropKey(k) {
			return nil, iotErrorf("iot.device.InvalidFormattedDevicePropertyKey", "The device property key %q is invalid.", k)
		}
	}
	merged, _ := parseProps(d.Props)
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range set {
		merged[k] = v
	}
	if len(merged) > maxPropsPerDevice {
		return nil, iotErrorf("iot.device.TooManyDevicePropertiesPerTime", "A device can have at most %d tags.", maxPropsPerDevice)
	}
	d.Props = formatProps(merged)
	d.ModifiedMs = c.nowMs()
	return nil, nil
}

// deleteDeviceProp removes one key; a missing key is a no-op (L15239–15246).
func deleteDeviceProp(c *call) (M, *apiError) {
	_, d, e := c.device()
	if e != nil {
		return nil, e
	}
	key := c.str("PropKey")
	if key == "" {
		return nil, iotError("iot.device.NullDevicePropertyKey")
	}
	props, _ := parseProps(d.Props)
	if _, ok := props[key]; ok {
		delete(props, key)
		d.Props = formatProps(props)
		d.ModifiedMs = c.nowMs()
	}
	return nil, nil
}

// parseProps reads a JSON object whose values are strings or other scalars
// (kept as their JSON text).
func parseProps(raw string) (map[string]string, bool) {
	if raw == "" {
		return map[string]string{}, true
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		return nil, false
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		t := strings.TrimSpace(string(v))
		if t == "" || t[0] == '{' || t[0] == '[' || t == "null" {
			return nil, false
		}
		out[k] = t
	}
	return out, true
}

func formatProps(props map[string]string) string {
	if len(props) == 0 {
		return ""
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(props[k])
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.String()
}
