package iotsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// M is a response object. Arrays keep the platform's XML-derived wrappers in
// JSON too: a list is a key whose value is a slice, inside a wrapper object,
// e.g. {"Data":{"DeviceInfo":[...]}} (API-DIGEST §3). The same M renders as
// XML with each slice element repeated under its key.
type M = map[string]any

// wantsXML reports whether the response is XML: Format defaults to XML
// (004 L3263–3266), so only an explicit JSON answers JSON.
func wantsXML(format string) bool { return !strings.EqualFold(format, "JSON") }

// writeSuccess writes {RequestId, Success:true, ...body}.
func writeSuccess(w http.ResponseWriter, xml bool, action, requestID string, body M) {
	if body == nil {
		body = M{}
	}
	body["RequestId"] = requestID
	if _, ok := body["Success"]; !ok {
		body["Success"] = true
	}
	write(w, http.StatusOK, xml, action+"Response", body)
}

// writeError writes a refusal in its shape; XML errors have the root <Error>
// (004 L3397–3403) for both shapes.
func writeError(w http.ResponseWriter, xml bool, requestID string, e *apiError) {
	var body M
	const root = "Error"
	if e.gateway {
		body = M{"RequestId": requestID, "Code": e.code, "Message": e.message}
	} else {
		body = M{"RequestId": requestID, "Success": false, "Code": e.code, "ErrorMessage": e.message}
		for k, v := range e.extra {
			body[k] = v
		}
	}
	write(w, e.status, xml, root, body)
}

func write(w http.ResponseWriter, status int, asXML bool, root string, body M) {
	var buf bytes.Buffer
	if asXML {
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		buf.WriteString(`<?xml version='1.0' encoding='UTF-8'?>`)
		encodeXML(&buf, root, body)
	} else {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(body)
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
