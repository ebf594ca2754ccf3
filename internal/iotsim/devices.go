package iotsim

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Devices (section 4.8 of the developer guide; API-DIGEST §7).

// device finds the device a call identifies: IotId, or ProductKey and
// DeviceName; IotId takes precedence (L11334–11351). Devices of another
// account or another instance do not exist for the caller.
func (c *call) device() (*product, *Device, *apiError) {
	if id := c.str("IotId"); id != "" {
		d, ok := c.w.devices[id]
		if ok && d.InstanceID == c.inst.ID {
			if p := c.w.products[productKeyOf(d.InstanceID, d.ProductKey)]; p != nil && p.OwnerUID == c.key.UID {
				return p, d, nil
			}
		}
		return nil, nil, iotErrorf("iot.device.NotExistedDevice", "The device does not exist: IotId %s.", id)
	}
	pk, dn := c.str("ProductKey"), c.str("DeviceName")
	switch {
	case pk == "" && dn == "":
		return nil, nil, iotErrorf("iot.device.InvalidIoTId", "Specify IotId, or ProductKey and DeviceName.")
	case dn == "":
		return nil, nil, iotError("iot.device.NullDeviceName")
	}
	p, e := c.product()
	if e != nil {
		return nil, nil, e
	}
	d, ok := c.w.byName[deviceKeyOf(c.inst.ID, pk, dn)]
	if !ok {
		return nil, nil, iotErrorf("iot.device.NotExistedDevice", "The device does not exist: %s/%s.", pk, dn)
	}
	return p, d, nil
}

func checkDeviceName(name string) *apiError {
	if !validDeviceName(name) {
		return iotErrorf("iot.device.InvalidFormattedDeviceName",
			"The format of the DeviceName is invalid: %q. It must be 4 to 32 letters, digits and - _ @ . :", name)
	}
	return nil
}

// newDevice registers a device in p: UNACTIVE until it first connects.
func (c *call) newDevice(p *product, name, nickname string) *Device {
	now := c.nowMs()
	d := &Device{
		InstanceID: p.InstanceID, ProductKey: p.ProductKey, DeviceName: name,
		DeviceSecret: newDeviceSecret(), IotID: newIotID(), Nickname: nickname,
		Connection: "UNACTIVE", CreatedMs: now, ModifiedMs: now, StatusMs: now,
	}
	c.w.addDevice(p, d)
	return d
}

// registerDevice: RegisterDevice (L10582–10858). Without DeviceName the
// platform makes up a name, so a retry creates another device.
func registerDevice(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	name := c.str("DeviceName")
	if name == "" {
		name = newRandomDeviceName()
	} else if e := checkDeviceName(name); e != nil {
		return nil, e
	}
	nickname := c.str("Nickname")
	if nickname != "" && !validNickname(nickname) {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter",
			"The format of the Nickname is invalid: it must be 4 to 64 letters, digits and underscores (_).")
	}
	if lt := c.str("LoraNodeType"); lt != "" && lt != "ALIYUNDEFINED" && lt != "USERDEFINED" {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "LoraNodeType must be ALIYUNDEFINED or USERDEFINED.")
	}
	if _, taken := c.w.byName[deviceKeyOf(p.InstanceID, p.ProductKey, name)]; taken {
		return nil, iotError("iot.device.AlreadyExistedDeviceName")
	}
	d := c.newDevice(p, name, nickname)
	return M{"Data": M{
		"DeviceName": d.DeviceName, "DeviceSecret": d.DeviceSecret, "IotId": d.IotID,
		"Nickname": d.Nickname, "ProductKey": d.ProductKey,
	}}, nil
}

// queryDeviceInfo: QueryDeviceInfo (L11270–11453).
func queryDeviceInfo(c *call) (M, *apiError) {
	_, d, e := c.device()
	if e != nil {
		return nil, e
	}
	return M{"Data": M{
		"DeviceName": d.DeviceName, "DeviceSecret": d.DeviceSecret, "IotId": d.IotID,
		"Nickname": d.Nickname, "ProductKey": d.ProductKey,
	}}, nil
}

// deviceDetail is the item of QueryDeviceDetail (L11554–11680) and
// BatchQueryDeviceDetail (L11859–11953, without the online times).
func deviceDetail(p *product, d *Device, region string, withOnline bool) M {
	m := M{
		"DeviceName": d.DeviceName, "DeviceSecret": d.DeviceSecret, "FirmwareVersion": "",
		"GmtCreate": gmtLocal(d.CreatedMs), "UtcCreate": utcISO(d.CreatedMs),
		"IotId": d.IotID, "IpAddress": d.IPAddress, "Nickname": d.Nickname, "NodeType": p.NodeType,
		"Owner": true, "ProductKey": d.ProductKey, "ProductName": p.ProductName, "Region": region,
		"Status": d.Status(),
	}
	if d.ActiveMs > 0 {
		m["GmtActive"], m["UtcActive"] = gmtLocal(d.ActiveMs), utcISO(d.ActiveMs)
	}
	if withOnline && d.OnlineMs > 0 {
		m["GmtOnline"], m["UtcOnline"] = gmtLocal(d.OnlineMs), utcISO(d.OnlineMs)
	}
	if !withOnline {
		delete(m, "Owner")
		delete(m, "IpAddress")
	}
	return m
}

// queryDeviceDetail: QueryDeviceDetail (L11454–11766).
func queryDeviceDetail(c *call) (M, *apiError) {
	p, d, e := c.device()
	if e != nil {
		return nil, e
	}
	return M{"Data": deviceDetail(p, d, c.inst.Region, true)}, nil
}

