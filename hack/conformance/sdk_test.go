package conformance

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/iot"

	"github.com/kiot-dev/kiot/internal/iotsim"
)

// fastTiming lets jobs and batches finish within the test.
var fastTiming = iotsim.Timing{BatchCheck: 20 * time.Millisecond, BatchCreate: 20 * time.Millisecond,
	JobInitializing: 20 * time.Millisecond, JobRunning: 30 * time.Millisecond, ResultURLTTL: time.Minute}

// wire records how the SDK sends its requests.
type wire struct {
	mu      sync.Mutex
	methods map[string]bool
	split   bool // parameters in both the query and a form body
	formats map[string]bool
}

// simulator starts the simulator behind a listener that records the wire.
func simulator(t *testing.T, opts iotsim.Options) (*iotsim.Simulator, string, *wire) {
	t.Helper()
	opts.Timing = fastTiming
	sim, err := iotsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{methods: map[string]bool{}, formats: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.methods[r.Method] = true
		w.formats[r.URL.Query().Get("Format")] = true
		if r.Method == http.MethodPost && len(r.URL.Query()) > 0 && r.ContentLength > 0 {
			w.split = true
		}
		w.mu.Unlock()
		sim.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return sim, u.Host, w
}

func client(t *testing.T, secret string) *iot.Client {
	t.Helper()
	c, err := iot.NewClientWithAccessKey("cn-shanghai", "testid", secret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// point aims an SDK request at the simulator.
func point(r interface {
	SetScheme(string)
	SetDomain(string)
}, host string) {
	r.SetScheme("http")
	r.SetDomain(host)
}

func TestOfficialSDKAgainstTheSimulator(t *testing.T) {
	sim, host, w := simulator(t, iotsim.Options{Quotas: true})
	c := client(t, "testsecret")

	// Products.
	cp := iot.CreateCreateProductRequest()
	point(cp, host)
	cp.ProductName, cp.NodeType, cp.Description = "sdk_product", requests.NewInteger(0), "made by the SDK"
	cpr, err := c.CreateProduct(cp)
	if err != nil || !cpr.Success || cpr.ProductKey == "" || cpr.Data.ProductKey != cpr.ProductKey ||
		cpr.Data.ProductSecret == "" || cpr.Data.ProductName != "sdk_product" || cpr.RequestId == "" {
		t.Fatalf("CreateProduct: %v %+v", err, cpr)
	}
	pk := cpr.ProductKey

	qp := iot.CreateQueryProductRequest()
	point(qp, host)
	qp.ProductKey = pk
	qpr, err := c.QueryProduct(qp)
	if err != nil || !qpr.Success || qpr.Data.ProductName != "sdk_product" || qpr.Data.ProductStatus != "DEVELOPMENT_STATUS" ||
		qpr.Data.GmtCreate == 0 || qpr.Data.NetType != 3 || qpr.Data.ProductSecret == "" {
		t.Fatalf("QueryProduct: %v %+v", err, qpr.Data)
	}

	ql := iot.CreateQueryProductListRequest()
	point(ql, host)
	ql.CurrentPage, ql.PageSize = requests.NewInteger(1), requests.NewInteger(10)
	qlr, err := c.QueryProductList(ql)
	if err != nil || qlr.Data.Total != 1 || len(qlr.Data.List.ProductInfo) != 1 || qlr.Data.List.ProductInfo[0].ProductKey != pk {
		t.Fatalf("QueryProductList: %v %+v", err, qlr.Data)
	}

	// Devices.
	rd := iot.CreateRegisterDeviceRequest()
	point(rd, host)
	rd.ProductKey, rd.DeviceName, rd.Nickname = pk, "sdk-device-1", "sdk_nick"
	rdr, err := c.RegisterDevice(rd)
	if err != nil || !rdr.Success || rdr.Data.IotId == "" || rdr.Data.DeviceSecret == "" || rdr.Data.DeviceName != "sdk-device-1" {
		t.Fatalf("RegisterDevice: %v %+v", err, rdr)
	}
	rd2 := iot.CreateRegisterDeviceRequest()
	point(rd2, host)
	rd2.ProductKey, rd2.DeviceName = pk, "sdk-device-2"
	if r, err := c.RegisterDevice(rd2); err != nil || !r.Success {
		t.Fatalf("RegisterDevice 2: %v %+v", err, r)
	}

	qd := iot.CreateQueryDeviceDetailRequest()
	point(qd, host)
	qd.IotId = rdr.Data.IotId
	qdr, err := c.QueryDeviceDetail(qd)
	if err != nil || !qdr.Success || qdr.Data.DeviceName != "sdk-device-1" || qdr.Data.Status != "UNACTIVE" ||
		qdr.Data.Nickname != "sdk_nick" || qdr.Data.ProductName != "sdk_product" || qdr.Data.Region != "cn-shanghai" || qdr.Data.UtcCreate == "" {
		t.Fatalf("QueryDeviceDetail: %v %+v", err, qdr.Data)
	}

	dup := iot.CreateRegisterDeviceRequest()
	point(dup, host)
	dup.ProductKey, dup.DeviceName = pk, "sdk-device-1"
	dupr, err := c.RegisterDevice(dup)
	if err != nil || dupr.Success || dupr.Code != "iot.device.AlreadyExistedDeviceName" || dupr.ErrorMessage == "" {
		t.Fatalf("duplicate RegisterDevice: %v %+v", err, dupr)
	}

	qdev := iot.CreateQueryDeviceRequest()
	point(qdev, host)
	qdev.ProductKey, qdev.PageSize = pk, requests.NewInteger(1)
	qdevr, err := c.QueryDevice(qdev)
	if err != nil || qdevr.Total != 2 || qdevr.PageCount != 2 || qdevr.NextToken == "" || len(qdevr.Data.DeviceInfo) != 1 ||
		qdevr.Data.DeviceInfo[0].DeviceName != "sdk-device-2" {
		t.Fatalf("QueryDevice: %v %+v", err, qdevr)
	}

	sp := iot.CreateSaveDevicePropRequest()
	point(sp, host)
	sp.ProductKey, sp.DeviceName, sp.Props = pk, "sdk-device-1", `{"room":"r1"}`
	if r, err := c.SaveDeviceProp(sp); err != nil || !r.Success {
		t.Fatalf("SaveDeviceProp: %v %+v", err, r)
	}
	qprop := iot.CreateQueryDevicePropRequest()
	point(qprop, host)
	qprop.ProductKey, qprop.DeviceName = pk, "sdk-device-1"
	if r, err := c.QueryDeviceProp(qprop); err != nil || r.Props != `{"room":"r1"}` {
		t.Fatalf("QueryDeviceProp: %v %+v", err, r)
	}

	// Groups.
	cg := iot.CreateCreateDeviceGroupRequest()
	point(cg, host)
	cg.GroupName, cg.GroupDesc = "sdk_group", "made by the SDK"
	cgr, err := c.CreateDeviceGroup(cg)
	if err != nil || !cgr.Success || cgr.Data.GroupId == "" || cgr.Data.UtcCreate == "" {
		t.Fatalf("CreateDeviceGroup: %v %+v", err, cgr)
	}
	sub := iot.CreateCreateDeviceGroupRequest()
	point(sub, host)
	sub.GroupName, sub.SuperGroupId = "sdk_subgroup", cgr.Data.GroupId
	subr, err := c.CreateDeviceGroup(sub)
	if err != nil || !subr.Success {
		t.Fatalf("CreateDeviceGroup (sub): %v %+v", err, subr)
	}
	add := iot.CreateBatchAddDeviceGroupRelationsRequest()
	point(add, host)
	add.GroupId = cgr.Data.GroupId
	add.Device = &[]iot.BatchAddDeviceGroupRelationsDevice{{ProductKey: pk, DeviceName: "sdk-device-1"}, {ProductKey: pk, DeviceName: "sdk-device-2"}}
	addr, err := c.BatchAddDeviceGroupRelations(add)
	if err != nil || !addr.Success || addr.SuccessAddedDeviceCount != 2 || addr.ValidDeviceCount != 2 {
		t.Fatalf("BatchAddDeviceGroupRelations: %v %+v", err, addr)
	}
	gi := iot.CreateQueryDeviceGroupInfoRequest()
	point(gi, host)
	gi.GroupId = cgr.Data.GroupId
	if r, err := c.QueryDeviceGroupInfo(gi); err != nil || r.Data.DeviceCount != 2 || r.Data.GroupName != "sdk_group" {
		t.Fatalf("QueryDeviceGroupInfo: %v %+v", err, r)
	}
	gl := iot.CreateQueryDeviceGroupListRequest()
	point(gl, host)
	if r, err := c.QueryDeviceGroupList(gl); err != nil || r.Total != 1 || len(r.Data.GroupInfo) != 1 || r.Data.GroupInfo[0].GroupId != cgr.Data.GroupId {
		t.Fatalf("QueryDeviceGroupList: %v %+v", err, r)
	}
	super := iot.CreateQuerySuperDeviceGroupRequest()
	point(super, host)
	super.GroupId = subr.Data.GroupId
	if r, err := c.QuerySuperDeviceGroup(super); err != nil || len(r.Data.GroupInfo) != 1 || r.Data.GroupInfo[0].GroupId != cgr.Data.GroupId {
		t.Fatalf("QuerySuperDeviceGroup: %v %+v", err, r)
	}
	tags := iot.CreateSetDeviceGroupTagsRequest()
	point(tags, host)
	tags.GroupId, tags.TagString = cgr.Data.GroupId, `[{"tagKey":"site","tagValue":"hq"}]`
	if r, err := c.SetDeviceGroupTags(tags); err != nil || !r.Success {
		t.Fatalf("SetDeviceGroupTags: %v %+v", err, r)
	}
	tl := iot.CreateQueryDeviceGroupTagListRequest()
	point(tl, host)
	tl.GroupId = cgr.Data.GroupId
	if r, err := c.QueryDeviceGroupTagList(tl); err != nil || len(r.Data.GroupTagInfo) != 1 || r.Data.GroupTagInfo[0].TagValue != "hq" {
		t.Fatalf("QueryDeviceGroupTagList: %v %+v", err, r)
	}
	dg := iot.CreateDeleteDeviceGroupRequest()
	point(dg, host)
	dg.GroupId = cgr.Data.GroupId
	if r, err := c.DeleteDeviceGroup(dg); err != nil || r.Success || r.Code != "iot.group.SubGroupNotNull" {
		t.Fatalf("DeleteDeviceGroup with a subgroup: %v %+v", err, r)
	}

	// Distribution.
	job := iot.CreateCreateDeviceDistributeJobRequest()
	point(job, host)
	job.ProductKey, job.SourceInstanceId, job.Strategy, job.TargetUid = pk, "iotx-oxssharez200", requests.NewInteger(0), iotsim.DefaultUID
	job.DeviceName = &[]string{"sdk-device-1", "sdk-device-2"}
	job.TargetInstanceConfig = &[]iot.CreateDeviceDistributeJobTargetInstanceConfig{{TargetInstanceId: "iotx-oxssharez400"}}
	jobr, err := c.CreateDeviceDistributeJob(job)
	if err != nil || !jobr.Success || jobr.JobId == "" {
		t.Fatalf("CreateDeviceDistributeJob: %v %+v", err, jobr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		q := iot.CreateQueryDeviceDistributeJobRequest()
		point(q, host)
		q.JobId = jobr.JobId
		qr, err := c.QueryDeviceDistributeJob(q)
		if err != nil || !qr.Success || qr.Data.JobId != jobr.JobId || qr.Data.Total != 2 ||
			len(qr.Data.TargetInstanceConfigs.TargetInstanceConfigs) != 1 {
			t.Fatalf("QueryDeviceDistributeJob: %v %+v", err, qr)
		}
		if qr.Data.Status == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still in status %d", qr.Data.Status)
		}
		time.Sleep(20 * time.Millisecond) // within the action's 10 QPS
	}
	lj := iot.CreateListDeviceDistributeJobRequest()
	point(lj, host)
	lj.PageSize = requests.NewInteger(10)
	if r, err := c.ListDeviceDistributeJob(lj); err != nil || r.Data.Total != 1 || len(r.Data.JobInfo.Items) != 1 ||
		r.Data.JobInfo.Items[0].TargetInstanceConfigs.TargetInstanceConfigs[0].TargetRegion != "ap-southeast-1" {
		t.Fatalf("ListDeviceDistributeJob: %v %+v", err, r)
	}
	dd := iot.CreateQueryDeviceDistributeDetailRequest()
	point(dd, host)
	dd.JobId = jobr.JobId
	if r, err := c.QueryDeviceDistributeDetail(dd); err != nil || !strings.HasPrefix(r.File, "http://"+host+"/_sim/files/") {
		t.Fatalf("QueryDeviceDistributeDetail: %v %+v", err, r)
	}
	prov := iot.CreateQueryDeviceProvisioningRequest()
	point(prov, host)
	prov.ProductKey, prov.DeviceName = pk, "sdk-device-1"
	if r, err := c.QueryDeviceProvisioning(prov); err != nil || r.Code != "success" || r.Data.TargetIotInstanceId != "iotx-oxssharez400" || r.Data.TargetRegion != "ap-southeast-1" {
		t.Fatalf("QueryDeviceProvisioning: %v %+v", err, r)
	}
	ldd := iot.CreateListDistributedDeviceRequest()
	point(ldd, host)
	ldd.ProductKey = pk
	if r, err := c.ListDistributedDevice(ldd); err != nil || r.Data.Total != 2 || len(r.Data.Info.Items) != 2 {
		t.Fatalf("ListDistributedDevice: %v %+v", err, r)
	}

	// How the SDK sent all this: POST, parameters split between the query
	// string and the form body, JSON.
	if !w.methods[http.MethodPost] || !w.split || !w.formats["JSON"] {
		t.Fatalf("unexpected wire behaviour: %+v", w)
	}
	if n := sim.Snapshot().Throttled; len(n) != 0 {
		t.Fatalf("throttled during the normal flow: %v", n)
	}
}

func TestOfficialSDKRefusals(t *testing.T) {
	_, host, _ := simulator(t, iotsim.Options{Quotas: true})

	t.Run("wrong secret", func(t *testing.T) {
		req := iot.CreateQueryProductListRequest()
		point(req, host)
		req.CurrentPage = requests.NewInteger(1)
		_, err := client(t, "not-the-secret").QueryProductList(req)
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) || se.ErrorCode() != "SignatureDoesNotMatch" || se.HttpStatus() != http.StatusBadRequest {
			t.Fatalf("want SignatureDoesNotMatch, got %v", err)
		}
	})

	t.Run("burst above the documented QPS", func(t *testing.T) {
		c := client(t, "testsecret")
		throttled := 0
		for range 12 { // CreateDeviceDistributeJob: 2 QPS (seed 003 L31)
			req := iot.CreateCreateDeviceDistributeJobRequest()
			point(req, host)
			req.ProductKey, req.SourceInstanceId, req.TargetUid = "a1missing00", "iotx-oxssharez200", iotsim.DefaultUID
			req.DeviceName = &[]string{"dev-1"}
			req.TargetInstanceConfig = &[]iot.CreateDeviceDistributeJobTargetInstanceConfig{{TargetInstanceId: "iotx-oxssharez400"}}
			_, err := c.CreateDeviceDistributeJob(req)
			var se *sdkerrors.ServerError
			if errors.As(err, &se) && se.ErrorCode() == "Throttling.User" {
				if !strings.Contains(se.Message(), "Request was denied due to user flow control.") {
					t.Fatal(se.Message())
				}
				throttled++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if throttled < 6 {
			t.Fatalf("only %d of 12 calls throttled at 2 QPS", throttled)
		}
	})
}
