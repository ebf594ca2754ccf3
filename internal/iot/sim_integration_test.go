package iot_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// simClient drives the real simulator in-process, with real signatures and
// the documented quotas enforced, through a client paced by a fresh quota
// registry on the wall clock.
func simClient(t *testing.T) (*iotsim.Simulator, *iot.Client) {
	t.Helper()
	sim, url := simServer(t)
	return sim, clientFor(t, url, nil)
}

func simServer(t *testing.T) (*iotsim.Simulator, string) {
	t.Helper()
	sim, err := iotsim.New(iotsim.Options{
		Quotas: true,
		Timing: iotsim.Timing{BatchCheck: time.Millisecond, BatchCreate: time.Millisecond,
			JobInitializing: time.Millisecond, JobRunning: time.Millisecond, ResultURLTTL: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func clientFor(t *testing.T, endpoint string, retry *aliyun.RetryPolicy) *iot.Client {
	t.Helper()
	api, err := aliyun.NewClient(aliyun.Config{
		RegionID: "cn-shanghai",
		Endpoint: endpoint,
		Credentials: aliyun.Credentials{
			AccessKeyID: iotsim.DefaultAccessKeyID, AccessKeySecret: iotsim.DefaultAccessKeySecret,
		},
		Quotas: aliyun.NewQuotaRegistry(),
		Retry:  retry,
	})
	if err != nil {
		t.Fatal(err)
	}
	return iot.New(api)
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestSimulatorProductDeviceGroupLifecycle(t *testing.T) {
	sim, c := simClient(t)
	ctx := context.Background()

	product := must[*iot.ProductCreated](t, "CreateProduct")(c.CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_sim_lamp", NodeType: iot.NodeTypeDevice}))
	if product.ProductKey == "" || product.ProductSecret.Reveal() == "" {
		t.Fatalf("product without key or secret: %+v", product)
	}
	if _, err := c.CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_sim_lamp"}); !aliyun.IsAlreadyExists(err) {
		t.Errorf("second CreateProduct: %v, want already exists", err)
	}
	read := must[*iot.Product](t, "QueryProduct")(c.QueryProduct(ctx, product.ProductKey))
	if read.ProductName != "kiot_sim_lamp" || read.ProductSecret != product.ProductSecret {
		t.Errorf("QueryProduct = %+v", read)
	}
	ok(t, "CreateProductTags", c.CreateProductTags(ctx, product.ProductKey, []iot.Tag{{TagKey: "kiot.owner", TagValue: "uid-1"}}))
	tagged := must[[]iot.TaggedProduct](t, "ListProductByTags")(c.ListProductByTags(ctx, []iot.Tag{{TagKey: "kiot.owner", TagValue: "uid-1"}}, iot.Page{}))
	if len(tagged) != 1 || tagged[0].ProductKey != product.ProductKey {
		t.Errorf("ListProductByTags = %+v", tagged)
	}

	ref := iot.DeviceRef{ProductKey: product.ProductKey, DeviceName: "lamp-1"}
	device := must[*iot.DeviceCredentials](t, "RegisterDevice")(c.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: product.ProductKey, DeviceName: "lamp-1"}))
	info := must[*iot.DeviceCredentials](t, "QueryDeviceInfo")(c.QueryDeviceInfo(ctx, ref))
	if info.IotID != device.IotID || info.DeviceSecret.Reveal() != device.DeviceSecret.Reveal() || info.DeviceSecret == "" {
		t.Errorf("QueryDeviceInfo = %+v, registered %+v", info, device)
	}
	if _, err := c.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: product.ProductKey, DeviceName: "lamp-1"}); !aliyun.IsAlreadyExists(err) {
		t.Errorf("second RegisterDevice: %v, want already exists", err)
	}
	ok(t, "DisableThing", c.DisableThing(ctx, iot.DeviceRef{IotID: device.IotID}))
	detail := must[*iot.DeviceDetail](t, "QueryDeviceDetail")(c.QueryDeviceDetail(ctx, ref))
	if detail.Status != iot.DeviceStatusDisable {
		t.Errorf("status after DisableThing = %s", detail.Status)
	}
	ok(t, "EnableThing", c.EnableThing(ctx, ref))
	ok(t, "SaveDeviceProp", c.SaveDeviceProp(ctx, ref, map[string]string{"room": "hall"}))
	props := must[map[string]string](t, "QueryDeviceProp")(c.QueryDeviceProp(ctx, ref))
	if props["room"] != "hall" {
		t.Errorf("props = %v", props)
	}

	group := must[*iot.Group](t, "CreateDeviceGroup")(c.CreateDeviceGroup(ctx, iot.CreateDeviceGroupInput{GroupName: "kiot_sim_hall", GroupDesc: "hall lamps"}))
	added := must[*iot.GroupRelationsAdded](t, "BatchAddDeviceGroupRelations")(c.BatchAddDeviceGroupRelations(ctx, group.GroupID,
		[]iot.GroupDevice{{ProductKey: product.ProductKey, DeviceName: "lamp-1"}}))
	if added.SuccessAddedDeviceCount != 1 {
		t.Errorf("added = %+v", added)
	}
	members := must[*iot.GroupMemberList](t, "QueryDeviceListByDeviceGroup")(c.QueryDeviceListByDeviceGroup(ctx, group.GroupID, iot.Page{}))
	if len(members.Devices) != 1 || members.Devices[0].IotID != device.IotID {
		t.Errorf("members = %+v", members)
	}
	ok(t, "SetDeviceGroupTags", c.SetDeviceGroupTags(ctx, group.GroupID, "", []iot.Tag{{TagKey: "floor", TagValue: "1"}}))
	tags := must[[]iot.Tag](t, "QueryDeviceGroupTagList")(c.QueryDeviceGroupTagList(ctx, group.GroupID, ""))
	if len(tags) != 1 || tags[0] != (iot.Tag{TagKey: "floor", TagValue: "1"}) {
		t.Errorf("group tags = %+v", tags)
	}
	ok(t, "DeleteDeviceGroup", c.DeleteDeviceGroup(ctx, group.GroupID))
	if _, err := c.QueryDeviceGroupInfo(ctx, group.GroupID, ""); !aliyun.IsNotFound(err) {
		t.Errorf("deleted group: %v, want not found", err)
	}

	ok(t, "DeleteDevice", c.DeleteDevice(ctx, ref))
	if _, err := c.QueryDeviceInfo(ctx, ref); !aliyun.IsNotFound(err) {
		t.Errorf("deleted device: %v, want not found", err)
	}
	if err := c.DeleteDevice(ctx, ref); !aliyun.IsNotFound(err) {
		t.Errorf("second DeleteDevice: %v, want not found", err)
	}
	ok(t, "DeleteProduct", c.DeleteProduct(ctx, product.ProductKey))

	for _, action := range []string{"CreateProduct", "RegisterDevice", "QueryDeviceInfo"} {
		if n := sim.Throttled(action); n != 0 {
			t.Errorf("%s throttled %d times", action, n)
		}
	}
}

func TestSimulatorDistributionJob(t *testing.T) {
	_, c := simClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	product := must[*iot.ProductCreated](t, "CreateProduct")(c.CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_sim_move"}))
	names := []string{"mover-1", "mover-2"}
	for _, n := range names {
		must[*iot.DeviceCredentials](t, "RegisterDevice")(c.RegisterDevice(ctx, iot.RegisterDeviceInput{ProductKey: product.ProductKey, DeviceName: n}))
	}
	jobID := must[string](t, "CreateDeviceDistributeJob")(c.CreateDeviceDistributeJob(ctx, iot.CreateDeviceDistributeJobInput{
		ProductKey: product.ProductKey, DeviceNames: names, SourceInstanceID: "iotx-oxssharez200",
		Strategy: iot.StrategyRegion, TargetInstanceIDs: []string{"iotx-oxssharez400"}, TargetUID: iotsim.DefaultUID,
	}))

	var job *iot.DistributeJob
	for job == nil || !job.Finished() {
		job = must[*iot.DistributeJob](t, "QueryDeviceDistributeJob")(c.QueryDeviceDistributeJob(ctx, jobID))
	}
	if job.Status != iot.JobStatusCompleted || job.Total != 2 || job.ProductKey != product.ProductKey {
		t.Fatalf("finished job = %+v", job)
	}
	results := must[[]iot.DistributeResult](t, "DeviceDistributeResults")(c.DeviceDistributeResults(ctx, jobID))
	if len(results) != 2 {
		t.Fatalf("results = %+v", results)
	}
	for _, r := range results {
		if !r.Distributed() {
			t.Errorf("%s not distributed: %s %s", r.DeviceName, r.Code, r.Message)
		}
	}
	where := must[*iot.DeviceProvisioning](t, "QueryDeviceProvisioning")(c.QueryDeviceProvisioning(ctx, product.ProductKey, "mover-1"))
	if where.TargetIotInstanceID != "iotx-oxssharez400" || where.TargetRegion != "ap-southeast-1" {
		t.Errorf("provisioning = %+v", where)
	}
	jobs := must[*iot.DistributeJobList](t, "ListDeviceDistributeJob")(c.ListDeviceDistributeJob(ctx, iot.DistributeJobListInput{ProductKey: product.ProductKey}))
	if len(jobs.Jobs) != 1 || jobs.Jobs[0].JobID != jobID {
		t.Errorf("jobs = %+v", jobs)
	}
	ok(t, "DeleteDeviceDistributeJob", c.DeleteDeviceDistributeJob(ctx, jobID))
}

// A burst from many goroutines at a 10-QPS action: the client spreads it
// out, so the simulator, which enforces the documented quota, refuses none.
func TestSimulatorBurstIsPacedWithoutThrottles(t *testing.T) {
	sim, c := simClient(t)
	ctx := context.Background()
	product := must[*iot.ProductCreated](t, "CreateProduct")(c.CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_sim_burst"}))

	const workers, each = 4, 4 // 16 calls of UpdateProduct (10 QPS, L9069)
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				errs <- c.UpdateProduct(ctx, iot.UpdateProductInput{ProductKey: product.ProductKey, ProductName: "kiot_sim_burst", Description: "burst"})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("UpdateProduct: %v", err)
		}
	}
	if n := sim.Calls("UpdateProduct"); n != workers*each {
		t.Errorf("simulator saw %d UpdateProduct calls, want %d", n, workers*each)
	}
	if n := sim.Throttled("UpdateProduct"); n != 0 {
		t.Errorf("simulator throttled %d UpdateProduct calls, want none", n)
	}
}

// The control for the test above: clients that do not share a registry,
// and so do not pace each other, trip the simulator's flow control. The
// zero above is therefore the pacing's doing, not a lenient simulator.
func TestSimulatorThrottlesAnUnpacedBurst(t *testing.T) {
	sim, url := simServer(t)
	ctx := context.Background()
	product := must[*iot.ProductCreated](t, "CreateProduct")(clientFor(t, url, nil).CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_sim_flood"}))

	const clients = 30
	noRetry := &aliyun.RetryPolicy{MaxAttempts: 1}
	var wg sync.WaitGroup
	throttled := make(chan bool, clients)
	for range clients {
		c := clientFor(t, url, noRetry)
		wg.Go(func() {
			err := c.UpdateProduct(ctx, iot.UpdateProductInput{ProductKey: product.ProductKey, ProductName: "kiot_sim_flood"})
			throttled <- aliyun.IsThrottled(err)
		})
	}
	wg.Wait()
	close(throttled)
	refused := 0
	for th := range throttled {
		if th {
			refused++
		}
	}
	if refused == 0 || sim.Throttled("UpdateProduct") == 0 {
		t.Errorf("%d of %d unpaced calls throttled; the simulator does not enforce the quota", refused, clients)
	}
}

// Custom-name batch registration (API-DIGEST §12.2) of 300 names: the check
// call is long enough to go as a POST form, which the simulator must verify
// like a GET.
func TestSimulatorBatchRegistrationOverPOST(t *testing.T) {
	_, c := simClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	product := must[*iot.ProductCreated](t, "CreateProduct")(c.CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_sim_batch"}))

	devices := make([]iot.NamedDevice, 300)
	for i := range devices {
		devices[i] = iot.NamedDevice{DeviceName: fmt.Sprintf("batch-%04d", i)}
	}
	check := must[*iot.BatchCheck](t, "BatchCheckDeviceNames")(c.BatchCheckDeviceNames(ctx, product.ProductKey, devices))
	applyID := int64(check.ApplyID)
	waitFor := func(want string) {
		t.Helper()
		for {
			st := must[*iot.BatchRegisterStatus](t, "QueryBatchRegisterDeviceStatus")(c.QueryBatchRegisterDeviceStatus(ctx, product.ProductKey, applyID))
			switch st.Status {
			case want:
				return
			case iot.BatchStatusCheckFailed, iot.BatchStatusCreateFailed:
				t.Fatalf("batch failed: %+v", st)
			}
		}
	}
	waitFor(iot.BatchStatusCheckSuccess)
	must[int64](t, "BatchRegisterDeviceWithApplyID")(c.BatchRegisterDeviceWithApplyID(ctx, product.ProductKey, applyID))
	waitFor(iot.BatchStatusCreateSuccess)

	registered := 0
	for page := 1; ; page++ {
		list := must[*iot.AppliedDeviceList](t, "QueryPageByApplyID")(c.QueryPageByApplyID(ctx, applyID, iot.Page{CurrentPage: page, PageSize: 50}))
		for _, d := range list.Devices {
			if d.IotID == "" || d.DeviceSecret == "" {
				t.Errorf("registered device without identity: %s", d.DeviceName)
			}
		}
		registered += len(list.Devices)
		if !list.HasNext() {
			break
		}
	}
	if registered != len(devices) {
		t.Errorf("%d devices registered, want %d", registered, len(devices))
	}
	details := must[[]iot.DeviceDetail](t, "BatchQueryDeviceDetail")(c.BatchQueryDeviceDetail(ctx, product.ProductKey, []string{"batch-0000", "batch-0299"}))
	if len(details) != 2 {
		t.Errorf("BatchQueryDeviceDetail = %d devices", len(details))
	}
}

// The documented maximum of one call, 10,000 DeviceName.N (L13445), plus the
// common parameters is more than net/url parses by default; the simulator
// must take it like the platform does.
func TestSimulatorTakesTenThousandNamesInOneCall(t *testing.T) {
	_, c := simClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	product := must[*iot.ProductCreated](t, "CreateProduct")(c.CreateProduct(ctx, iot.CreateProductInput{ProductName: "kiot_sim_max_batch"}))
	devices := make([]iot.NamedDevice, 10000)
	for i := range devices {
		devices[i] = iot.NamedDevice{DeviceName: fmt.Sprintf("fleet-%05d", i)}
	}
	check := must[*iot.BatchCheck](t, "BatchCheckDeviceNames")(c.BatchCheckDeviceNames(ctx, product.ProductKey, devices))
	for {
		st := must[*iot.BatchRegisterStatus](t, "QueryBatchRegisterDeviceStatus")(c.QueryBatchRegisterDeviceStatus(ctx, product.ProductKey, int64(check.ApplyID)))
		if st.Status == iot.BatchStatusCheckSuccess {
			if len(st.ValidList.Name) != len(devices) {
				t.Fatalf("%d names passed the check, want %d", len(st.ValidList.Name), len(devices))
			}
			return
		}
		if st.Status == iot.BatchStatusCheckFailed {
			t.Fatalf("check failed: %d invalid names", len(st.InvalidList.Name))
		}
	}
}
