package iot

import (
	"context"
	"strconv"
)

// Batch registration states (L14255–14288). CHECK and CREATE are in
// progress; the others are final for their phase, all-or-nothing.
const (
	BatchStatusCheck         = "CHECK"
	BatchStatusCheckSuccess  = "CHECK_SUCCESS"
	BatchStatusCheckFailed   = "CHECK_FAILED"
	BatchStatusCreate        = "CREATE"
	BatchStatusCreateSuccess = "CREATE_SUCCESS"
	BatchStatusCreateFailed  = "CREATE_FAILED"
)

// NamedDevice is a name to register with an optional nickname.
type NamedDevice struct {
	DeviceName string
	Nickname   string // 4–64 letters, digits, _ (L13551–13564)
}

// BatchCheck is BatchCheckDeviceNames' Data (L13582–13613): the ApplyId of
// the batch, and the names refused outright.
type BatchCheck struct {
	ApplyID                   FlexInt `json:"ApplyId"`
	InvalidDeviceNameList     struct{ InvalidDeviceName OneOrMany[string] }
	InvalidDeviceNicknameList struct{ InvalidDeviceNickname OneOrMany[string] }
}

// BatchCheckDeviceNames submits up to 10,000 names for registration in one
// product, the first step of batch registration (L13422–13669). The check
// runs asynchronously: poll QueryBatchRegisterDeviceStatus.
func (c *Client) BatchCheckDeviceNames(ctx context.Context, productKey string, devices []NamedDevice) (*BatchCheck, error) {
	ch := check("BatchCheckDeviceNames")
	ch.required("ProductKey", productKey)
	ch.count("DeviceNameList", len(devices), 1, maxDeviceNamesPerCall, "004 L13445")
	for _, d := range devices {
		ch.deviceName("DeviceNameList.DeviceName", d.DeviceName)
		if d.Nickname != "" {
			ch.text("DeviceNameList.DeviceNickname", d.Nickname, 4, 64, nameChars, "004 L13551–13564")
		}
	}
	if err := ch.err(); err != nil {
		return nil, err
	}
	// DeviceNameList carries nicknames and wins over DeviceName.N when both
	// are given (L13495–13564), so it is the only form sent.
	p := params{}.set("ProductKey", productKey)
	for i, d := range devices {
		n := "DeviceNameList." + strconv.Itoa(i+1)
		p.set(n+".DeviceName", d.DeviceName).opt(n+".DeviceNickname", d.Nickname)
	}
	var out struct{ Data BatchCheck }
	if err := c.call(ctx, "BatchCheckDeviceNames", p.values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// BatchRegisterDeviceWithApplyID registers the names an ApplyId checked
// (L13670–13825); registration takes minutes.
func (c *Client) BatchRegisterDeviceWithApplyID(ctx context.Context, productKey string, applyID int64) (int64, error) {
	ch := check("BatchRegisterDeviceWithApplyId")
	ch.required("ProductKey", productKey)
	if applyID <= 0 {
		ch.fail("ApplyId is required (004 L13721–13724)")
	}
	if err := ch.err(); err != nil {
		return 0, err
	}
	p := params{}.set("ProductKey", productKey).set("ApplyId", strconv.FormatInt(applyID, 10))
	return c.applyCall(ctx, "BatchRegisterDeviceWithApplyId", p)
}

// BatchRegisterDevice registers count devices with random names
// (L13826–13979). Every call makes count new devices: persist the ApplyId
// before anything can retry it.
func (c *Client) BatchRegisterDevice(ctx context.Context, productKey string, count int) (int64, error) {
	ch := check("BatchRegisterDevice")
	ch.required("ProductKey", productKey)
	// The operation says 10,000 (L13849); iot.device.DeviceCountExceeded
	// says 1,000 (L4369–4377). The operation's own page is followed; the
	// platform's answer settles it.
	ch.between("Count", count, 1, maxDeviceNamesPerCall, "004 L13873–13879")
	if err := ch.err(); err != nil {
		return 0, err
	}
	return c.applyCall(ctx, "BatchRegisterDevice", params{}.set("ProductKey", productKey).set("Count", itoa(count)))
}

func (c *Client) applyCall(ctx context.Context, action string, p params) (int64, error) {
	var out struct {
		Data struct {
			ApplyID FlexInt `json:"ApplyId"`
		}
	}
	if err := c.call(ctx, action, p.values(), &out); err != nil {
		return 0, err
	}
	return int64(out.Data.ApplyID), nil
}

// BatchRegisterStatus is QueryBatchRegisterDeviceStatus' Data (L14239–14299).
type BatchRegisterStatus struct {
	Status      string
	ValidList   struct{ Name OneOrMany[string] }
	InvalidList struct{ Name OneOrMany[string] }
}

// QueryBatchRegisterDeviceStatus reads the phase of a batch.
func (c *Client) QueryBatchRegisterDeviceStatus(ctx context.Context, productKey string, applyID int64) (*BatchRegisterStatus, error) {
	ch := check("QueryBatchRegisterDeviceStatus")
	ch.required("ProductKey", productKey)
	if applyID <= 0 {
		ch.fail("ApplyId is required (004 L14180–14186)")
	}
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := params{}.set("ProductKey", productKey).set("ApplyId", strconv.FormatInt(applyID, 10))
	var out struct{ Data BatchRegisterStatus }
	if err := c.call(ctx, "QueryBatchRegisterDeviceStatus", p.values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// AppliedDevice is an entry of QueryPageByApplyId (L14433–14508).
type AppliedDevice struct {
	IotID        string `json:"IotId"`
	DeviceName   string
	DeviceSecret Secret
}

// AppliedDeviceList is one page of a batch's registered devices.
type AppliedDeviceList struct {
	PageInfo
	Devices []AppliedDevice
}

// QueryPageByApplyID reads the devices a batch registered, with their
// secrets (L14361–14573). PageSize is at most 50.
func (c *Client) QueryPageByApplyID(ctx context.Context, applyID int64, page Page) (*AppliedDeviceList, error) {
	ch := check("QueryPageByApplyId")
	if applyID <= 0 {
		ch.fail("ApplyId is required (004 L14388–14393)")
	}
	page.check(ch, 50, "004 L14418–14421")
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := page.addTo(params{}.set("ApplyId", strconv.FormatInt(applyID, 10)))
	var out struct {
		Page, PageSize, PageCount, Total FlexInt
		ApplyDeviceList                  struct{ ApplyDeviceInfo OneOrMany[AppliedDevice] }
	}
	if err := c.call(ctx, "QueryPageByApplyId", p.values(), &out); err != nil {
		return nil, err
	}
	return &AppliedDeviceList{
		PageInfo: PageInfo{Page: out.Page, PageSize: out.PageSize, PageCount: out.PageCount, Total: out.Total},
		Devices:  out.ApplyDeviceList.ApplyDeviceInfo,
	}, nil
}

// NicknameChange sets (or, with an empty Nickname, deletes, L14063–14065)
// one device's nickname.
type NicknameChange struct {
	Device   DeviceRef
	Nickname string // 4–32 letters, digits, _ here (L14052–14065)
}

// BatchUpdateDeviceNickname changes nicknames (L13980–14153).
func (c *Client) BatchUpdateDeviceNickname(ctx context.Context, changes []NicknameChange) error {
	ch := check("BatchUpdateDeviceNickname")
	if len(changes) == 0 {
		ch.fail("at least one DeviceNicknameInfo is required")
	}
	p := params{}
	for i, change := range changes {
		change.Device.check(ch)
		if change.Nickname != "" {
			ch.text("Nickname", change.Nickname, 4, 32, nameChars, "004 L14052–14065")
		}
		n := "DeviceNicknameInfo." + strconv.Itoa(i+1)
		if change.Device.IotID != "" {
			p.set(n+".IotId", change.Device.IotID)
		} else {
			p.set(n+".ProductKey", change.Device.ProductKey).set(n+".DeviceName", change.Device.DeviceName)
		}
		p.opt(n+".Nickname", change.Nickname)
	}
	if err := ch.err(); err != nil {
		return err
	}
	return c.call(ctx, "BatchUpdateDeviceNickname", p.values(), nil)
}
