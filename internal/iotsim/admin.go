package iotsim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The simulator's own endpoints, beside the API:
//
//	GET  /_sim/healthz          200 {"status":"ok"}
//	GET  /_sim/state            the State as JSON (secrets included)
//	GET  /_sim/faults           the current Faults
//	POST /_sim/faults           replace the Faults (JSON body; {} clears)
//	POST /_sim/reset            empty the cloud, counters, faults
//	POST /_sim/devices/status   {"productKey","deviceName","status":"ONLINE"|"OFFLINE","instanceId"?}
//	GET  /_sim/files/<token>    a distribution result file
//
// They need no signature: the simulator is a local development tool.
func (s *Simulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/_sim/healthz":
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case path == "/_sim/state" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Snapshot())
	case path == "/_sim/faults" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Faults())
	case path == "/_sim/faults" && r.Method == http.MethodPost:
		var f Faults
		if !readJSON(w, r, &f) {
			return
		}
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, s.Faults())
	case path == "/_sim/reset" && r.Method == http.MethodPost:
		s.Reset()
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	case path == "/_sim/devices/status" && r.Method == http.MethodPost:
		var req struct {
			InstanceID string `json:"instanceId"`
			ProductKey string `json:"productKey"`
			DeviceName string `json:"deviceName"`
			Status     string `json:"status"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		if err := s.SetDeviceStatusIn(req.InstanceID, req.ProductKey, req.DeviceName, req.Status); err != nil {
			status := http.StatusNotFound
			if req.Status != "ONLINE" && req.Status != "OFFLINE" {
				status = http.StatusBadRequest
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, req)
	case strings.HasPrefix(path, "/_sim/files/") && r.Method == http.MethodGet:
		s.serveFile(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint: " + r.Method + " " + path})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return false
	}
	return true
}
