package kiotmetrics

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

func cond(t, status, reason string) metav1.Condition {
	return metav1.Condition{Type: t, Status: metav1.ConditionStatus(status), Reason: reason}
}

func meta(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: "ns", Name: name} }

func device(name, state string, conditions ...metav1.Condition) *iotv1.Device {
	d := &iotv1.Device{ObjectMeta: meta(name)}
	d.Status.State, d.Status.Conditions = state, conditions
	return d
}

func job(name string, phase iotv1.DistributeJobPhase, total, succeeded, failed int32, conditions ...metav1.Condition) *iotv1.DistributeJob {
	j := &iotv1.DistributeJob{ObjectMeta: meta(name)}
	j.Status.Phase, j.Status.Total, j.Status.Succeeded, j.Status.Failed, j.Status.Conditions = phase, total, succeeded, failed, conditions
	return j
}

// gather returns every series as "name{l1=v1,...}" → value.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	return out
}

func newReader(t *testing.T, funcs *interceptor.Funcs, objects ...client.Object) client.Reader {
	scheme := runtime.NewScheme()
	if err := iotv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objects...)
	if funcs != nil {
		b = b.WithInterceptorFuncs(*funcs)
	}
	return b.Build()
}

func TestTheCollectorCountsTheFleetByKindStatusStateAndPhase(t *testing.T) {
	ready := cond(iotv1.ConditionReady, "True", iotv1.ReasonAvailable)
	invalid := []metav1.Condition{cond(iotv1.ConditionReady, "False", iotv1.ReasonInvalidSpec),
		cond(iotv1.ConditionStalled, "True", iotv1.ReasonInvalidSpec)}
	product := &iotv1.Product{ObjectMeta: meta("p")}
	product.Status.Conditions = []metav1.Condition{ready}
	pc := &iotv1.ProviderConfig{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	pc.Status.Conditions = []metav1.Condition{cond(iotv1.ConditionReady, "True", iotv1.ReasonCredentialsAvailable)}
	reader := newReader(t, nil, product, pc,
		device("d1", "ONLINE", ready), device("d2", "ONLINE", ready), device("d3", "UNACTIVE", ready),
		device("d4", "", invalid...), device("d5", ""),
		job("j1", iotv1.PhaseCompleted, 10, 8, 2, cond(iotv1.ConditionReady, "False", iotv1.ReasonDevicesFailed),
			cond(iotv1.ConditionStalled, "True", iotv1.ReasonDevicesFailed)),
		job("j2", iotv1.PhaseCompleted, 5, 5, 0, cond(iotv1.ConditionReady, "True", iotv1.ReasonDistributed)),
		job("j3", iotv1.PhaseRunning, 7, 1, 0, cond(iotv1.ConditionReady, "False", iotv1.ReasonRunning)),
	)
	got := gather(t, &Collector{Reader: reader, Log: logr.Discard()})
	want := map[string]float64{
		"kiot_resources{kind=ProviderConfig,ready=True,reason=CredentialsAvailable}": 1,
		"kiot_resources{kind=Product,ready=True,reason=Available}":                   1,
		"kiot_resources{kind=Device,ready=True,reason=Available}":                    3,
		"kiot_resources{kind=Device,ready=False,reason=InvalidSpec}":                 1,
		"kiot_resources{kind=Device,ready=Unknown,reason=}":                          1,
		"kiot_resources{kind=DistributeJob,ready=False,reason=DevicesFailed}":        1,
		"kiot_resources{kind=DistributeJob,ready=True,reason=Distributed}":           1,
		"kiot_resources{kind=DistributeJob,ready=False,reason=Running}":              1,
		"kiot_resources_stalled{kind=Device,reason=InvalidSpec}":                     1,
		"kiot_resources_stalled{kind=DistributeJob,reason=DevicesFailed}":            1,
		"kiot_devices{state=ONLINE}":                                                 2,
		"kiot_devices{state=UNACTIVE}":                                               1,
		"kiot_devices{state=OFFLINE}":                                                0,
		"kiot_devices{state=DISABLE}":                                                0,
		"kiot_devices{state=Unknown}":                                                2,
		"kiot_distributejobs{phase=Pending}":                                         0,
		"kiot_distributejobs{phase=Initializing}":                                    0,
		"kiot_distributejobs{phase=Running}":                                         1,
		"kiot_distributejobs{phase=Completed}":                                       2,
		"kiot_distributejobs{phase=Interrupted}":                                     0,
		"kiot_distributejobs{phase=Failed}":                                          0,
		"kiot_distributejob_devices{phase=Completed,result=total}":                   15,
		"kiot_distributejob_devices{phase=Completed,result=succeeded}":               13,
		"kiot_distributejob_devices{phase=Completed,result=failed}":                  2,
		"kiot_distributejob_devices{phase=Running,result=total}":                     7,
		"kiot_distributejob_devices{phase=Running,result=succeeded}":                 1,
		"kiot_distributejob_devices{phase=Running,result=failed}":                    0,
	}
	for _, k := range []string{"ProviderConfig", "Product", "Device", "DeviceGroup", "DistributeJob"} {
		want["kiot_fleet_metrics_errors{kind="+k+"}"] = 0
	}
	for series, v := range want {
		if got[series] != v {
			t.Errorf("%s = %v, want %v", series, got[series], v)
		}
	}
	for series := range got {
		if _, ok := want[series]; !ok {
			t.Errorf("unexpected series %s = %v", series, got[series])
		}
	}
}

func TestTheCollectorIsSilentUntilReady(t *testing.T) {
	reader := newReader(t, nil, device("d1", "ONLINE"))
	ready := make(chan struct{})
	c := &Collector{Reader: reader, Ready: ready, Log: logr.Discard()}
	if got := gather(t, c); len(got) != 0 {
		t.Fatalf("a standby reported %v", got)
	}
	close(ready)
	if got := gather(t, c)["kiot_devices{state=ONLINE}"]; got != 1 {
		t.Errorf("once elected: ONLINE = %v, want 1", got)
	}
}

func TestAKindThatCannotBeListedIsReportedAndTheOthersStillAre(t *testing.T) {
	reader := newReader(t, &interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
		if _, ok := list.(*iotv1.DeviceGroupList); ok {
			return errors.New("no informer")
		}
		return c.List(ctx, list, opts...)
	}}, device("d1", "OFFLINE"))
	got := gather(t, &Collector{Reader: reader, Log: logr.Discard()})
	if got["kiot_fleet_metrics_errors{kind=DeviceGroup}"] != 1 || got["kiot_fleet_metrics_errors{kind=Device}"] != 0 {
		t.Errorf("errors: DeviceGroup %v, Device %v; want 1 and 0", got["kiot_fleet_metrics_errors{kind=DeviceGroup}"], got["kiot_fleet_metrics_errors{kind=Device}"])
	}
	if got["kiot_devices{state=OFFLINE}"] != 1 {
		t.Errorf("OFFLINE = %v, want 1", got["kiot_devices{state=OFFLINE}"])
	}
}
