package iotsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const sgPublic = "iotx-oxssharez400"

func distributeParams(pk string, names ...string) map[string]string {
	p := map[string]string{"ProductKey": pk, "SourceInstanceId": "iotx-oxssharez200", "Strategy": "0",
		"TargetInstanceConfig.1.TargetInstanceId": sgPublic, "TargetUid": DefaultUID}
	for i, n := range names {
		p[fmt.Sprintf("DeviceName.%d", i+1)] = n
	}
	return p
}

func (e *env) jobStatus(id string) int {
	e.t.Helper()
	return e.must("QueryDeviceDistributeJob", map[string]string{"JobId": id}).num("Data.Status")
}

func TestDistributionJobLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("dist_prod")
	e.device(pk, "dist-1")
	e.device(pk, "dist-2")
	r := e.must("CreateDeviceDistributeJob", distributeParams(pk, "dist-1", "dist-2", "ghost-3"))
	job := r.str("JobId")
	if job == "" || r.get("Data") != nil {
		t.Fatal(r.raw)
	}
	q := e.must("QueryDeviceDistributeJob", map[string]string{"JobId": job})
	if q.num("Data.Status") != 0 || q.num("Data.Total") != 3 || q.str("Data.SourceUid") != DefaultUID ||
		q.str("Data.TargetInstanceConfigs.targetInstanceConfigs.0.TargetInstanceId") != sgPublic {
		t.Fatal(q.raw)
	}
	wantErr(t, e.call("QueryDeviceDistributeDetail", map[string]string{"JobId": job}), 200, "iot.provisioning.TaskNotFinish")
	wantErr(t, e.call("DeleteDeviceDistributeJob", map[string]string{"JobId": job}), 200, "iot.provisioning.TaskNotFinish")
	sawRunning := false
	eventually(t, "status 2", func() bool {
		s := e.jobStatus(job)
		sawRunning = sawRunning || s == 1
		return s == 2
	})
	if !sawRunning {
		t.Log("status 1 was not observed (a slow poll can skip it)")
	}

	// The product and the existing devices are in the target instance.
	e.region = "ap-southeast-1"
	if d := e.must("QueryDeviceDetail", map[string]string{"ProductKey": pk, "DeviceName": "dist-1"}); d.str("Data.Region") != "ap-southeast-1" {
		t.Fatal(d.raw)
	}
	e.region = "cn-shanghai"
	prov := e.must("QueryDeviceProvisioning", map[string]string{"ProductKey": pk, "DeviceName": "dist-2"})
	if prov.code() != "success" || prov.str("Data.SourceIotInstanceId") != "iotx-oxssharez200" || prov.str("Data.TargetIotInstanceId") != sgPublic ||
		prov.str("Data.TargetRegion") != "ap-southeast-1" || prov.str("Data.SourceRegion") != "cn-shanghai" {
		t.Fatal(prov.raw)
	}

	// Per-device results, from a file the simulator serves.
	file := e.must("QueryDeviceDistributeDetail", map[string]string{"JobId": job}).str("File")
	if !strings.HasPrefix(file, e.srv.URL+"/_sim/files/") {
		t.Fatal(file)
	}
	resp, err := http.Get(file)
	if err != nil {
		t.Fatal(err)
	}
	var results struct {
		Items []JobResult `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&results)
	resp.Body.Close()
	if err != nil || len(results.Items) != 3 {
		t.Fatal(err, results)
	}
	codes := map[string]int{}
	for _, it := range results.Items {
		codes[it.DeviceName] = it.Code
	}
	if codes["dist-1"] != 200 || codes["dist-2"] != 200 || codes["ghost-3"] == 200 {
		t.Fatal(codes)
	}

	lp := e.must("ListDistributedProduct", map[string]string{"ProductKey": pk})
	if lp.num("Data.Total") != 1 || lp.str("Data.Info.items.0.TargetInstanceId") != sgPublic {
		t.Fatal(lp.raw)
	}
	ld := e.must("ListDistributedDevice", map[string]string{"ProductKey": pk})
	if ld.num("Data.Total") != 2 || ld.str("Data.Info.items.0.TargetRegion") != "ap-southeast-1" {
		t.Fatal(ld.raw)
	}

	e.must("DeleteDeviceDistributeJob", map[string]string{"JobId": job})
	wantErr(t, e.call("QueryDeviceDistributeJob", map[string]string{"JobId": job}), 200, "iot.provisioning.TaskNotExist")
}

func TestResultURLExpires(t *testing.T) {
	timing := testTiming
	timing.ResultURLTTL = 50 * time.Millisecond
	e := newEnv(t, Options{Timing: timing})
	pk := e.product("expiry_prod")
	e.device(pk, "exp-1")
	job := e.must("CreateDeviceDistributeJob", distributeParams(pk, "exp-1")).str("JobId")
	eventually(t, "status 2", func() bool { return e.jobStatus(job) == 2 })
	file := e.must("QueryDeviceDistributeDetail", map[string]string{"JobId": job}).str("File")
	eventually(t, "the URL to expire", func() bool {
		resp, err := http.Get(file)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden {
			if !strings.Contains(string(body), "<Code>AccessDenied</Code>") || !strings.Contains(string(body), "Request has expired.") {
				t.Fatal(string(body))
			}
			return true
		}
		return false
	})
}

func TestExpiredResultFilesFault(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("expired_fault")
	e.device(pk, "expf-1")
	job := e.must("CreateDeviceDistributeJob", distributeParams(pk, "expf-1")).str("JobId")
	eventually(t, "status 2", func() bool { return e.jobStatus(job) == 2 })
	e.sim.SetFaults(Faults{ExpiredResultFiles: 1})
	fetch := func() int {
		file := e.must("QueryDeviceDistributeDetail", map[string]string{"JobId": job}).str("File")
		resp, err := http.Get(file)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := fetch(); got != http.StatusForbidden {
		t.Errorf("the first URL after the fault answered %d, want 403 (expired)", got)
	}
	if got := fetch(); got != http.StatusOK {
		t.Errorf("a fresh URL answered %d, want 200: the fault covers one file", got)
	}
}

func TestHeldJobsRunUntilReleased(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("held_prod")
	e.device(pk, "held-1")
	e.sim.SetFaults(Faults{HoldJobs: true})
	job := e.must("CreateDeviceDistributeJob", distributeParams(pk, "held-1")).str("JobId")
	eventually(t, "status 1", func() bool { return e.jobStatus(job) == 1 })
	time.Sleep(2 * (testTiming.JobInitializing + testTiming.JobRunning)) // past its natural end
	if s := e.jobStatus(job); s != 1 {
		t.Fatalf("a held job is in status %d, want 1 (running)", s)
	}
	e.sim.SetFaults(Faults{})
	if s := e.jobStatus(job); s != 2 {
		t.Fatalf("a released job past its end is in status %d, want 2", s)
	}
}

func TestInterruptedJob(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("interrupt_prod")
	e.device(pk, "int-1")
	e.sim.SetFaults(Faults{InterruptJobs: true})
	job := e.must("CreateDeviceDistributeJob", distributeParams(pk, "int-1")).str("JobId")
	e.sim.SetFaults(Faults{})
	eventually(t, "status 3", func() bool { return e.jobStatus(job) == 3 })
	e.region = "ap-southeast-1"
	wantErr(t, e.call("QueryDeviceInfo", map[string]string{"ProductKey": pk, "DeviceName": "int-1"}), 200, "iot.prod.NotExistedProduct")
}

func TestDistributionRefusals(t *testing.T) {
	other := AccessKey{ID: "otherid", Secret: "othersecret", UID: "1990000000000000", AliyunID: "other@example.com"}
	e := newEnv(t, Options{AccessKeys: []AccessKey{DefaultAccessKey, other},
		Instances: []Instance{{ID: "iot-ent-sg", Region: "ap-southeast-1"}}})
	pk := e.product("refuse_prod")
	e.device(pk, "ref-1")
	with := func(changes map[string]string) map[string]string {
		p := distributeParams(pk, "ref-1")
		for k, v := range changes {
			if v == "" {
				delete(p, k)
			} else {
				p[k] = v
			}
		}
		return p
	}
	tests := []struct {
		name   string
		params map[string]string
		code   string
	}{
		{"cross-account uid", with(map[string]string{"TargetUid": other.UID}), "iot.provisioning.NotCrossTenantId"},
		{"cross-account aliyun id", with(map[string]string{"TargetUid": "", "TargetAliyunId": other.AliyunID}), "iot.provisioning.NotCrossTenantId"},
		{"unknown account", with(map[string]string{"TargetUid": "1234"}), "iot.provisioning.AccountNotFound"},
		{"no target account", with(map[string]string{"TargetUid": ""}), "iot.provisioning.TargetAccountParamsError"},
		{"unknown source", with(map[string]string{"SourceInstanceId": "iot-nope"}), "iot.provisioning.SourceInstanceNotFound"},
		{"unknown target", with(map[string]string{"TargetInstanceConfig.1.TargetInstanceId": "iot-nope"}), "iot.provisioning.TargetInstanceNotFound"},
		{"target is source", with(map[string]string{"TargetInstanceConfig.1.TargetInstanceId": "iotx-oxssharez200"}), "iot.system.InstanceIdSame"},
		{"bad strategy", with(map[string]string{"Strategy": "2"}), "iot.provisioning.ErrorStrategy"},
		{"two targets with strategy 0", with(map[string]string{"TargetInstanceConfig.2.TargetInstanceId": "iotx-oxssharez300"}), "iot.provisioning.ErrorStrategy"},
		{"two targets in one region", with(map[string]string{"Strategy": "1", "TargetInstanceConfig.2.TargetInstanceId": "iot-ent-sg"}), "iot.provisioning.InstanceRegionConflict"},
		{"unknown product", with(map[string]string{"ProductKey": "a1missing00"}), "iot.prod.NotExistedProduct"},
		{"no devices", with(map[string]string{"DeviceName.1": ""}), "iot.device.NoneDeviceNameElement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, e.call("CreateDeviceDistributeJob", tt.params), 200, tt.code)
		})
	}
	t.Run("cn-shanghai endpoint only", func(t *testing.T) {
		e.region = "ap-southeast-1"
		defer func() { e.region = "cn-shanghai" }()
		wantErr(t, e.call("CreateDeviceDistributeJob", distributeParams(pk, "ref-1")), 400, "UnsupportedOperation")
	})
	t.Run("a device in one running job only", func(t *testing.T) {
		e.must("CreateDeviceDistributeJob", distributeParams(pk, "ref-1"))
		wantErr(t, e.call("CreateDeviceDistributeJob", distributeParams(pk, "ref-1")), 200, "iot.provisioning.DeviceIsInAnotherTask")
	})
	t.Run("another account's job", func(t *testing.T) {
		job := e.must("CreateProductDistributeJob", map[string]string{"ProductKey": pk, "SourceInstanceId": "iotx-oxssharez200",
			"TargetInstanceId": "iotx-oxssharez300", "TargetUid": DefaultUID}).str("JobId")
		saved := e.key
		e.key = other
		defer func() { e.key = saved }()
		wantErr(t, e.call("QueryDeviceDistributeJob", map[string]string{"JobId": job}), 200, "iot.provisioning.UidAndTaskNotMatch")
	})
}

func TestAtMostTenUnfinishedJobs(t *testing.T) {
	timing := testTiming
	timing.JobRunning = time.Hour // jobs stay unfinished for the test
	e := newEnv(t, Options{Timing: timing})
	pk := e.product("ten_jobs")
	for i := range maxRunningJobs {
		e.device(pk, fmt.Sprintf("job-dev-%d", i))
		e.must("CreateDeviceDistributeJob", distributeParams(pk, fmt.Sprintf("job-dev-%d", i)))
	}
	e.device(pk, "job-dev-x")
	wantErr(t, e.call("CreateDeviceDistributeJob", distributeParams(pk, "job-dev-x")), 200, "iot.provisioning.RunningTaskExcceedLimit")
	wantErr(t, e.call("CreateProductDistributeJob", map[string]string{"ProductKey": pk, "SourceInstanceId": "iotx-oxssharez200",
		"TargetInstanceId": sgPublic, "TargetUid": DefaultUID}), 200, "iot.provisioning.RunningTaskExcceedLimit")
}

func TestListDeviceDistributeJob(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("list_jobs")
	var jobs []string
	for i := range 5 {
		e.device(pk, fmt.Sprintf("list-dev-%d", i))
		jobs = append(jobs, e.must("CreateDeviceDistributeJob", distributeParams(pk, fmt.Sprintf("list-dev-%d", i))).str("JobId"))
	}
	seen := map[string]bool{}
	token := ""
	for page := 0; ; page++ {
		params := map[string]string{"PageSize": "2"}
		if token != "" {
			params["NextToken"] = token
		}
		r := e.must("ListDeviceDistributeJob", params)
		if r.num("Data.Total") != 5 {
			t.Fatal(r.raw)
		}
		for _, it := range r.list("Data.JobInfo.items") {
			item := it.(map[string]any)
			seen[item["JobId"].(string)] = true
			if item["SourceRegion"] != "cn-shanghai" || item["SourceInstanceName"] == "" {
				t.Fatal(r.raw)
			}
		}
		if token = r.str("Data.NextToken"); token == "" {
			break
		}
		if page > 5 {
			t.Fatal("NextToken never ends")
		}
	}
	if len(seen) != 5 {
		t.Fatal(seen)
	}
	one := e.must("ListDeviceDistributeJob", map[string]string{"PageSize": "10", "JobId": jobs[2]})
	if one.num("Data.Total") != 1 {
		t.Fatal(one.raw)
	}
	wantErr(t, e.call("ListDeviceDistributeJob", map[string]string{}), 200, "iot.common.InvalidPageParams")
	wantErr(t, e.call("ListDeviceDistributeJob", map[string]string{"PageSize": "201"}), 200, "iot.common.InvalidPageParams")
	wantErr(t, e.call("ListDeviceDistributeJob", map[string]string{"PageSize": "200", "CurrentPage": "52"}), 200, "iot.provisioning.NextTokenNotNull")
}

func TestQueryDeviceProvisioningOfAnUndistributedDevice(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("prov_prod")
	e.device(pk, "home-1")
	r := e.must("QueryDeviceProvisioning", map[string]string{"ProductKey": pk, "DeviceName": "home-1"})
	if r.str("Data.SourceIotInstanceId") != "iotx-oxssharez200" || r.str("Data.TargetIotInstanceId") != "" || r.num("Data.GmtCreate") == 0 {
		t.Fatal(r.raw)
	}
	wantErr(t, e.call("QueryDeviceProvisioning", map[string]string{"ProductKey": pk}), 400, "iot.common.InvalidFormattedParameter")
}

func TestJobListLagHidesYoungJobsFromTheListOnly(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("lagging_list")
	e.device(pk, "lag-dev")
	e.sim.SetFaults(Faults{JobListLag: Duration(time.Hour)})
	defer e.sim.SetFaults(Faults{})
	id := e.must("CreateDeviceDistributeJob", distributeParams(pk, "lag-dev")).str("JobId")
	if r := e.must("ListDeviceDistributeJob", map[string]string{"PageSize": "10", "ProductKey": pk}); r.num("Data.Total") != 0 {
		t.Fatalf("a job younger than the lag is listed: %s", r.raw)
	}
	if r := e.must("QueryDeviceDistributeJob", map[string]string{"JobId": id}); r.str("Data.JobId") != id {
		t.Fatalf("the job itself must be known: %s", r.raw)
	}
	e.sim.SetFaults(Faults{})
	if r := e.must("ListDeviceDistributeJob", map[string]string{"PageSize": "10", "ProductKey": pk}); r.num("Data.Total") != 1 {
		t.Fatalf("without the lag the job is listed: %s", r.raw)
	}
}
