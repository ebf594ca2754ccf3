package iotsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The result file of a finished job (QueryDeviceDistributeDetail), served
// by the simulator itself at a URL on the request's own host, valid for
// Timing.ResultURLTTL (10 minutes on the platform, 003 L18–22), like a
// pre-signed OSS URL.

// queryDeviceDistributeDetail answers File, the URL of the result file.
func queryDeviceDistributeDetail(c *call) (M, *apiError) {
	j, e := c.job()
	if e != nil {
		return nil, e
	}
	if !jobFinished(c.s.jobStatus(j, c.nowMs())) {
		return nil, iotError("iot.provisioning.TaskNotFinish")
	}
	body, _ := json.Marshal(struct {
		Items []JobResult `json:"items"`
	}{Items: append([]JobResult{}, j.Results...)})
	expires := c.now.Add(c.s.timing.ResultURLTTL)
	if c.s.faults.takeExpiredResultFile() {
		expires = c.now.Add(-time.Second)
	}
	token := c.s.files.put(body, expires, c.now)
	scheme := "http"
	if c.tls {
		scheme = "https"
	}
	url := scheme + "://" + c.host + "/_sim/files/" + token + "?Expires=" + strconv.FormatInt(expires.Unix(), 10)
	return M{"File": url}, nil
}

// resultFiles holds the issued files until they expire.
type resultFiles struct {
	mu    sync.Mutex
	files map[string]resultFile
}

type resultFile struct {
	body    []byte
	expires time.Time
}

func newResultFiles() *resultFiles { return &resultFiles{files: map[string]resultFile{}} }

func (f *resultFiles) put(body []byte, expires, now time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for t, rf := range f.files { // few files live at once; drop the expired
		if now.After(rf.expires) {
			delete(f.files, t)
		}
	}
	token := randString(32)
	f.files[token] = resultFile{body: body, expires: expires}
	return token
}

// serveFile answers GET /_sim/files/<token>. An expired URL answers 403
// AccessDenied "Request has expired.", as OSS does for a pre-signed URL
// past its Expires.
func (s *Simulator) serveFile(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.URL.Path, "/_sim/files/")
	now := s.now()
	s.files.mu.Lock()
	rf, ok := s.files.files[token]
	s.files.mu.Unlock()
	expiredByURL := false
	if exp, err := strconv.ParseInt(r.URL.Query().Get("Expires"), 10, 64); err == nil && now.Unix() > exp {
		expiredByURL = true
	}
	switch {
	case expiredByURL || (ok && now.After(rf.expires)):
		ossError(w, http.StatusForbidden, "AccessDenied", "Request has expired.")
	case !ok:
		ossError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(rf.body)
	}
}

func ossError(w http.ResponseWriter, status int, code, message string) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	encodeXML(&buf, "Error", M{"Code": code, "Message": message, "RequestId": newRequestID(), "HostId": "iot-sim"})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
