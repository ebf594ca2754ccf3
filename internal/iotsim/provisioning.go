package iotsim

import (
	"net/http"
	"sort"
)

// Where distributed devices and products went: QueryDeviceProvisioning
// (file 000), ListDistributedDevice and ListDistributedProduct (named only,
// 004 L2832–2834; fields as the official SDK decodes them).

// queryDeviceProvisioning answers Code "success" on success (000 L33–35).
// A device never distributed answers its own instance as the source, no
// target, and the server's time as GmtCreate/GmtModified (000 L48–58). Its
// documented errors carry HTTP 400 (000 L146–150), unlike other iot.* codes.
func queryDeviceProvisioning(c *call) (M, *apiError) {
	pk, dn := c.str("ProductKey"), c.str("DeviceName")
	if pk == "" || dn == "" {
		e := iotErrorf("iot.common.InvalidFormattedParameter", "ProductKey and DeviceName must be specified.")
		e.status = http.StatusBadRequest
		return nil, e
	}
	data := M{"AliyunUid": c.key.AliyunID, "ProductKey": pk, "DeviceName": dn,
		"GmtCreate": c.nowMs(), "GmtModified": c.nowMs(),
		"SourceIotInstanceId": "", "SourceRegion": "", "TargetIotInstanceId": "", "TargetRegion": ""}
	if pr, ok := c.w.provisions[provisionKeyOf(c.key.UID, pk, dn)]; ok {
		src, tgt := c.s.instances.byID[pr.SourceInstanceID], c.s.instances.byID[pr.TargetInstanceID]
		data["GmtCreate"], data["GmtModified"] = pr.CreatedMs, pr.ModifiedMs
		data["SourceIotInstanceId"], data["SourceRegion"] = src.ID, src.Region
		data["TargetIotInstanceId"], data["TargetRegion"] = tgt.ID, tgt.Region
		return M{"Code": "success", "Data": data}, nil
	}
	home, ok := c.homeInstance(pk, dn)
	if !ok {
		return nil, iotErrorf("iot.device.NotExistedDevice", "The device does not exist: %s/%s.", pk, dn)
	}
	data["SourceIotInstanceId"], data["SourceRegion"] = home.ID, home.Region
	return M{"Code": "success", "Data": data}, nil
}

// homeInstance is an instance of the caller's that has the device,
// preferring the addressed one.
func (c *call) homeInstance(pk, dn string) (Instance, bool) {
	if c.inst.ID != "" {
		if _, ok := c.w.byName[deviceKeyOf(c.inst.ID, pk, dn)]; ok {
			return c.inst, true
		}
	}
	var ids []string
	for _, p := range c.w.products {
		if p.ProductKey == pk && p.OwnerUID == c.key.UID {
			if _, ok := c.w.byName[deviceKeyOf(p.InstanceID, pk, dn)]; ok {
				ids = append(ids, p.InstanceID)
			}
		}
	}
	if len(ids) == 0 {
		return Instance{}, false
	}
	sort.Strings(ids)
	return c.s.instances.byID[ids[0]], true
}

func (c *call) distributionItem(pk, srcID, tgtID, targetUID string, created int64) M {
	src, tgt := c.s.instances.byID[srcID], c.s.instances.byID[tgtID]
	return M{"ProductKey": pk, "SourceInstanceId": src.ID, "SourceInstanceName": src.Name, "SourceRegion": src.Region,
		"TargetInstanceId": tgt.ID, "TargetInstanceName": tgt.Name, "TargetRegion": tgt.Region,
		"SourceUid": c.key.UID, "TargetUid": targetUID, "TargetAliyunId": c.key.AliyunID, "GmtCreate": created}
}

// matchesDistributionFilter applies the filters both listings take.
func (c *call) matchesDistributionFilter(pk, srcID, tgtID, targetUID string) bool {
	return (c.str("ProductKey") == "" || pk == c.str("ProductKey")) &&
		(c.str("SourceInstanceId") == "" || srcID == c.str("SourceInstanceId")) &&
		(c.str("TargetInstanceId") == "" || tgtID == c.str("TargetInstanceId")) &&
		(c.str("TargetUid") == "" || targetUID == c.str("TargetUid"))
}

// listDistributedDevice: Data{Total, Info{items[]}}, newest first.
func listDistributedDevice(c *call) (M, *apiError) {
	page, size, e := c.paging(10, 200, false)
	if e != nil {
		return nil, e
	}
	var hits []*Provision
	for _, pr := range c.w.provisions {
		if pr.OwnerUID == c.key.UID && c.matchesDistributionFilter(pr.ProductKey, pr.SourceInstanceID, pr.TargetInstanceID, pr.TargetUID) &&
			(c.str("DeviceName") == "" || pr.DeviceName == c.str("DeviceName")) {
			hits = append(hits, pr)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].ModifiedMs != hits[j].ModifiedMs {
			return hits[i].ModifiedMs > hits[j].ModifiedMs
		}
		return hits[i].ProductKey+"\x00"+hits[i].DeviceName < hits[j].ProductKey+"\x00"+hits[j].DeviceName
	})
	from, to := pageOf(len(hits), page, size)
	items := make([]M, 0, to-from)
	for _, pr := range hits[from:to] {
		item := c.distributionItem(pr.ProductKey, pr.SourceInstanceID, pr.TargetInstanceID, pr.TargetUID, pr.CreatedMs)
		item["DeviceName"], item["GmtModified"] = pr.DeviceName, pr.ModifiedMs
		items = append(items, item)
	}
	return M{"Data": M{"Total": len(hits), "Info": M{"items": items}}}, nil
}

// listDistributedProduct lists each (product, source, target) that a
// completed job distributed, newest first.
func listDistributedProduct(c *call) (M, *apiError) {
	page, size, e := c.paging(10, 200, false)
	if e != nil {
		return nil, e
	}
	seen := map[string]bool{}
	var items []M
	for i := len(c.w.jobOrder) - 1; i >= 0; i-- {
		j := c.w.jobOrder[i]
		if j.OwnerUID != c.key.UID || !j.Settled || j.Interrupted {
			continue
		}
		for _, t := range j.TargetInstanceIDs {
			key := j.ProductKey + "\x00" + j.SourceInstanceID + "\x00" + t
			if seen[key] || !c.matchesDistributionFilter(j.ProductKey, j.SourceInstanceID, t, j.TargetUID) {
				continue
			}
			seen[key] = true
			items = append(items, c.distributionItem(j.ProductKey, j.SourceInstanceID, t, j.TargetUID, j.CreatedMs))
		}
	}
	from, to := pageOf(len(items), page, size)
	return M{"Data": M{"Total": len(items), "Info": M{"items": append([]M{}, items[from:to]...)}}}, nil
}
