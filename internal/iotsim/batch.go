package iotsim

import (
	"strconv"
)

// Batch registration (L13422–14573; API-DIGEST §7.11–7.16, §12.2):
// BatchCheckDeviceNames → CHECK → CHECK_SUCCESS | CHECK_FAILED, then
// BatchRegisterDeviceWithApplyId → CREATE → CREATE_SUCCESS | CREATE_FAILED,
// all or nothing (L14263–14288). BatchRegisterDevice starts at CREATE.
// A phase ends Timing.BatchCheck / BatchCreate after it began; advance
// applies the end on the first call after that moment.

// maxBatchNames is BatchCheckDeviceNames' and BatchRegisterDevice's limit
// (L13445, L13849). iot.device.DeviceCountExceeded's text says 1,000
// (L4369–4377, ambiguity 3); the operation topics say 10,000.
const maxBatchNames = 10000

func batchSettled(status string) bool {
	return status != "CHECK" && status != "CREATE"
}

// advanceBatch applies the end of the batch's phase if it is due and
// reports whether the batch still has a phase running.
func (s *Simulator) advanceBatch(b *Batch, nowMs int64) (pending bool) {
	w := s.world
	switch b.Status {
	case "CHECK":
		if nowMs < b.CheckStartMs+s.timing.BatchCheck.Milliseconds() {
			return true
		}
		b.Invalid = w.conflictingNames(b)
		if len(b.Invalid) > 0 {
			b.Status = "CHECK_FAILED"
		} else {
			b.Status = "CHECK_SUCCESS"
		}
	case "CREATE":
		end := b.CreateStartMs + s.timing.BatchCreate.Milliseconds()
		if nowMs < end {
			return true
		}
		p := w.products[productKeyOf(b.InstanceID, b.ProductKey)]
		if p == nil {
			b.Status, b.Invalid = "CREATE_FAILED", b.Names
			return false
		}
		if b.Invalid = w.conflictingNames(b); len(b.Invalid) > 0 {
			b.Status = "CREATE_FAILED"
			return false
		}
		c := &call{s: s, w: w, now: timeMs(end)}
		b.IotIDs = make([]string, len(b.Names))
		for i, name := range b.Names {
			nickname := ""
			if i < len(b.Nicknames) {
				nickname = b.Nicknames[i]
			}
			b.IotIDs[i] = c.newDevice(p, name, nickname).IotID
		}
		b.Status = "CREATE_SUCCESS"
	}
	return false
}

// conflictingNames are the batch's names that exist in the product already
// or appear twice in the batch.
func (w *world) conflictingNames(b *Batch) []string {
	var bad []string
	seen := make(map[string]bool, len(b.Names))
	for _, n := range b.Names {
		_, exists := w.byName[deviceKeyOf(b.InstanceID, b.ProductKey, n)]
		if exists || seen[n] {
			bad = append(bad, n)
		}
		seen[n] = true
	}
	return bad
}

// batchCheckDeviceNames: DeviceNameList.N wins over DeviceName.N
// (L13495–13564). Bad formats fail at once with the invalid lists; names
// taken in the product fail the asynchronous check (CHECK_FAILED with
// InvalidList), since the check is what the platform runs for minutes.
func batchCheckDeviceNames(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	var names, nicknames []string
	if list := c.structs("DeviceNameList"); len(list) > 0 {
		for _, it := range list {
			names = append(names, it["DeviceName"])
			nicknames = append(nicknames, it["DeviceNickname"])
		}
	} else {
		names = c.list("DeviceName")
	}
	if len(names) == 0 {
		return nil, iotError("iot.device.NoneDeviceNameElement")
	}
	if len(names) > maxBatchNames {
		return nil, iotErrorf("iot.device.DeviceCountExceeded", "Specify at most %d DeviceNames in a call.", maxBatchNames)
	}
	var badNames, badNicknames []string
	for i, n := range names {
		if !validDeviceName(n) {
			badNames = append(badNames, n)
		}
		if i < len(nicknames) && nicknames[i] != "" && !validNickname(nicknames[i]) {
			badNicknames = append(badNicknames, nicknames[i])
		}
	}
	if len(badNames) > 0 {
		e := iotError("iot.device.InvalidFormattedDeviceName")
		e.extra = M{"Data": M{"InvalidDeviceNameList": M{"InvalidDeviceName": badNames}}}
		return nil, e
	}
	if len(badNicknames) > 0 {
		e := iotError("iot.device.InvalidDeviceNickNameExisted")
		e.extra = M{"Data": M{"InvalidDeviceNicknameList": M{"InvalidDeviceNickname": badNicknames}}}
		return nil, e
	}
	b := c.newBatch(p, names, nicknames, "CHECK")
	return M{"Data": M{"ApplyId": b.ApplyID}}, nil
}

