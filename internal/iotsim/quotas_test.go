package iotsim

import (
	"net/http"
	"testing"
	"time"
)

// A burst well above an action's QPS, sent faster than a second, is mostly
// refused: the bucket holds QPS tokens and refills at QPS per second. The
// assertions bound the counts rather than time anything.
func TestQuotaRefusesABurstAboveTheDocumentedQPS(t *testing.T) {
	e := newEnv(t, Options{Quotas: true})
	const burst = 30
	ok, throttled := 0, 0
	for range burst {
		r := e.call("QueryDeviceDistributeJob", map[string]string{"JobId": "none"}) // 10 QPS (002 L6)
		switch {
		case r.status == http.StatusBadRequest && r.code() == "Throttling.User":
			if r.str("Message") != "Request was denied due to user flow control." {
				t.Fatal(r.raw)
			}
			throttled++
		case r.status == http.StatusOK:
			ok++
		default:
			t.Fatalf("unexpected %s", r.raw)
		}
	}
	// At most the burst of 10 plus what refilled while the loop ran.
	if ok < 10 || throttled < burst-20 {
		t.Fatalf("%d accepted, %d throttled of %d", ok, throttled, burst)
	}
	if got := e.sim.Throttled("QueryDeviceDistributeJob"); got != int64(throttled) {
		t.Fatalf("throttle counter %d, want %d", got, throttled)
	}
	if got := e.sim.Calls("QueryDeviceDistributeJob"); got != burst {
		t.Fatalf("call counter %d, want %d", got, burst)
	}
}

func TestQuotaIsPerAccount(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLimiter()
	for range 5 { // BatchQueryDeviceDetail: 5 QPS (L11778)
		if !l.allow("uid-1", "BatchQueryDeviceDetail", 0, now) {
			t.Fatal("refused within the quota")
		}
	}
	if l.allow("uid-1", "BatchQueryDeviceDetail", 0, now) {
		t.Fatal("the 6th call in the same instant passed")
	}
	if !l.allow("uid-2", "BatchQueryDeviceDetail", 0, now) {
		t.Fatal("another account shares the bucket")
	}
	if !l.allow("uid-1", "QueryDeviceInfo", 0, now) {
		t.Fatal("another action shares the bucket")
	}
	if !l.allow("uid-1", "BatchQueryDeviceDetail", 0, now.Add(200*time.Millisecond)) {
		t.Fatal("no refill after 1/QPS seconds")
	}
	// Deep pages of QueryDevice: 2 QPS (L12068–12075).
	if !l.allow("uid-1", "QueryDevice", 100000, now) || !l.allow("uid-1", "QueryDevice", 100000, now) || l.allow("uid-1", "QueryDevice", 100000, now) {
		t.Fatal("deep-page quota is not 2")
	}
}

func TestKeysOfOneAccountShareItsQuota(t *testing.T) {
	second := AccessKey{ID: "ram-user", Secret: "ram-secret", UID: DefaultUID}
	e := newEnv(t, Options{Quotas: true, AccessKeys: []AccessKey{DefaultAccessKey, second}})
	throttled := 0
	for i := range 40 {
		key := DefaultAccessKey
		if i%2 == 1 {
			key = second
		}
		v := signed(key, "GET", e.region, map[string]string{"Action": "BatchQueryDeviceDetail", "ProductKey": "x", "DeviceName.1": "dev1"})
		if r := e.send(http.MethodGet, v); r.code() == "Throttling.User" {
			throttled++
		}
	}
	if throttled < 20 {
		t.Fatalf("only %d of 40 calls throttled at 5 QPS shared by two keys", throttled)
	}
}

func TestQuotasOffLiftsFlowControl(t *testing.T) {
	e := newEnv(t, Options{Quotas: false})
	for range 50 {
		if r := e.call("BatchQueryDeviceDetail", map[string]string{"ProductKey": "x", "DeviceName.1": "dev1"}); r.code() == "Throttling.User" {
			t.Fatal("throttled with quotas off")
		}
	}
}
