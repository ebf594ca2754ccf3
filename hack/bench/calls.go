package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// counters are the simulator's call and throttle counts at one moment.
type counters struct {
	calls, throttled map[string]int64
}

func countersOf(sim *iotsim.Simulator) counters {
	st := sim.Snapshot()
	return counters{calls: st.Calls, throttled: st.Throttled}
}

// phaseCalls are the calls made between two snapshots.
type phaseCalls struct {
	calls, throttled map[string]int64
}

func since(before, after counters) phaseCalls {
	return phaseCalls{calls: diff(before.calls, after.calls), throttled: diff(before.throttled, after.throttled)}
}

func diff(before, after map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for action, n := range after {
		if d := n - before[action]; d > 0 {
			out[action] = d
		}
	}
	return out
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// perDevice is "4.02: RegisterDevice 1.00, QueryDeviceInfo 2.01, …", the
// busiest action first.
func perDevice(m map[string]int64, devices int) string {
	if len(m) == 0 {
		return "0"
	}
	actions := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(actions))
	for i, a := range actions {
		parts[i] = fmt.Sprintf("%s %s", a, ratio(float64(m[a])/float64(devices)))
	}
	return fmt.Sprintf("**%s**: %s", ratio(float64(total(m))/float64(devices)), strings.Join(parts, ", "))
}

func ratio(x float64) string {
	if x >= 100 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

// throttledText is "0", or the total and the actions refused.
func throttledText(m map[string]int64) string {
	if total(m) == 0 {
		return "0"
	}
	actions := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(actions))
	for i, a := range actions {
		parts[i] = fmt.Sprintf("%s %d", a, m[a])
	}
	return fmt.Sprintf("**%d** (%s)", total(m), strings.Join(parts, ", "))
}

// quotaBound is the least time the calls made can take at the documented
// QPS: the busiest action's calls divided by its QPS (different actions
// have separate quotas and may run at once).
func quotaBound(m map[string]int64) (time.Duration, string) {
	var (
		worst  time.Duration
		action string
	)
	for a, n := range m {
		qps, ok := aliyun.QuotaFor(a, 0)
		if !ok || qps <= 0 {
			continue
		}
		if d := seconds(float64(n) / qps); d > worst {
			worst, action = d, a
		}
	}
	return worst, action
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
