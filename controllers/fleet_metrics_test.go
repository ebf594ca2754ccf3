package controllers

import (
	"context"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// gatherFamilies reads the operator's registry, as /metrics serves it.
func gatherFamilies(g Gomega) map[string]*dto.MetricFamily {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]*dto.MetricFamily{}
	for _, f := range families {
		out[f.GetName()] = f
	}
	return out
}

// seriesKey is "l1=v1,l2=v2" with the labels sorted.
func seriesKey(m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(labels)
	return strings.Join(labels, ",")
}

// gauges maps a gauge family's series to their values.
func gauges(families map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range families[name].GetMetric() {
		out[seriesKey(m)] = m.GetGauge().GetValue()
	}
	return out
}

// firstReadyCounts is kiot_resource_time_to_first_ready_seconds' count by kind.
func firstReadyCounts() map[string]uint64 {
	out := map[string]uint64{}
	for _, m := range gatherFamilies(Default)["kiot_resource_time_to_first_ready_seconds"].GetMetric() {
		out[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
	}
	return out
}

// fleetFromAPI counts what the fleet gauges should say, from the API
// server rather than the operator's cache.
func fleetFromAPI(g Gomega) (resources, stalled, devices map[string]float64) {
	resources, stalled, devices = map[string]float64{}, map[string]float64{}, map[string]float64{}
	add := func(kind string, conditions []metav1.Condition) {
		ready, reason := "Unknown", ""
		if c := apimeta.FindStatusCondition(conditions, iotv1.ConditionReady); c != nil {
			ready, reason = string(c.Status), c.Reason
		}
		resources["kind="+kind+",ready="+ready+",reason="+reason]++
		if c := apimeta.FindStatusCondition(conditions, iotv1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
			stalled["kind="+kind+",reason="+c.Reason]++
		}
	}
	ctx := context.Background()
	var pcs iotv1.ProviderConfigList
	g.Expect(k8sClient.List(ctx, &pcs)).To(Succeed())
	for _, o := range pcs.Items {
		add("ProviderConfig", o.Status.Conditions)
	}
	var products iotv1.ProductList
	g.Expect(k8sClient.List(ctx, &products)).To(Succeed())
	for _, o := range products.Items {
		add("Product", o.Status.Conditions)
	}
	for _, s := range []string{"ONLINE", "OFFLINE", "UNACTIVE", "DISABLE"} {
		devices["state="+s] = 0
	}
	var ds iotv1.DeviceList
	g.Expect(k8sClient.List(ctx, &ds)).To(Succeed())
	for _, o := range ds.Items {
		add("Device", o.Status.Conditions)
		devices["state="+cmpOr(o.Status.State, "Unknown")]++
	}
	var groups iotv1.DeviceGroupList
	g.Expect(k8sClient.List(ctx, &groups)).To(Succeed())
	for _, o := range groups.Items {
		add("DeviceGroup", o.Status.Conditions)
	}
	var jobs iotv1.DistributeJobList
	g.Expect(k8sClient.List(ctx, &jobs)).To(Succeed())
	for _, o := range jobs.Items {
		add("DistributeJob", o.Status.Conditions)
	}
	return resources, stalled, devices
}

func cmpOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// expectFleetMetricsOfReadySamples checks, with the samples Ready, what the
// operator's registry reports: the fleet gauges agree with the API server,
// the samples are among the Ready resources, their distribution is counted,
// each sample's first Ready was observed, and the quota use of the calls
// they made is reported against the documented QPS.
func expectFleetMetricsOfReadySamples(firstReadyBefore map[string]uint64, samples []*iotv1.Device, job *iotv1.DistributeJob) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		families := gatherFamilies(g)
		resources, stalled, devices := fleetFromAPI(g)
		g.Expect(gauges(families, "kiot_resources")).To(Equal(resources))
		g.Expect(gauges(families, "kiot_resources_stalled")).To(Equal(stalled))
		g.Expect(gauges(families, "kiot_devices")).To(Equal(devices))
	}).Should(Succeed())

	families := gatherFamilies(Default)
	resources := gauges(families, "kiot_resources")
	Expect(resources["kind=Product,ready=True,reason=Available"]).To(BeNumerically(">=", 1))
	Expect(resources["kind=Device,ready=True,reason=Available"]).To(BeNumerically(">=", len(samples)))
	Expect(resources["kind=DeviceGroup,ready=True,reason=Available"]).To(BeNumerically(">=", 2))
	Expect(resources["kind=DistributeJob,ready=True,reason="+iotv1.ReasonDistributed]).To(BeNumerically(">=", 1))
	// Every sample Device has a platform state, and is counted in it.
	states := map[string]float64{}
	for _, d := range samples {
		Expect(d.Status.State).To(BeElementOf("ONLINE", "OFFLINE", "UNACTIVE", "DISABLE"))
		states["state="+d.Status.State]++
	}
	devices := gauges(families, "kiot_devices")
	for state, n := range states {
		Expect(devices[state]).To(BeNumerically(">=", n), state)
	}
	Expect(gauges(families, "kiot_distributejobs")["phase=Completed"]).To(BeNumerically(">=", 1))
	jobDevices := gauges(families, "kiot_distributejob_devices")
	Expect(jobDevices["phase=Completed,result=succeeded"]).To(BeNumerically(">=", job.Status.Succeeded))
	Expect(jobDevices["phase=Completed,result=total"]).To(BeNumerically(">=", job.Status.Total))
	Expect(gauges(families, "kiot_fleet_metrics_errors")).To(HaveEach(BeZero()))

	after := firstReadyCounts()
	for kind, n := range map[string]uint64{"Product": 1, "Device": uint64(len(samples)), "DeviceGroup": 2, "DistributeJob": 1} {
		Expect(after[kind]-firstReadyBefore[kind]).To(BeNumerically(">=", n), "first Ready of %s", kind)
	}

	// The job was created within the minute: its create is counted against
	// the action's 2 QPS; Kiot paces itself, so no action is above its quota
	// (one call of slack: the window is whole seconds).
	use := gauges(families, "kiot_iot_quota_use_ratio")
	Expect(use["action=CreateDeviceDistributeJob"]).To(BeNumerically(">=", 1.0/(2*60)))
	for action, ratio := range use {
		qps, _ := aliyun.QuotaFor(strings.TrimPrefix(action, "action="), 0)
		Expect(ratio).To(BeNumerically("<=", 1+1/(60*qps)), action)
	}
	Expect(gauges(families, "kiot_iot_api_quota_qps")["action=CreateDeviceDistributeJob"]).To(Equal(2.0))
}

var _ = Describe("The fleet metrics", func() {
	It("count a resource that needs a person as stalled, by kind and reason, until it is gone", func() {
		ctx := context.Background()
		const series = "kind=Product,reason=" + iotv1.ReasonInvalidSpec
		stalledNow := func(g Gomega) float64 { return gauges(gatherFamilies(g), "kiot_resources_stalled")[series] }
		before := stalledNow(Default)

		// A spec only the platform refuses: Kiot stops retrying, and the
		// metric says a person must look.
		sim.SetFaults(iotsim.Faults{Actions: map[string]iotsim.ActionFault{
			"CreateProduct": {ErrorRate: 1, Code: "iot.prod.InvalidFormattedCatId", HTTPStatus: 200},
		}})
		DeferCleanup(releaseFaults)
		refused := newProduct(unique("Stuck_"))
		Expect(k8sClient.Create(ctx, refused)).To(Succeed())
		Eventually(stalledNow).Should(Equal(before + 1))

		releaseFaults()
		Expect(k8sClient.Delete(ctx, refused)).To(Succeed())
		expectDeletedFromKubernetes(refused)
		Eventually(stalledNow).Should(Equal(before))
	})
})
