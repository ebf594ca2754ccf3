package iot

import (
	"cmp"
	"context"
)

// DeviceProvisioning is where a distributed device now lives (000:L33–58).
// For a device never distributed, the targets are empty and the times are
// the server's current time (000:L48–58).
type DeviceProvisioning struct {
	ProductKey          string
	DeviceName          string
	AliyunUID           FlexString `json:"AliyunUid"`
	SourceIotInstanceID string     `json:"SourceIotInstanceId"`
	SourceRegion        string
	TargetIotInstanceID string `json:"TargetIotInstanceId"`
	TargetRegion        string
	GmtCreate           FlexInt
	GmtModified         FlexInt
}

// QueryDeviceProvisioning reads a device's distribution (000).
func (c *Client) QueryDeviceProvisioning(ctx context.Context, productKey, deviceName string) (*DeviceProvisioning, error) {
	ch := check("QueryDeviceProvisioning")
	ch.required("ProductKey", productKey)
	ch.required("DeviceName", deviceName)
	if err := ch.err(); err != nil {
		return nil, err
	}
	var out struct{ Data DeviceProvisioning }
	p := params{}.set("ProductKey", productKey).set("DeviceName", deviceName)
	if err := c.call(ctx, "QueryDeviceProvisioning", p.values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// DistributedListInput filters ListDistributedDevice and
// ListDistributedProduct. The seeds only name these operations (L2832–2834);
// the fields are those the platform's SDKs send (seeds/README.md).
type DistributedListInput struct {
	Page             // PageSize 0 means 10; the maximum, undocumented, is taken as 200
	ProductKey       string
	DeviceName       string // ListDistributedDevice only
	SourceInstanceID string
	TargetInstanceID string
	TargetUID        string
}

// Distributed is an entry of the distributed device and product lists. Its
// fields are undocumented; these are the ones the jobs' answers use.
type Distributed struct {
	ProductKey         string
	ProductName        string
	DeviceName         string
	SourceInstanceID   string `json:"SourceInstanceId"`
	SourceInstanceName string
	SourceRegion       string
	SourceUID          FlexString `json:"SourceUid"`
	TargetInstanceID   string     `json:"TargetInstanceId"`
	TargetInstanceName string
	TargetRegion       string
	TargetUID          FlexString `json:"TargetUid"`
	TargetAliyunID     string     `json:"TargetAliyunId"`
	GmtCreate          FlexInt
	GmtModified        FlexInt
}

// DistributedList is one page of distributed devices or products.
type DistributedList struct {
	Total FlexInt
	Items []Distributed
}

// ListDistributedDevice reads one page of distributed devices.
func (c *Client) ListDistributedDevice(ctx context.Context, in DistributedListInput) (*DistributedList, error) {
	return c.listDistributed(ctx, "ListDistributedDevice", in, true)
}

// ListDistributedProduct reads one page of distributed products.
func (c *Client) ListDistributedProduct(ctx context.Context, in DistributedListInput) (*DistributedList, error) {
	return c.listDistributed(ctx, "ListDistributedProduct", in, false)
}

func (c *Client) listDistributed(ctx context.Context, action string, in DistributedListInput, devices bool) (*DistributedList, error) {
	ch := check(action)
	in.PageSize = cmp.Or(in.PageSize, 10)
	in.Page.check(ch, 200, "undocumented; as ListDeviceDistributeJob 001:L24")
	if !devices && in.DeviceName != "" {
		ch.fail("DeviceName does not filter products")
	}
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := in.Page.addTo(params{}).opt("ProductKey", in.ProductKey).opt("DeviceName", in.DeviceName).
		opt("SourceInstanceId", in.SourceInstanceID).opt("TargetInstanceId", in.TargetInstanceID).opt("TargetUid", in.TargetUID)
	var out struct {
		Data struct {
			Total FlexInt
			Info  struct {
				Items OneOrMany[Distributed] `json:"items"`
			}
		}
	}
	if err := c.call(ctx, action, p.values(), &out); err != nil {
		return nil, err
	}
	return &DistributedList{Total: out.Data.Total, Items: out.Data.Info.Items}, nil
}
