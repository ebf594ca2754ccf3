package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// report prints one row per scenario, times compared with the clean run,
// then what failed, and where the logs are.
func report(w io.Writer, results []result, o options, took time.Duration) {
	var clean *result
	for i := range results {
		if results[i].name == "clean" && results[i].readyOK {
			clean = &results[i]
		}
	}
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
		ready := "-"
		if !r.skippedReady {
			ready = timing(r.ready, r.readyOK, clean, func(c *result) time.Duration { return c.ready })
		}
		deleted := timing(r.deleted, r.deleteOK, clean, func(c *result) time.Duration { return c.deleted })
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d MiB\t%s\n", r.name, verdict, ready, deleted, r.kills, r.crashes, r.peakRSS>>20, checkSummary(r.checks))
	}
	_ = tw.Flush()
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