func (c *call) newBatch(p *product, names, nicknames []string, status string) *Batch {
	w := c.w
	b := &Batch{ApplyID: w.nextApplyID, InstanceID: p.InstanceID, ProductKey: p.ProductKey,
		Names: names, Nicknames: nicknames, CheckStartMs: c.nowMs(), Status: status}
	if status == "CREATE" {
		b.CreateStartMs = c.nowMs()
	}
	w.nextApplyID++
	w.batches[b.ApplyID] = b
	w.pendingBatches = append(w.pendingBatches, b)
	return b
}

// batch finds the caller's batch by ApplyId (and ProductKey when the
// operation takes one).
func (c *call) batch(withProduct bool) (*Batch, *apiError) {
	raw := c.str("ApplyId")
	if raw == "" {
		return nil, iotError("iot.device.NullApplyId")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, iotError("iot.device.InvalidFormattedApplyId")
	}
	b, ok := c.w.batches[id]
	if ok && withProduct {
		ok = b.ProductKey == c.str("ProductKey")
	}
	if ok {
		p := c.w.products[productKeyOf(b.InstanceID, b.ProductKey)]
		ok = b.InstanceID == c.inst.ID && (p == nil || p.OwnerUID == c.key.UID)
	}
	if !ok {
		return nil, iotError("iot.device.DeviceApplyIsNotFound")
	}
	return b, nil
}

// batchRegisterDeviceWithApplyId starts the CREATE phase of a checked
// batch. Calling it again for a batch already creating or created answers
// the same ApplyId: the request asked for holds.
func batchRegisterDeviceWithApplyId(c *call) (M, *apiError) {
	if _, e := c.product(); e != nil {
		return nil, e
	}
	b, e := c.batch(true)
	if e != nil {
		return nil, e
	}
	switch b.Status {
	case "CHECK":
		return nil, iotErrorf("iot.device.CreateDeviceTaskIsRunning", "The check of ApplyId %d is still running. Try again later.", b.ApplyID)
	case "CHECK_FAILED":
		return nil, iotErrorf("iot.device.IncorrentDeviceApplyInfo", "The check of ApplyId %d failed; see QueryBatchRegisterDeviceStatus.", b.ApplyID)
	case "CHECK_SUCCESS":
		b.Status, b.CreateStartMs = "CREATE", c.nowMs()
		c.w.pendingBatches = append(c.w.pendingBatches, b)
	}
	return M{"Data": M{"ApplyId": b.ApplyID}}, nil
}

// batchRegisterDevice registers Count devices with random names
// (L13826–13979): never idempotent.
func batchRegisterDevice(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	count, ok := c.intParam("Count", 0)
	if !ok || c.str("Count") == "" {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Count must be an integer.")
	}
	if count < 1 || count > maxBatchNames {
		return nil, iotErrorf("iot.device.DeviceCountExceeded", "Count must be 1 to %d.", maxBatchNames)
	}
	names := make([]string, count)
	for i := range names {
		names[i] = newRandomDeviceName()
	}
	b := c.newBatch(p, names, nil, "CREATE")
	return M{"Data": M{"ApplyId": b.ApplyID}}, nil
}

// queryBatchRegisterDeviceStatus: ValidList on *_SUCCESS, InvalidList on
// *_FAILED, both empty while a phase runs (L14239–14299).
func queryBatchRegisterDeviceStatus(c *call) (M, *apiError) {
	if _, e := c.product(); e != nil {
		return nil, e
	}
	b, e := c.batch(true)
	if e != nil {
		return nil, e
	}
	valid, invalid := []string{}, []string{}
	switch b.Status {
	case "CHECK_SUCCESS", "CREATE_SUCCESS":
		valid = b.Names
	case "CHECK_FAILED", "CREATE_FAILED":
		invalid = b.Invalid
	}
	return M{"Data": M{"Status": b.Status, "ValidList": M{"Name": valid}, "InvalidList": M{"Name": invalid}}}, nil
}

// queryPageByApplyId lists the devices a batch created, with their
// secrets; paging fields at the top level (L14433–14508).
func queryPageByApplyId(c *call) (M, *apiError) {
	b, e := c.batch(false)
	if e != nil {
		return nil, e
	}
	page, size, e := c.paging(10, 50, false)
	if e != nil {
		return nil, e
	}
	var devices []*Device
	for _, id := range b.IotIDs {
		if d, ok := c.w.devices[id]; ok {
			devices = append(devices, d)
		}
	}
	from, to := pageOf(len(devices), page, size)
	items := make([]M, 0, to-from)
	for _, d := range devices[from:to] {
		items = append(items, M{"DeviceId": d.IotID, "DeviceName": d.DeviceName, "DeviceSecret": d.DeviceSecret, "IotId": d.IotID})
	}
	return M{"ApplyDeviceList": M{"ApplyDeviceInfo": items},
		"Page": page, "PageSize": size, "PageCount": pageCount(len(devices), size), "Total": len(devices)}, nil
}
