package iotsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("faulty_1")

	t.Run("5xx on one action", func(t *testing.T) {
		e.sim.SetFaults(Faults{Actions: map[string]ActionFault{"QueryProduct": {ErrorRate: 1, HTTPStatus: 503}}})
		defer e.sim.SetFaults(Faults{})
		wantErr(t, e.call("QueryProduct", map[string]string{"ProductKey": pk}), 503, "ServiceUnavailable")
		e.must("ListProductTags", map[string]string{"ProductKey": pk}) // other actions unaffected
	})
	t.Run("operation-shaped error for the next N calls", func(t *testing.T) {
		e.sim.SetFaults(Faults{Actions: map[string]ActionFault{"*": {ErrorRate: 1, Count: 2, HTTPStatus: 200, Code: "iot.system.SystemException"}}})
		defer e.sim.SetFaults(Faults{})
		wantErr(t, e.call("QueryProduct", map[string]string{"ProductKey": pk}), 200, "iot.system.SystemException")
		wantErr(t, e.call("QueryProduct", map[string]string{"ProductKey": pk}), 200, "iot.system.SystemException")
		e.must("QueryProduct", map[string]string{"ProductKey": pk})
	})
	t.Run("an answer lost after the action took effect", func(t *testing.T) {
		e.sim.SetFaults(Faults{Actions: map[string]ActionFault{"RegisterDevice": {ErrorRate: 1, Count: 1, HTTPStatus: 504, AfterEffect: true}}})
		defer e.sim.SetFaults(Faults{})
		wantErr(t, e.call("RegisterDevice", map[string]string{"ProductKey": pk, "DeviceName": "lost-answer"}), 504, "InternalError")
		e.must("QueryDeviceInfo", map[string]string{"ProductKey": pk, "DeviceName": "lost-answer"})
	})
	t.Run("an answer held after the action took effect", func(t *testing.T) {
		e.sim.SetFaults(Faults{Actions: map[string]ActionFault{"RegisterDevice": {AnswerDelay: Duration(time.Second)}}})
		defer e.sim.SetFaults(Faults{})
		answered := make(chan response, 1)
		go func() {
			answered <- e.call("RegisterDevice", map[string]string{"ProductKey": pk, "DeviceName": "slow-answer"})
		}()
		// The device exists while its registration is still unanswered.
		deadline := time.Now().Add(5 * time.Second)
		for !e.call("QueryDeviceInfo", map[string]string{"ProductKey": pk, "DeviceName": "slow-answer"}).success() {
			if time.Now().After(deadline) {
				t.Fatal("the held registration never took effect")
			}
			time.Sleep(10 * time.Millisecond)
		}
		select {
		case r := <-answered:
			t.Fatalf("answered before the delay: %s", r.raw)
		default:
		}
		if r := <-answered; !r.success() {
			t.Fatalf("the held answer: HTTP %d %s", r.status, r.raw)
		}
	})
	t.Run("forced throttling", func(t *testing.T) {
		e.sim.SetFaults(Faults{Actions: map[string]ActionFault{"QueryProduct": {Throttle: true}}})
		defer e.sim.SetFaults(Faults{})
		wantErr(t, e.call("QueryProduct", map[string]string{"ProductKey": pk}), 400, "Throttling.User")
	})
	t.Run("latency", func(t *testing.T) {
		e.sim.SetFaults(Faults{Actions: map[string]ActionFault{"QueryProduct": {Latency: Duration(30 * time.Millisecond)}}})
		defer e.sim.SetFaults(Faults{})
		start := time.Now()
		e.must("QueryProduct", map[string]string{"ProductKey": pk})
		if time.Since(start) < 30*time.Millisecond {
			t.Fatal("latency not added")
		}
	})
	t.Run("over HTTP", func(t *testing.T) {
		body := `{"actions":{"QueryProduct":{"errorRate":1,"httpStatus":500,"latency":"1ms"}}}`
		resp, err := http.Post(e.srv.URL+"/_sim/faults", "application/json", bytes.NewBufferString(body))
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(err, resp.StatusCode)
		}
		var got Faults
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if got.Actions["QueryProduct"].Latency != Duration(time.Millisecond) {
			t.Fatalf("faults echo: %+v", got)
		}
		wantErr(t, e.call("QueryProduct", map[string]string{"ProductKey": pk}), 500, "InternalError")
		resp, _ = http.Post(e.srv.URL+"/_sim/faults", "application/json", bytes.NewBufferString(`{}`))
		resp.Body.Close()
		e.must("QueryProduct", map[string]string{"ProductKey": pk})
	})
}
