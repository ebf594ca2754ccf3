package iotsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("admin_p")
	e.device(pk, "admin-1")

	resp, err := http.Get(e.srv.URL + "/_sim/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err, resp.StatusCode)
	}
	resp.Body.Close()

	body := `{"productKey":"` + pk + `","deviceName":"admin-1","status":"ONLINE"}`
	resp, _ = http.Post(e.srv.URL+"/_sim/devices/status", "application/json", bytes.NewBufferString(body))
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	resp, _ = http.Post(e.srv.URL+"/_sim/devices/status", "application/json", bytes.NewBufferString(`{"productKey":"x","deviceName":"y","status":"ONLINE"}`))
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatal(resp.StatusCode)
	}

	resp, _ = http.Get(e.srv.URL + "/_sim/state")
	var st State
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st.Products) != 1 || len(st.Devices) != 1 || st.Devices[0].Connection != "ONLINE" || st.Devices[0].DeviceSecret == "" ||
		st.Calls["CreateProduct"] != 1 || st.Calls["RegisterDevice"] != 1 {
		t.Fatalf("%+v", st)
	}

	resp, _ = http.Post(e.srv.URL+"/_sim/reset", "application/json", nil)
	resp.Body.Close()
	if st := e.sim.Snapshot(); len(st.Products) != 0 || len(st.Calls) != 0 {
		t.Fatalf("%+v", st)
	}
	resp, _ = http.Get(e.srv.URL + "/_sim/nope")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatal(resp.StatusCode)
	}
}
