package main

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// apiRequests counts what the API server served, by "VERB resource[/sub]",
// from its own apiserver_request_total. The issue asks how many
// Kubernetes writes a Device costs; the server's counter answers for every
// client at once (the benchmark's creates included), with no guess about
// what the operator does.
type apiRequests struct {
	cs kubernetes.Interface
}

func newAPIRequests(cfg *rest.Config) (*apiRequests, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &apiRequests{cs: cs}, nil
}

// snapshot is the counter now; nil when the server could not be read (the
// row is then left out rather than shown wrong).
func (a *apiRequests) snapshot(ctx context.Context) map[string]int64 {
	raw, err := a.cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil
	}
	return parseRequestTotals(raw)
}

// parseRequestTotals sums apiserver_request_total over codes, scopes and
// versions. Watches are left out: they are open streams, not requests
// that each cost a write or a read.
func parseRequestTotals(exposition []byte) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(exposition))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "apiserver_request_total{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		l := parseLabels(labels)
		if l["verb"] == "WATCH" || l["resource"] == "" {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		key := l["verb"] + " " + l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[key] += int64(n)
	}
	return out
}

// parseLabels reads `a="x",b="y"`; the API server's label values here
// hold no quotes or commas.
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if ok {
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}

// isWrite says whether a verb changes something.
func isWrite(key string) bool {
	verb, _, _ := strings.Cut(key, " ")
	switch verb {
	case "POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION":
		return true
	}
	return false
}

// writesOnly keeps the requests that change something.
func writesOnly(m map[string]int64) map[string]int64 { return keep(m, isWrite) }

// readsOnly keeps the others (GET, LIST).
func readsOnly(m map[string]int64) map[string]int64 {
	return keep(m, func(key string) bool { return !isWrite(key) })
}

func keep(m map[string]int64, want func(string) bool) map[string]int64 {
	out := map[string]int64{}
	for k, n := range m {
		if want(k) {
			out[k] = n
		}
	}
	return out
}

// requestsSince is what was served between two snapshots; nil when either
// is missing.
func requestsSince(before, after map[string]int64) map[string]int64 {
	if before == nil || after == nil {
		return nil
	}
	return diff(before, after)
}
