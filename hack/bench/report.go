package main

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// results is what one run measured; a zero duration is a phase that did
// not finish (failure says why).
type results struct {
	devices, products, workers int
	// scenario names the run in a suite's table.
	scenario string
	// properties: each Device had a nickname and two properties.
	properties bool
	commit     string
	// operator describes the operator's flags.
	operator string

	floor *writeFloor
	quota quotaFloor
	// platform is the platform floor in force (platform_floor.go).
	platform platformFloor
	// alone are the Devices' times when created one after another.
	alone []time.Duration

	createSpan   time.Duration
	rollout      time.Duration
	rolloutCalls phaseCalls
	// rolloutRequests and the others are the API server's requests of the
	// phase, every client's (see apiRequests).
	rolloutRequests map[string]int64

	annotate      time.Duration
	sweep         time.Duration
	sweepCalls    phaseCalls
	sweepRequests map[string]int64

	del            time.Duration
	deleteCalls    phaseCalls
	deleteRequests map[string]int64
	deleteSkipped  bool

	// events counts the namespace's events by reason after the rollout and
	// the sweep.
	events map[string]int64

	rssAfterRollout, peakRSS int64
	crashes                  int
	failure                  string
}

// markdown is the one table of the run, with a heading that names what
// was measured and where.
func (r results) markdown() string {
	var sb strings.Builder
	tagged := ""
	if r.properties {
		tagged = ", each with a nickname and 2 properties"
	}
	fmt.Fprintf(&sb, "\n### make bench: %d Devices%s under %d Product(s), %d client workers\n\n", r.devices, tagged, r.products, r.workers)
	fmt.Fprintf(&sb, "Commit %s, %s, %d CPUs, %s memory, %s. Operator: %s.\n\n",
		r.commit, time.Now().Format("2006-01-02"), runtime.NumCPU(), memTotal(), runtime.Version(), r.operator)
	sb.WriteString("| Measure | Value | Compared with |\n|---|---|---|\n")
	row := func(measure, value, compared string) {
		fmt.Fprintf(&sb, "| %s | %s | %s |\n", measure, value, compared)
	}
	notRun := "not finished"

	if len(r.alone) > 0 {
		median, worst := r.aloneTimes()
		row(fmt.Sprintf("**One Device alone**, %d one after another: create to Ready with its Secret", len(r.alone)),
			fmt.Sprintf("**median %s, worst %s**", dur(median), dur(worst)), "target ≤ 1s median, ≤ 2s worst")
	}
	switch {
	case len(r.alone) > 0:
		// One after another: each Device's time is the measure.
	case r.rollout > 0:
		row("Create span (first to last Device create accepted)", dur(r.createSpan), "")
		row("**Rollout**: first create to all Ready with their Secrets", "**"+dur(r.rollout)+"**", r.rolloutComparison())
	default:
		row("Create span (first to last Device create accepted)", dur(r.createSpan), "")
		row("**Rollout**: first create to all Ready with their Secrets", notRun, "")
	}
	if r.rolloutCalls.calls != nil {
		row("Rollout IoT API calls per device", perDevice(r.rolloutCalls.calls, r.devices), quotaText(r.rolloutCalls.calls))
		row("Rollout throttled calls (target 0)", throttledText(r.rolloutCalls.throttled), "")
	}
	requestRows(row, "Rollout", r.rolloutRequests, r.devices, "the benchmark's creates are the POST devices")
	if r.rssAfterRollout > 0 {
		row("Operator peak RSS after the rollout (VmHWM)", mib(r.rssAfterRollout), "")
	}

	if r.annotate > 0 {
		row("Resync: annotation writes (reconcile-requested-at on every Device)", dur(r.annotate), "")
	}
	if r.sweep > 0 {
		row("**Resync sweep**: first annotation write to all handled", "**"+dur(r.sweep)+"**", "")
	} else if r.annotate > 0 {
		row("**Resync sweep**: first annotation write to all handled", notRun, "")
	}
	if r.sweepCalls.calls != nil {
		row("Resync IoT API calls per device", perDevice(r.sweepCalls.calls, r.devices), quotaText(r.sweepCalls.calls))
		row("Resync throttled calls (target 0)", throttledText(r.sweepCalls.throttled), "")
	}
	requestRows(row, "Resync", r.sweepRequests, r.devices, "the benchmark's annotations are the PATCH devices")

	if r.events != nil {
		row("Events after the rollout and the sweep, by reason", eventsText(r.events), "")
		row("`Updated` events (target 0: creating a Device is not correcting it)", fmt.Sprint(r.events["Updated"]), "")
	}

	switch {
	case r.deleteSkipped:
		row("**Deletion**", "skipped (--keep)", "")
	case r.del > 0:
		row("**Deletion**: first delete to all gone from Kubernetes and the simulator", "**"+dur(r.del)+"**", r.deleteComparison())
	case r.deleteCalls.calls != nil:
		row("**Deletion**: first delete to all gone from Kubernetes and the simulator", notRun, "")
	}
	if r.deleteCalls.calls != nil {
		row("Deletion IoT API calls per device", perDevice(r.deleteCalls.calls, r.devices), quotaText(r.deleteCalls.calls))
		row("Deletion throttled calls (target 0)", throttledText(r.deleteCalls.throttled), "")
	}
	requestRows(row, "Deletion", r.deleteRequests, r.devices, "the benchmark's deletes are the DELETE devices")

	row("Operator peak RSS (VmHWM, whole run)", mib(r.peakRSS), restarts(r.crashes))
	if f := r.floor; f != nil {
		row(fmt.Sprintf("Apiserver write floor: 3×%d writes by the same client", r.devices), dur(f.rollout()),
			fmt.Sprintf("Device-shaped creates %s, Secret creates %s, status writes %s", dur(f.create), dur(f.secret), dur(f.status)))
		if f.kiot.policy {
			row("Kiot's write pattern", "the floor's", "the policy puts the finalizer on at create, and a batch's Created events are one per Product")
		} else {
			row(fmt.Sprintf("Kiot's write pattern: 4×%d writes by the same client (the floor's and Kiot's finalizer)", r.devices),
				dur(f.kiotPattern()), fmt.Sprintf("finalizer patches %s; no watcher, no reconcile", dur(f.kiot.metadata)))
		}
		row(fmt.Sprintf("Apiserver delete floor: %d deletes", r.devices), dur(f.del), "")
	}
	row("Platform floor from the last create", dur(r.platformFloor()), r.platformFloorText())
	row("Quota floor, registration", fmt.Sprintf("%s per device (RegisterDevice), %s batched", dur(r.quota.perDevice), dur(r.quota.batch)),
		fmt.Sprintf("documented QPS; the batch is bound by %s", r.quota.batchAction))
	row("Quota floor, deletion", dur(r.quota.del), "DeleteDevice, no batch delete exists")
	if r.failure != "" {
		fmt.Fprintf(&sb, "\n**Incomplete run**: %s\n", r.failure)
	}
	return sb.String()
}

