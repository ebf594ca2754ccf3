package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kiot-dev/kiot/hack/testbed"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// A suite measures, for each batch timing, the scenarios issue #25 names:
// one Device alone (20, one after another), 100 Devices together, 10,000
// Devices, and 10,000 each with a nickname and 2 properties. Each runs on a
// bed of its own, so none inherits another's learned batch duration,
// snapshots or quota buckets; the operator binary is built once.
type scenario struct {
	name       string
	alone      int
	devices    int
	properties bool
}

var suiteScenarios = []scenario{
	{name: "1 Device alone (20, one after another)", alone: 20},
	{name: "100 Devices together", devices: 100},
	{name: "10,000 Devices", devices: 10000},
	{name: "10,000 Devices, each with a nickname and 2 properties", devices: 10000, properties: true},
}

// suiteTiming is one table's batch phases.
type suiteTiming struct {
	key, title   string
	check, creat time.Duration
}

var suiteTimings = map[string]suiteTiming{
	"short": {key: "short", title: "the test bed's short batches", check: testbed.FastTiming.BatchCheck, creat: testbed.FastTiming.BatchCreate},
	"seed": {key: "seed", title: "the seed's \"some minutes\" (the simulator's default)",
		check: iotsim.DefaultTiming.BatchCheck, creat: iotsim.DefaultTiming.BatchCreate},
}

func runSuite(ctx context.Context, o options) (complete bool, err error) {
	var timings []suiteTiming
	for _, key := range strings.Split(o.suite, ",") {
		t, ok := suiteTimings[strings.TrimSpace(key)]
		if !ok {
			return false, fmt.Errorf("--suite: unknown timing %q (short, seed)", key)
		}
		timings = append(timings, t)
	}
	if o.operatorBinary == "" {
		root, err := testbed.RepoRoot()
		if err != nil {
			return false, err
		}
		buildDir, err := filepath.Abs(filepath.Join(o.dir, "operator"))
		if err != nil {
			return false, err
		}
		if err := os.MkdirAll(buildDir, 0o755); err != nil {
			return false, err
		}
		logf(time.Now(), "building the operator once for the suite")
		if o.operatorBinary, err = testbed.BuildOperator(root, buildDir); err != nil {
			return false, err
		}
	}
	complete = true
	var tables strings.Builder
	for _, t := range timings {
		var rows []results
		for i, sc := range suiteScenarios {
			so := o
			so.suite, so.out = "", ""
			so.alone, so.devices, so.properties = sc.alone, sc.devices, sc.properties
			so.batchCheck, so.batchCreate = t.check, t.creat
			so.devicesPerProduct = 0
			so.dir = filepath.Join(o.dir, fmt.Sprintf("%s-%d", t.key, i+1))
			if err := so.validate(); err != nil {
				return false, err
			}
			logf(time.Now(), "suite, %s: %s", t.title, sc.name)
			r, err := run(ctx, so)
			if err != nil {
				return false, fmt.Errorf("%s, %s: %w", t.title, sc.name, err)
			}
			// Each scenario's own table goes to its directory.
			if werr := os.WriteFile(filepath.Join(so.dir, "table.md"), []byte(r.markdown()), 0o644); werr != nil {
				return false, werr
			}
			complete = complete && r.failure == ""
			r.scenario = sc.name
			rows = append(rows, r)
			if ctx.Err() != nil {
				break
			}
		}
		tables.WriteString(suiteTable(t, rows, o))
	}
	return complete, o.print(tables.String())
}

// suiteTable is one timing's table: a row per scenario.
func suiteTable(t suiteTiming, rows []results, o options) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n### make bench: batches of %s CHECK + %s CREATE, %s\n\n", dur(t.check), dur(t.creat), t.title)
	commitID, operator := "", ""
	if len(rows) > 0 {
		commitID, operator = rows[0].commit, rows[0].operator
	}
	fmt.Fprintf(&sb, "Commit %s, %s, %d CPUs, %s memory, %s, %d client workers. Operator: %s. Each scenario on a fresh bed; its full table is in %s.\n\n",
		commitID, time.Now().Format("2006-01-02"), runtime.NumCPU(), memTotal(), runtime.Version(), o.workers, operator, filepath.Join(o.dir, t.key+"-N", "table.md"))
	sb.WriteString("| Scenario | Ready with Secrets | Apiserver write floor | Platform floor from the last create | Kiot ÷ max(write floor, create span + platform floor) | IoT calls per device | Throttled | Resync sweep calls per device | `Updated` events | Operator peak RSS |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		ready, ratio := dur(r.rollout), "–"
		switch {
		case len(r.alone) > 0:
			median, worst := r.aloneTimes()
			ready = fmt.Sprintf("median %s, worst %s", dur(median), dur(worst))
		case r.rollout > 0:
			ready = fmt.Sprintf("%s (create span %s)", dur(r.rollout), dur(r.createSpan))
			ratio = times(r.rollout, r.floorBound())
			if r.properties {
				// The writes can start with the first registration, so
				// SaveDeviceProp's floor from the first create is the
				// tighter yardstick.
				saves := seconds(float64(r.devices) / r.platform.rate("SaveDeviceProp"))
				ratio += fmt.Sprintf(" (%s SaveDeviceProp's %s from the first create)", times(r.rollout, saves), dur(saves))
			}
		default:
			ready = "not finished"
		}
		writeFloor := "–"
		if r.floor != nil {
			writeFloor = dur(r.floor.rollout())
		}
		platform := dur(r.platformFloor())
		if len(r.alone) > 0 {
			platform = "one RegisterDevice call"
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |\n",
			r.scenario, ready, writeFloor, platform, ratio,
			perDeviceOrNone(r.rolloutCalls.calls, r.devices), throttledText(merged(r.rolloutCalls.throttled, r.sweepCalls.throttled)),
			perDeviceOrNone(r.sweepCalls.calls, r.devices), r.events["Updated"], mib(r.peakRSS))
		if r.failure != "" {
			fmt.Fprintf(&sb, "| ↳ incomplete: %s | | | | | | | | | |\n", r.failure)
		}
	}
	return sb.String()
}

func perDeviceOrNone(calls map[string]int64, devices int) string {
	if calls == nil {
		return "–"
	}
	return perDevice(calls, devices)
}

// merged adds up two phases' counts by action.
func merged(a, b map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, m := range []map[string]int64{a, b} {
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}
