package aliyun

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// gate is a WriteGate whose answer the test sets.
type gate struct {
	window time.Duration
	err    error
}

func (g *gate) Window() (time.Duration, error) { return g.window, g.err }

func TestAWriteTheGateRefusesIsNeverSent(t *testing.T) {
	platform, srv := newFakePlatform(t)
	refusal := errors.New("not sent: this replica does not hold the leader lease")
	g := &gate{err: refusal}
	c, _ := newTestClient(t, srv, func(cfg *Config) { cfg.Writes = g })

	err := c.Do(context.Background(), Request{Action: "BatchCheckDeviceNames"}, nil)
	if !errors.Is(err, refusal) {
		t.Fatalf("Do = %v, want the gate's refusal", err)
	}
	if ClassOf(err) != ClassRetryable {
		t.Errorf("class %s, want Retryable: the next reconcile may hold the lease", ClassOf(err))
	}
	if n := len(platform.requests()); n != 0 {
		t.Fatalf("%d requests reached the platform, want 0", n)
	}
	// Reads go on: a standby's view costs nothing and changes nothing.
	if err := c.Do(context.Background(), Request{Action: "QueryDevice"}, nil); err != nil {
		t.Fatalf("a read without the lease: %v", err)
	}
	if n := len(platform.requests()); n != 1 {
		t.Fatalf("%d requests, want the read's 1", n)
	}
}

func TestAWriteTheGateAdmitsIsSent(t *testing.T) {
	platform, srv := newFakePlatform(t)
	c, _ := newTestClient(t, srv, func(cfg *Config) { cfg.Writes = &gate{window: 5 * time.Second} })
	if err := c.Do(context.Background(), Request{Action: "RegisterDevice"}, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(platform.requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// Every action the client paces is sorted once: these only read; the rest
// change the platform and need the lease.
func TestIsReadSortsEveryKnownAction(t *testing.T) {
	reads := []string{
		"BatchGetDeviceState", "BatchQueryDeviceDetail", "GetDeviceStatus",
		"ListDeviceDistributeJob", "ListDistributedDevice", "ListDistributedProduct", "ListProductByTags", "ListProductTags",
		"QueryBatchRegisterDeviceStatus", "QueryDevice", "QueryDeviceDetail", "QueryDeviceDistributeDetail", "QueryDeviceDistributeJob",
		"QueryDeviceGroupByDevice", "QueryDeviceGroupInfo", "QueryDeviceGroupList", "QueryDeviceGroupTagList", "QueryDeviceInfo",
		"QueryDeviceListByDeviceGroup", "QueryDeviceProp", "QueryDeviceProvisioning", "QueryPageByApplyId", "QueryProduct",
		"QueryProductList", "QuerySuperDeviceGroup",
	}
	var got []string
	for action := range Quotas {
		if IsRead(action) {
			got = append(got, action)
		}
	}
	slices.Sort(got)
	slices.Sort(reads)
	if !slices.Equal(got, reads) {
		t.Fatalf("reads %v\nwant %v", got, reads)
	}
	for _, write := range []string{"BatchCheckDeviceNames", "BatchRegisterDeviceWithApplyId", "CreateDeviceDistributeJob", "DeleteDevice", "SaveDeviceProp", "CancelReleaseProduct"} {
		if IsRead(write) {
			t.Errorf("%s sorted as a read", write)
		}
	}
}