// eventsText is "Created 2, DevicesCreated 1", by reason.
func eventsText(counts map[string]int64) string {
	if len(counts) == 0 {
		return "none"
	}
	var parts []string
	for _, reason := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", reason, counts[reason]))
	}
	return strings.Join(parts, ", ")
}

// requestRows shows a phase's Kubernetes writes and reads per device.
func requestRows(row func(measure, value, compared string), phase string, requests map[string]int64, devices int, whose string) {
	if requests == nil {
		return
	}
	row(phase+" Kubernetes writes per device (API server's apiserver_request_total, every client)",
		perDevice(writesOnly(requests), devices), whose)
	row(phase+" Kubernetes reads per device (GET and LIST, every client)", perDevice(readsOnly(requests), devices), "")
}

// platformFloor is the least time the documented operations need after
// the last create (platform_floor.go).
func (r results) platformFloor() time.Duration {
	if r.properties {
		return r.platform.withProperties(r.devices)
	}
	return r.platform.registration(r.devices)
}

func (r results) platformFloorText() string {
	what := "RegisterDevice and batches"
	if r.properties {
		what += ", and a SaveDeviceProp per device"
	}
	return fmt.Sprintf("%s at %.0f%% of the documented QPS, batches of %s (README, Performance)", what, r.platform.share*100, dur(r.platform.batch))
}

// floorBound is the larger of the apiserver write floor and the create
// span plus the platform floor: no rollout can beat it.
func (r results) floorBound() time.Duration {
	bound := r.createSpan + r.platformFloor()
	if r.floor != nil {
		bound = max(bound, r.floor.rollout())
	}
	return bound
}

// aloneTimes is the median and the worst of the Devices created alone.
func (r results) aloneTimes() (median, worst time.Duration) {
	sorted := slices.Sorted(slices.Values(r.alone))
	return sorted[len(sorted)/2], sorted[len(sorted)-1]
}

func (r results) rolloutComparison() string {
	parts := []string{times(r.rollout, r.floorBound()) + " the larger of the apiserver floor and create span + platform floor"}
	if r.floor != nil {
		parts = append(parts, times(r.rollout, r.floor.rollout())+" apiserver floor")
		if !r.floor.kiot.policy {
			parts = append(parts, times(r.rollout, r.floor.kiotPattern())+" Kiot's write pattern")
		}
	}
	parts = append(parts, times(r.rollout, r.quota.perDevice)+" per-device quota floor", times(r.rollout, r.quota.batch)+" batch quota floor")
	return strings.Join(parts, ", ")
}

func (r results) deleteComparison() string {
	var parts []string
	if r.floor != nil {
		parts = append(parts, times(r.del, r.floor.del)+" apiserver delete floor")
	}
	return strings.Join(append(parts, times(r.del, r.quota.del)+" quota floor"), ", ")
}

// quotaText is the least time the phase's calls need at documented QPS.
func quotaText(calls map[string]int64) string {
	d, action := quotaBound(calls)
	if action == "" {
		return ""
	}
	return fmt.Sprintf("these calls need ≥ %s at documented QPS (%s)", dur(d), action)
}

func times(x, floor time.Duration) string {
	if floor <= 0 {
		return "∞×"
	}
	return ratio(float64(x)/float64(floor)) + "×"
}

func restarts(crashes int) string {
	if crashes == 0 {
		return "no operator restart"
	}
	return fmt.Sprintf("**the operator exited %d time(s) and was restarted**", crashes)
}

func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < 10*time.Second:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}

func mib(bytes int64) string {
	if bytes <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(bytes)/(1<<20))
}

// memTotal is the machine's memory from /proc/meminfo.
func memTotal() string {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(raw)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return fmt.Sprintf("%.0f GiB", float64(kib)/(1<<20))
		}
	}
	return "unknown"
}