// maxBatchQuery is BatchQueryDeviceDetail's limit (L11770).
const maxBatchQuery = 100

// batchQueryDeviceDetail: devices that do not exist are left out silently
// (L11770–11776).
func batchQueryDeviceDetail(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	names, e := c.deviceNames(maxBatchQuery)
	if e != nil {
		return nil, e
	}
	items := make([]M, 0, len(names))
	for _, n := range names {
		if d, ok := c.w.byName[deviceKeyOf(p.InstanceID, p.ProductKey, n)]; ok {
			items = append(items, deviceDetail(p, d, c.inst.Region, false))
		}
	}
	return M{"Data": M{"Data": items}}, nil
}

// QueryDevice paging (L12119–12154): a NextToken is needed beyond 10,000
// devices and must stay below 500,000.
const (
	queryDeviceTokenFrom = 10000
	queryDeviceTokenMax  = 500000
)

// queryDevice: QueryDevice (L12065–12401). Paging fields are at the top
// level; newest first. NextToken, when given, wins over CurrentPage (as
// ListDeviceDistributeJob documents; QueryDevice leaves it open).
func queryDevice(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	page, size, e := c.paging(10, 50, false)
	if e != nil {
		return nil, e
	}
	offset := (page - 1) * size
	if o, given, e := c.nextTokenOffset("iot.device.PageTokenIsIllegal"); e != nil {
		return nil, e
	} else if given {
		offset, page = o, o/size+1
		if page*size >= queryDeviceTokenMax {
			return nil, iotErrorf("iot.common.InvalidPageParams", "With NextToken, PageSize × CurrentPage must be less than %d.", queryDeviceTokenMax)
		}
	} else if page*size > queryDeviceTokenFrom {
		return nil, iotErrorf("iot.common.InvalidPageParams",
			"PageSize × CurrentPage is above %d: pass the NextToken of the previous page.", queryDeviceTokenFrom)
	}
	total := len(p.devices)
	items := make([]M, 0, size)
	// Newest first: index i from the end.
	for i := offset; i < total && i < offset+size; i++ {
		d := p.devices[total-1-i]
		items = append(items, M{
			"DeviceId": d.IotID, "DeviceName": d.DeviceName, "DeviceSecret": d.DeviceSecret,
			"DeviceStatus": d.Status(), "GmtCreate": gmtCookie(d.CreatedMs), "GmtModified": gmtCookie(d.ModifiedMs),
			"IotId": d.IotID, "Nickname": d.Nickname, "ProductKey": d.ProductKey,
			"UtcCreate": utcISO(d.CreatedMs), "UtcModified": utcISO(d.ModifiedMs),
		})
	}
	next := ""
	if offset+size < total {
		next = encodePageToken(offset + size)
	}
	return M{
		"Data": M{"DeviceInfo": items}, "NextToken": next,
		"Page": page, "PageSize": size, "PageCount": pageCount(total, size), "Total": total,
	}, nil
}

// Page tokens are opaque to clients; inside, the offset of the next item.
func encodePageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

// nextTokenOffset reads the NextToken parameter: the offset it carries and
// whether one was given; an invalid token answers badCode.
func (c *call) nextTokenOffset(badCode string) (offset int, given bool, e *apiError) {
	tok := c.str("NextToken")
	if tok == "" {
		return 0, false, nil
	}
	o, ok := decodePageToken(tok)
	if !ok {
		return 0, true, iotErrorf(badCode, "The NextToken is invalid.")
	}
	return o, true, nil
}

func decodePageToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), "offset:") {
		return 0, false
	}
	return n, true
}

// deleteDevice: DeleteDevice (L12402–12558); the device leaves its groups.
func deleteDevice(c *call) (M, *apiError) {
	p, d, e := c.device()
	if e != nil {
		return nil, e
	}
	c.w.removeDevice(p, d)
	return nil, nil
}

// batchUpdateDeviceNickname: all or nothing; an omitted Nickname deletes
// the alias (L14063–14065); aliases are 4–32 here (L14052–14065).
func batchUpdateDeviceNickname(c *call) (M, *apiError) {
	infos := c.structs("DeviceNicknameInfo")
	if len(infos) == 0 {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Specify at least one DeviceNicknameInfo.N.")
	}
	type change struct {
		d        *Device
		nickname string
	}
	changes := make([]change, 0, len(infos))
	for _, in := range infos {
		sub := *c
		sub.p = map[string][]string{"IotId": {in["IotId"]}, "ProductKey": {in["ProductKey"]}, "DeviceName": {in["DeviceName"]}}
		_, d, e := sub.device()
		if e != nil {
			return nil, e
		}
		if n := in["Nickname"]; n != "" && !validShortNickname(n) {
			e := iotError("iot.device.InvalidDeviceNickNameExisted")
			e.extra = M{"Data": M{"InvalidDeviceNicknameList": M{"InvalidDeviceNickname": []string{n}}}}
			return nil, e
		}
		changes = append(changes, change{d, in["Nickname"]})
	}
	for _, ch := range changes {
		ch.d.Nickname = ch.nickname
		ch.d.ModifiedMs = c.nowMs()
	}
	return nil, nil
}

// deviceNames reads DeviceName.N: at least one, at most max.
func (c *call) deviceNames(max int) ([]string, *apiError) {
	names := c.list("DeviceName")
	if len(names) == 0 {
		return nil, iotError("iot.device.NoneDeviceNameElement")
	}
	if len(names) > max {
		return nil, iotErrorf("iot.device.DeviceCountExceeded", "Specify at most %d DeviceName.N.", max)
	}
	return names, nil
}
