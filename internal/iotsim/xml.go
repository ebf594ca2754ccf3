package iotsim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
)

// encodeXML renders v under the element name. Objects become child elements
// in key order, slices repeat the element once per item (the platform's XML,
// of which the JSON wrappers are the image), scalars become text.
func encodeXML(buf *bytes.Buffer, name string, v any) {
	switch t := v.(type) {
	case M:
		open(buf, name)
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			encodeXML(buf, k, t[k])
		}
		closeTag(buf, name)
	case []M:
		for _, item := range t {
			encodeXML(buf, name, item)
		}
	case []string:
		for _, item := range t {
			encodeXML(buf, name, item)
		}
	case []any:
		for _, item := range t {
			encodeXML(buf, name, item)
		}
	case nil:
		open(buf, name)
		closeTag(buf, name)
	default:
		open(buf, name)
		_ = xml.EscapeText(buf, []byte(scalar(t)))
		closeTag(buf, name)
	}
}

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	default:
		return fmt.Sprint(t)
	}
}

func open(buf *bytes.Buffer, name string) {
	buf.WriteByte('<')
	buf.WriteString(name)
	buf.WriteByte('>')
}

func closeTag(buf *bytes.Buffer, name string) {
	buf.WriteString("</")
	buf.WriteString(name)
	buf.WriteByte('>')
}
