package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kiot-dev/kiot/hack/testbed"
)

// report prints one row per scenario, times compared with the clean run,
// then what failed, and where the logs are.
func report(w io.Writer, results []result, o options, took time.Duration) {
	baselines := baselineOf(results)
	fmt.Fprintf(w, "Chaos: %d Devices, 2 Products, 2 DeviceGroups, 1 DistributeJob; seed %d; %s\n\n", o.devices, o.seed, took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRESULT\tALL READY\tALL DELETED\tKILLS\tCRASHES\tPEAK RSS\tINVARIANTS")
	for _, r := range results {
		if r.notRun {
			fmt.Fprintf(tw, "%s\tNOT RUN\t-\t-\t-\t-\t-\tout of time (--timeout %s)\n", r.name, o.timeout)
			continue
		}
		if r.setupErr != nil {
			fmt.Fprintf(tw, "%s\tERROR\t-\t-\t-\t-\t-\t%v\n", r.name, r.setupErr)
			continue
		}
		verdict := "PASS"
		if !r.ok() {
			verdict = "FAIL"
		}
		clean := baselines[r.name]
		ready := "-"
		if !r.skippedReady {
			ready = timing(r.ready, r.readyOK, clean, func(c *result) time.Duration { return c.ready })
		}
		deleted := timing(r.deleted, r.deleteOK, clean, func(c *result) time.Duration { return c.deleted })
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d MiB\t%s\n", r.name, verdict, ready, deleted, r.kills, r.crashes, r.peakRSS>>20, checkSummary(r.checks))
	}
	_ = tw.Flush()
	reportFailovers(w, results, baselines)
	any := false
	for _, r := range results {
		for _, c := range r.checks {
			if c.ok() {
				continue
			}
			if !any {
				fmt.Fprintln(w, "\nFailed invariants:")
				any = true
			}
			fmt.Fprintf(w, "  %s / %s:\n", r.name, c.name)
			for _, f := range c.failures {
				fmt.Fprintf(w, "    - %s\n", f)
			}
		}
	}
	fmt.Fprintln(w, "\nLogs (operator.log, iot-sim.log, kube-apiserver.log, etcd.log) of each scenario:")
	for _, r := range results {
		if !r.notRun {
			fmt.Fprintf(w, "  %s\n", r.logs)
		}
	}
}

func timing(d time.Duration, ok bool, clean *result, of func(*result) time.Duration) string {
	if !ok {
		return "TIMEOUT"
	}
	s := d.Round(100 * time.Millisecond).String()
	if clean != nil && of(clean) > 0 {
		s += fmt.Sprintf(" (%.1f×)", d.Seconds()/of(clean).Seconds())
	}
	return s
}

func checkSummary(checks []check) string {
	passed, failed := 0, []string{}
	for _, c := range checks {
		if c.ok() {
			passed++
		} else {
			failed = append(failed, c.name)
		}
	}
	if len(failed) == 0 {
		return fmt.Sprintf("%d/%d hold", passed, len(checks))
	}
	return fmt.Sprintf("%d/%d hold; failed: %s", passed, len(checks), strings.Join(failed, "; "))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// baselineOf maps each scenario to the result its times are compared
// with, when that ran and rolled out in time.
func baselineOf(results []result) map[string]*result {
	byName := map[string]*result{}
	for i := range results {
		if results[i].readyOK {
			byName[results[i].name] = &results[i]
		}
	}
	out := map[string]*result{}
	for _, r := range results {
		if b := byName[r.baseline]; b != nil && r.baseline != r.name {
			out[r.name] = b
		}
	}
	return out
}

// failoverTarget is the longest a rollout disrupted by a failover may take:
// its baseline's, plus a lease duration (the standby waits it out), one
// batch duration (a batch the old leader left is finished) and 30 s.
func failoverTarget(baseline time.Duration) time.Duration {
	batch := testbed.FastTiming.BatchCheck + testbed.FastTiming.BatchCreate
	return baseline + leaseDuration + batch + 30*time.Second
}

// targetChecks adds, to each failover scenario whose baseline ran, the
// check that its rollout met the failover target.
func targetChecks(results []result) {
	baselines := baselineOf(results)
	for i := range results {
		r := &results[i]
		base := baselines[r.name]
		if r.failover == nil || base == nil || r.skippedReady || !r.readyOK || r.name == r.baseline {
			continue
		}
		c := check{name: "all Ready within the failover target"}
		if limit := failoverTarget(base.ready); r.ready > limit {
			c.failures = append(c.failures, fmt.Sprintf("all Ready after %s, more than %s (%s's %s + lease %s + one batch + 30s)",
				r.ready.Round(100*time.Millisecond), limit.Round(100*time.Millisecond), base.name, base.ready.Round(100*time.Millisecond), leaseDuration))
		}
		r.checks = append(r.checks, c)
	}
}

// reportFailovers prints the failover scenarios' own measures.
func reportFailovers(w io.Writer, results []result, baselines map[string]*result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := false
	for _, r := range results {
		fo := r.failover
		if fo == nil || r.setupErr != nil {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nFailover (two replicas, lease 15s):")
			fmt.Fprintln(tw, "SCENARIO\tTAKEOVER\tWRITES WITHOUT LEASE\tNAMES IN >1 BATCH\tALL READY\tTARGET")
			header = true
		}
		takeover := "-"
		switch {
		case fo.tookOver:
			takeover = fo.takeover.Round(100 * time.Millisecond).String()
		case fo.disrupted:
			takeover = "none"
		}
		ready, target := "-", "-"
		if !r.skippedReady && r.readyOK {
			ready = r.ready.Round(100 * time.Millisecond).String()
			if base := baselines[r.name]; base != nil {
				target = "≤ " + failoverTarget(base.ready).Round(100*time.Millisecond).String()
			}
		}
		unleased := strconv.Itoa(fo.unleasedWrites)
		if !fo.attributed {
			unleased = "unknown (no replica in the User-Agent)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.name, takeover, unleased, fo.dupNames, ready, target)
	}
	_ = tw.Flush()
}
