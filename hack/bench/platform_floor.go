package main

import (
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// The platform floor is the least time any schedule of the documented
// operations could take to register n devices (and write their
// properties), counted from the last create, given the batch duration in
// force and Kiot's share of each action's documented QPS:
//
//	registration(n) = min over k of max(k / R, T + ⌈(n−k)/50⌉ / P)
//
// where k names go to RegisterDevice at R = 30 × share per second, the
// other n−k to one batch per 10,000 names that takes T (the simulator's
// CHECK plus CREATE phases) and then QueryPageByApplyId, 50 devices a page
// at P = 50 × share pages a second, for their IotIds and secrets
// (BatchCheckDeviceNames and the status polls are a few calls and left
// out). With properties every device needs one SaveDeviceProp as well, at
// S = 50 × share, once registered:
//
//	withProperties(n) = max(registration(n), n / S)
//
// A floor that starts at the last create ignores what can be done while
// the creates arrive, so the comparison adds the create span.
type platformFloor struct {
	// batch is T.
	batch time.Duration
	share float64
}

// registration is registration(n) above.
func (f platformFloor) registration(n int) time.Duration {
	direct := f.rate("RegisterDevice")
	pages := f.rate("QueryPageByApplyId")
	best := float64(n) / direct
	// k in steps small enough that rounding moves the floor by under 1%.
	step := max(1, n/1000)
	for k := 0; k < n; k += step {
		batched := n - k
		t := max(float64(k)/direct, f.batch.Seconds()+float64(ceilDiv(batched, applyPage))/pages)
		best = min(best, t)
	}
	return seconds(best)
}

// withProperties is withProperties(n) above.
func (f platformFloor) withProperties(n int) time.Duration {
	return max(f.registration(n), seconds(float64(n)/f.rate("SaveDeviceProp")))
}

// rate is the action's documented QPS within the share.
func (f platformFloor) rate(action string) float64 {
	qps, _ := aliyun.QuotaFor(action, 0)
	return qps * f.share
}
