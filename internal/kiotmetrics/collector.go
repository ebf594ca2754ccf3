// Package kiotmetrics reports the fleet Kiot manages — resources by Ready
// status and reason, stuck resources, Devices by platform state,
// DistributeJobs by phase — as Prometheus gauges computed at scrape time
// from the manager's informer cache: no cloud call and no API server
// request, and nothing to keep in step with the controllers.
//
// Labels are bounded sets (kinds, condition reasons, platform states, job
// phases); no metric carries a name or namespace of an object, so 10,000
// Devices make a handful of series.
package kiotmetrics

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

var (
	resourcesDesc = prometheus.NewDesc("kiot_resources",
		"Kiot resources by kind and by the status and reason of their Ready condition (status Unknown and reason empty before the first reconcile).",
		[]string{"kind", "ready", "reason"}, nil)
	stalledDesc = prometheus.NewDesc("kiot_resources_stalled",
		"Kiot resources that need a person (condition Stalled=True), by kind and reason: Kiot will not get past them by retrying.",
		[]string{"kind", "reason"}, nil)
	devicesDesc = prometheus.NewDesc("kiot_devices",
		"Devices by their platform state as last observed: ONLINE, OFFLINE, UNACTIVE (never connected), DISABLE, or Unknown before the first observation.",
		[]string{"state"}, nil)
	jobsDesc = prometheus.NewDesc("kiot_distributejobs",
		"DistributeJobs by the phase of their latest job (Unknown before the first reconcile).",
		[]string{"phase"}, nil)
	jobDevicesDesc = prometheus.NewDesc("kiot_distributejob_devices",
		"Devices of the DistributeJobs by job phase: total to distribute, succeeded and failed (summed over the jobs).",
		[]string{"phase", "result"}, nil)
	scrapeErrorsDesc = prometheus.NewDesc("kiot_fleet_metrics_errors",
		"1 when a kind could not be listed from the cache at this scrape (its fleet metrics are missing), by kind.",
		[]string{"kind"}, nil)
)

// Unknown labels a status Kiot has not written yet.
const Unknown = "Unknown"

// Collector lists Kiot's kinds from Reader (the manager's cache) at each
// scrape. Ready, when set, holds the collector silent until it is closed:
// the manager's Elected channel, so only the leader, whose controllers keep
// the statuses current, reports the fleet and a standby does not double it.
type Collector struct {
	Reader  client.Reader
	Ready   <-chan struct{}
	Log     logr.Logger
	Timeout time.Duration
}

func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{resourcesDesc, stalledDesc, devicesDesc, jobsDesc, jobDevicesDesc, scrapeErrorsDesc} {
		ch <- d
	}
}

func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.Ready != nil {
		select {
		case <-c.Ready:
		default:
			return
		}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	var f fleet
	f.init()
	for _, kind := range kinds {
		objects, err := kind.list(ctx, c.Reader)
		failed := 0.0
		if err != nil {
			c.Log.Error(err, "Listing from the cache for the fleet metrics", "kind", kind.name)
			failed = 1
		}
		for _, o := range objects {
			f.addResource(kind.name, o.conditions)
			if o.device != nil {
				f.addDevice(o.device)
			}
			if o.job != nil {
				f.addJob(o.job)
			}
		}
		ch <- prometheus.MustNewConstMetric(scrapeErrorsDesc, prometheus.GaugeValue, failed, kind.name)
	}
	f.emit(ch)
}

// fleet is one scrape's counts.
type fleet struct {
	resources  map[[3]string]float64
	stalled    map[[2]string]float64
	devices    map[string]float64
	jobs       map[string]float64
	jobDevices map[[2]string]float64
}

func (f *fleet) init() {
	f.resources = map[[3]string]float64{}
	f.stalled = map[[2]string]float64{}
	f.devices = map[string]float64{}
	f.jobs = map[string]float64{}
	f.jobDevices = map[[2]string]float64{}
	// The four platform states and the job phases are always reported, at
	// 0 when none is in them, so an alert on a rate or an absent series
	// does not wait for the first Device to go OFFLINE.
	for _, s := range []string{"ONLINE", "OFFLINE", "UNACTIVE", "DISABLE"} {
		f.devices[s] = 0
	}
	for _, p := range jobPhases {
		f.jobs[string(p)] = 0
	}
}

var jobPhases = []iotv1.DistributeJobPhase{iotv1.PhasePending, iotv1.PhaseInitializing, iotv1.PhaseRunning,
	iotv1.PhaseCompleted, iotv1.PhaseInterrupted, iotv1.PhaseFailed}

func (f *fleet) addResource(kind string, conditions []metav1.Condition) {
	ready, reason := Unknown, ""
	if c := apimeta.FindStatusCondition(conditions, iotv1.ConditionReady); c != nil {
		ready, reason = string(c.Status), c.Reason
	}
	f.resources[[3]string{kind, ready, reason}]++
	if c := apimeta.FindStatusCondition(conditions, iotv1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		f.stalled[[2]string{kind, c.Reason}]++
	}
}

func (f *fleet) addDevice(d *iotv1.Device) {
	state := d.Status.State
	if state == "" {
		state = Unknown
	}
	f.devices[state]++
}

func (f *fleet) addJob(j *iotv1.DistributeJob) {
	phase := string(j.Status.Phase)
	if phase == "" {
		phase = Unknown
	}
	f.jobs[phase]++
	f.jobDevices[[2]string{phase, "total"}] += float64(j.Status.Total)
	f.jobDevices[[2]string{phase, "succeeded"}] += float64(j.Status.Succeeded)
	f.jobDevices[[2]string{phase, "failed"}] += float64(j.Status.Failed)
}

func (f *fleet) emit(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for k, v := range f.resources {
		gauge(resourcesDesc, v, k[0], k[1], k[2])
	}
	for k, v := range f.stalled {
		gauge(stalledDesc, v, k[0], k[1])
	}
	for state, v := range f.devices {
		gauge(devicesDesc, v, state)
	}
	for phase, v := range f.jobs {
		gauge(jobsDesc, v, phase)
	}
	for k, v := range f.jobDevices {
		gauge(jobDevicesDesc, v, k[0], k[1])
	}
}
