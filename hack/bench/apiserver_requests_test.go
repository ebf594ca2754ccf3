package main

import (
	"maps"
	"testing"
)

func TestParseRequestTotalsSumsByVerbAndResource(t *testing.T) {
	exposition := []byte(`# HELP apiserver_request_total [STABLE] Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="secrets",scope="resource",subresource="",verb="POST",version="v1"} 10
apiserver_request_total{code="409",component="apiserver",dry_run="",group="",resource="secrets",scope="resource",subresource="",verb="POST",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="iot.kiot.dev",resource="devices",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="iot.kiot.dev",resource="devices",scope="namespace",subresource="",verb="LIST",version="v1alpha1"} 3
apiserver_request_total{code="0",component="apiserver",dry_run="",group="iot.kiot.dev",resource="devices",scope="namespace",subresource="",verb="WATCH",version="v1alpha1"} 4
apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version=""} 9
apiserver_request_duration_seconds_count{verb="POST",resource="secrets"} 99
`)
	got := parseRequestTotals(exposition)
	want := map[string]int64{"POST secrets": 12, "PATCH devices/status": 7, "LIST devices": 3}
	if !maps.Equal(got, want) {
		t.Fatalf("parseRequestTotals = %v, want %v (watches and non-resource paths left out)", got, want)
	}
	if w := writesOnly(got); !maps.Equal(w, map[string]int64{"POST secrets": 12, "PATCH devices/status": 7}) {
		t.Errorf("writesOnly = %v", w)
	}
	if r := readsOnly(got); !maps.Equal(r, map[string]int64{"LIST devices": 3}) {
		t.Errorf("readsOnly = %v", r)
	}
	if requestsSince(nil, got) != nil {
		t.Error("requestsSince with a missing snapshot must be nil, so the row is left out")
	}
}
