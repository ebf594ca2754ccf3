package iot

import (
	"cmp"
	"context"
	"iter"
)

// Device states (L11554–11680).
const (
	DeviceStatusOnline   = "ONLINE"
	DeviceStatusOffline  = "OFFLINE"
	DeviceStatusUnactive = "UNACTIVE"
	DeviceStatusDisable  = "DISABLE"
)

// RegisterDeviceInput is RegisterDevice's request (L10582–10858).
type RegisterDeviceInput struct {
	ProductKey string
	// DeviceName should always be set: without it the platform makes up a
	// random name on every call, so a retry registers a second device.
	DeviceName   string
	Nickname     string // 4–64 letters, digits, _
	DevEUI       string
	PinCode      string
	JoinEUI      string
	AppKey       string
	LoraNodeType string // ALIYUNDEFINED or USERDEFINED
}

// DeviceCredentials are a registered device's identity and secret.
type DeviceCredentials struct {
	IotID        string `json:"IotId"`
	ProductKey   string
	DeviceName   string
	DeviceSecret Secret
	Nickname     string
	DevEUI       string `json:"DevEui"`
	JoinEUI      string `json:"JoinEui"`
}

// RegisterDevice registers a device. A taken name answers
// aliyun.IsAlreadyExists; read the existing one with QueryDeviceInfo.
func (c *Client) RegisterDevice(ctx context.Context, in RegisterDeviceInput) (*DeviceCredentials, error) {
	ch := check("RegisterDevice")
	ch.required("ProductKey", in.ProductKey)
	if in.DeviceName != "" {
		ch.deviceName("DeviceName", in.DeviceName)
	}
	if in.Nickname != "" {
		ch.text("Nickname", in.Nickname, 4, 64, nameChars, "004 L10680–10690")
	}
	ch.oneOf("LoraNodeType", in.LoraNodeType, "004 L10719–10730", "ALIYUNDEFINED", "USERDEFINED")
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := params{}.set("ProductKey", in.ProductKey).opt("DeviceName", in.DeviceName).opt("Nickname", in.Nickname).
		opt("DevEui", in.DevEUI).opt("PinCode", in.PinCode).opt("JoinEui", in.JoinEUI).opt("AppKey", in.AppKey).
		opt("LoraNodeType", in.LoraNodeType)
	var out struct{ Data DeviceCredentials }
	if err := c.call(ctx, "RegisterDevice", p.values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// QueryDeviceInfo reads a device's identity and secret (L11270–11453).
func (c *Client) QueryDeviceInfo(ctx context.Context, ref DeviceRef) (*DeviceCredentials, error) {
	var out struct{ Data DeviceCredentials }
	if err := c.deviceCall(ctx, "QueryDeviceInfo", ref, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// DeviceDetail is QueryDeviceDetail's Data (L11554–11680) and an entry of
// BatchQueryDeviceDetail (L11859–11953, which lacks the *Online fields).
type DeviceDetail struct {
	IotID        string `json:"IotId"`
	ProductKey   string
	ProductName  string
	DeviceName   string
	DeviceSecret Secret
	// Nickname also takes the sample's "NickName" (L11758): encoding/json
	// matches keys case-insensitively.
	Nickname        string
	Status          string
	NodeType        FlexInt
	Owner           FlexBool
	Region          string
	IPAddress       string `json:"IpAddress"`
	FirmwareVersion string
	GmtCreate       string // "yyyy-MM-dd HH:mm:ss", UTC+8 in the samples
	GmtActive       string
	GmtOnline       string
	UtcCreate       string
	UtcActive       string
	UtcOnline       string
}

// QueryDeviceDetail reads a device's details and state.
func (c *Client) QueryDeviceDetail(ctx context.Context, ref DeviceRef) (*DeviceDetail, error) {
	var out struct{ Data DeviceDetail }
	if err := c.deviceCall(ctx, "QueryDeviceDetail", ref, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// BatchQueryDeviceDetail reads up to 100 devices of one product. Devices
// that do not exist are left out of the answer, not reported (L11770–11776).
func (c *Client) BatchQueryDeviceDetail(ctx context.Context, productKey string, deviceNames []string) ([]DeviceDetail, error) {
	ch := check("BatchQueryDeviceDetail")
	ch.required("ProductKey", productKey)
	ch.deviceNames("DeviceName", deviceNames, 1, 100, "004 L11801–11812")
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := params{}.set("ProductKey", productKey).list("DeviceName", deviceNames)
	var out struct {
		Data struct{ Data OneOrMany[DeviceDetail] }
	}
	if err := c.call(ctx, "BatchQueryDeviceDetail", p.values(), &out); err != nil {
		return nil, err
	}
	return out.Data.Data, nil
}

// DeviceSummary is an entry of QueryDevice (Data.DeviceInfo, L12172–12307).
type DeviceSummary struct {
	IotID        string `json:"IotId"`
	ProductKey   string
	DeviceName   string
	DeviceSecret Secret
	DeviceStatus string
	Nickname     string
	GmtCreate    string // RFC 1123-like, "Wed, 20-Feb-2019 02:16:09 GMT"
	GmtModified  string
	UtcCreate    string
	UtcModified  string
}

// DeviceListInput is QueryDevice's request (L12092–12154).
type DeviceListInput struct {
	ProductKey string
	Page
	// NextToken is the previous answer's; it is required once
	// CurrentPage × PageSize passes 10,000 (L12127–12154).
	NextToken string
}

// DeviceList is one page of a product's devices, newest first.
type DeviceList struct {
	PageInfo
	NextToken string
	Devices   []DeviceSummary
}

// Paging limits of QueryDevice (L12119–12154).
const (
	deviceListMaxPageSize = 50
	tokenFreeOffset       = 10000  // beyond, NextToken is required
	tokenMaxOffset        = 500000 // with NextToken, the offset stays below
)

// QueryDevice reads one page of a product's devices.
func (c *Client) QueryDevice(ctx context.Context, in DeviceListInput) (*DeviceList, error) {
	ch := check("QueryDevice")
	ch.required("ProductKey", in.ProductKey)
	in.Page.check(ch, deviceListMaxPageSize, "004 L12119–12122")
	size := cmp.Or(in.PageSize, 10)
	offset := max(in.CurrentPage, 1) * size
	if offset > tokenFreeOffset && in.NextToken == "" {
		ch.fail("CurrentPage × PageSize %d is past 10,000: NextToken is required (004 L12127–12154)", offset)
	}
	if in.NextToken != "" && offset >= tokenMaxOffset {
		ch.fail("CurrentPage × PageSize %d must stay below 500,000 (004 L12127–12154)", offset)
	}
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := in.Page.addTo(params{}.set("ProductKey", in.ProductKey)).opt("NextToken", in.NextToken)
	var out struct {
		Page, PageSize, PageCount, Total FlexInt
		NextToken                        string
		Data                             struct{ DeviceInfo OneOrMany[DeviceSummary] }
	}
	if err := c.call(ctx, "QueryDevice", p.values(), &out); err != nil {
		return nil, err
	}
	return &DeviceList{
		PageInfo:  PageInfo{Page: out.Page, PageSize: out.PageSize, PageCount: out.PageCount, Total: out.Total},
		NextToken: out.NextToken,
		Devices:   out.Data.DeviceInfo,
	}, nil
}

// AllDevices pages through a product's devices, passing each answer's
// NextToken on so that it can go past the 10,000th device.
func (c *Client) AllDevices(ctx context.Context, productKey string, pageSize int) iter.Seq2[DeviceSummary, error] {
	return AllDevicesOf(ctx, c, productKey, pageSize)
}

// DeviceLister is what AllDevicesOf pages through: the Client, or what a
// caller puts in its place (the fleet's reads, and their fakes).
type DeviceLister interface {
	QueryDevice(ctx context.Context, in DeviceListInput) (*DeviceList, error)
}

// AllDevicesOf pages through a product's devices with l's QueryDevice, as
// AllDevices does.
func AllDevicesOf(ctx context.Context, l DeviceLister, productKey string, pageSize int) iter.Seq2[DeviceSummary, error] {
	return pages(ctx, cursor{}, func(ctx context.Context, at cursor) (pageOf[DeviceSummary], error) {
		list, err := l.QueryDevice(ctx, DeviceListInput{ProductKey: productKey, Page: Page{CurrentPage: at.page, PageSize: pageSize}, NextToken: at.token})
		if err != nil {
			return pageOf[DeviceSummary]{}, err
		}
		return pageOf[DeviceSummary]{items: list.Devices, more: list.HasNext(), token: list.NextToken}, nil
	})
}

// DeleteDevice deletes a device; one already gone answers aliyun.IsNotFound.
func (c *Client) DeleteDevice(ctx context.Context, ref DeviceRef) error {
	return c.deviceCall(ctx, "DeleteDevice", ref, nil)
}

// DisableThing stops a device from connecting, keeping its data (L12976).
func (c *Client) DisableThing(ctx context.Context, ref DeviceRef) error {
	return c.deviceCall(ctx, "DisableThing", ref, nil)
}

// EnableThing lets a disabled device connect again (L13124).
func (c *Client) EnableThing(ctx context.Context, ref DeviceRef) error {
	return c.deviceCall(ctx, "EnableThing", ref, nil)
}

// DeviceStatus is GetDeviceStatus's Data (L12660–12676).
type DeviceStatus struct {
	Status    string
	Timestamp FlexInt // epoch milliseconds of the last change
}

// GetDeviceStatus reads a device's connection state.
func (c *Client) GetDeviceStatus(ctx context.Context, ref DeviceRef) (*DeviceStatus, error) {
	var out struct{ Data DeviceStatus }
	if err := c.deviceCall(ctx, "GetDeviceStatus", ref, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// DeviceState is an entry of BatchGetDeviceState (L12853–12905).
type DeviceState struct {
	IotID          string `json:"IotId"`
	DeviceName     string
	Status         string
	AsAddress      string
	LastOnlineTime string
}

// BatchGetDeviceStateInput names up to 50 devices, by IotId or by names of
// one product (IotIds take precedence, L12771–12835).
type BatchGetDeviceStateInput struct {
	ProductKey  string
	DeviceNames []string
	IotIDs      []string
}

// BatchGetDeviceState reads the state of up to 50 devices.
func (c *Client) BatchGetDeviceState(ctx context.Context, in BatchGetDeviceStateInput) ([]DeviceState, error) {
	ch := check("BatchGetDeviceState")
	p := params{}
	if len(in.IotIDs) > 0 {
		ch.count("IotId", len(in.IotIDs), 1, 50, "004 L12735–12736")
		p.list("IotId", in.IotIDs)
	} else {
		ch.required("ProductKey", in.ProductKey)
		ch.deviceNames("DeviceName", in.DeviceNames, 1, 50, "004 L12735–12736")
		p.set("ProductKey", in.ProductKey).list("DeviceName", in.DeviceNames)
	}
	if err := ch.err(); err != nil {
		return nil, err
	}
	var out struct {
		DeviceStatusList struct{ DeviceStatus OneOrMany[DeviceState] }
	}
	if err := c.call(ctx, "BatchGetDeviceState", p.values(), &out); err != nil {
		return nil, err
	}
	return out.DeviceStatusList.DeviceStatus, nil
}

// deviceCall is an operation whose only input is a DeviceRef.
func (c *Client) deviceCall(ctx context.Context, action string, ref DeviceRef, out any) error {
	ch := check(action)
	ref.check(ch)
	if err := ch.err(); err != nil {
		return err
	}
	return c.call(ctx, action, ref.addTo(params{}).values(), out)
}
