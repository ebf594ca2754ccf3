package iotsim

import (
	"net/http"
	"slices"
)

// Distribution jobs (seed files 001–003; API-DIGEST §9–10): a job copies a
// product, and the named devices, from a source instance to target
// instances of the same account. Status 0 (initializing) for
// Timing.JobInitializing, 1 (running) for Timing.JobRunning, then 2
// (completed; not every device need have made it) or 3 (interrupted, by
// fault). The copy and the per-device results are made when the job ends.

const (
	maxRunningJobs    = 10    // per account, products and devices (003 L30, L4895–4909)
	maxJobDeviceNames = 10000 // 003 L40–92
	jobListTokenFrom  = 10000 // 001 L52–62
)

// cnShanghaiOnly refuses a call of an operation documented as served only
// by iot.cn-shanghai.aliyuncs.com (003 L28, 002 L5) when it arrives for
// another region. The gateway shape and code are the simulator's choice.
func (c *call) cnShanghaiOnly() *apiError {
	if r := c.str("RegionId"); r != "cn-shanghai" {
		return gatewayError(http.StatusBadRequest, "UnsupportedOperation",
			"The specified action is not supported in region "+r+": "+c.action+" is served only by iot.cn-shanghai.aliyuncs.com.")
	}
	return nil
}

// jobStatus derives a job's status from its age.
func (s *Simulator) jobStatus(j *Job, nowMs int64) int {
	started := j.CreatedMs + s.timing.JobInitializing.Milliseconds()
	ended := started + s.timing.JobRunning.Milliseconds()
	switch {
	case nowMs < started:
		return 0
	case nowMs < ended || (!j.Settled && s.faults.holdJobs()):
		return 1
	case j.Interrupted:
		return 3
	default:
		return 2
	}
}

func jobFinished(status int) bool { return status == 2 || status == 3 }

// account is the key of a UID, or false for an account the simulator does
// not know.
func (s *Simulator) account(uid string) (AccessKey, bool) {
	k, ok := s.accounts[uid]
	return k, ok
}

// targetAccount checks TargetUid / TargetAliyunId: one is required
// (003 L82–92) and it must be the caller's account, since the platform does
// not distribute across accounts (003 L29).
func (c *call) targetAccount() *apiError {
	uid, aliyunID := c.str("TargetUid"), c.str("TargetAliyunId")
	if uid == "" && aliyunID == "" {
		return iotErrorf("iot.provisioning.TargetAccountParamsError", "Specify TargetUid or TargetAliyunId.")
	}
	for _, given := range []struct{ value, own string }{{uid, c.key.UID}, {aliyunID, c.key.AliyunID}} {
		if given.value == "" || given.value == given.own {
			continue
		}
		for _, k := range c.s.keys {
			if k.UID == given.value || k.AliyunID == given.value {
				return iotErrorf("iot.provisioning.NotCrossTenantId",
					"The operation cannot be performed across accounts: the target account %s is not the caller's.", given.value)
			}
		}
		return iotErrorf("iot.provisioning.AccountNotFound", "The account %s does not exist.", given.value)
	}
	return nil
}

// jobInstances checks the source and the targets of a job.
func (c *call) jobInstances(targets []string, strategy int) (Instance, []Instance, *apiError) {
	src, ok := c.s.instances.byID[c.str("SourceInstanceId")]
	if !ok {
		return Instance{}, nil, iotErrorf("iot.provisioning.SourceInstanceNotFound", "The source instance ID does not exist: %q.", c.str("SourceInstanceId"))
	}
	if len(targets) == 0 {
		return Instance{}, nil, iotErrorf("iot.provisioning.TargetInstanceNotFound", "Specify a target instance.")
	}
	if strategy == 0 && len(targets) != 1 {
		return Instance{}, nil, iotErrorf("iot.provisioning.ErrorStrategy", "Strategy 0 distributes to exactly one target instance.")
	}
	var out []Instance
	regions := map[string]bool{}
	for _, id := range targets {
		t, ok := c.s.instances.byID[id]
		if !ok {
			return Instance{}, nil, iotErrorf("iot.provisioning.TargetInstanceNotFound", "The destination instance ID does not exist: %q.", id)
		}
		if t.ID == src.ID {
			return Instance{}, nil, iotError("iot.system.InstanceIdSame")
		}
		if regions[t.Region] {
			return Instance{}, nil, iotError("iot.provisioning.InstanceRegionConflict")
		}
		regions[t.Region] = true
		out = append(out, t)
	}
	return src, out, nil
}

// unfinishedJobs are the account's jobs in status 0 or 1.
func (c *call) unfinishedJobs() []*Job {
	var out []*Job
	for _, j := range c.w.jobOrder {
		if j.OwnerUID == c.key.UID && !jobFinished(c.s.jobStatus(j, c.nowMs())) {
			out = append(out, j)
		}
	}
	return out
}

// createDeviceDistributeJob: CreateDeviceDistributeJob (file 003).
func createDeviceDistributeJob(c *call) (M, *apiError) {
	if e := c.cnShanghaiOnly(); e != nil {
		return nil, e
	}
	var targets []string
	for _, t := range c.structs("TargetInstanceConfig") {
		targets = append(targets, t["TargetInstanceId"])
	}
	return c.createJob(c.list("DeviceName"), targets, false)
}

// createProductDistributeJob distributes a product alone (004 L2820–2822;
// fields as in seeds/README.md); it counts against the same 10 jobs.
func createProductDistributeJob(c *call) (M, *apiError) {
	var targets []string
	if t := c.str("TargetInstanceId"); t != "" {
		targets = []string{t}
	}
	return c.createJob(nil, targets, true)
}

func (c *call) createJob(names, targets []string, productOnly bool) (M, *apiError) {
	if c.str("ProductKey") == "" {
		return nil, iotError("iot.prod.NullProductKey")
	}
	strategy, ok := c.intParam("Strategy", 0) // "Required", yet "Default: 0" (ambiguity 17)
	if !ok || (strategy != 0 && strategy != 1) {
		return nil, iotErrorf("iot.provisioning.ErrorStrategy", "Strategy must be 0 (one region) or 1 (nearest region).")
	}
	src, tgts, e := c.jobInstances(targets, strategy)
	if e != nil {
		return nil, e
	}
	if e := c.targetAccount(); e != nil {
		return nil, e
	}
	p, ok := c.w.products[productKeyOf(src.ID, c.str("ProductKey"))]
	if !ok || p.OwnerUID != c.key.UID {
		return nil, iotErrorf("iot.prod.NotExistedProduct", "The product %s does not exist in instance %s.", c.str("ProductKey"), src.ID)
	}
	if !productOnly {
		if len(names) == 0 {
			return nil, iotError("iot.device.NoneDeviceNameElement")
		}
		if len(names) > maxJobDeviceNames {
			return nil, iotErrorf("iot.device.DeviceCountExceeded", "A job distributes at most %d devices.", maxJobDeviceNames)
		}
	}
	running := c.unfinishedJobs()
	if len(running) >= maxRunningJobs {
		return nil, iotError("iot.provisioning.RunningTaskExcceedLimit")
	}
	for _, j := range running {
		if j.ProductKey != p.ProductKey || j.SourceInstanceID != src.ID {
			continue
		}
		for _, n := range names {
			if slices.Contains(j.DeviceNames, n) {
				return nil, iotErrorf("iot.provisioning.DeviceIsInAnotherTask",
					"The device %s is in the unfinished task %s. A device can be distributed by only one task at a time.", n, j.JobID)
			}
		}
	}
	j := &Job{
		JobID: newJobID(), OwnerUID: c.key.UID, TargetUID: c.key.UID, TargetAliyunID: c.str("TargetAliyunId"),
		ProductKey: p.ProductKey, SourceInstanceID: src.ID, Strategy: strategy,
		DeviceNames: slices.Clone(names), ProductOnly: productOnly, CreatedMs: c.nowMs(),
		Interrupted: c.s.faults.interruptJobs(),
	}
	for _, t := range tgts {
		j.TargetInstanceIDs = append(j.TargetInstanceIDs, t.ID)
	}
	c.w.jobs[j.JobID] = j
	c.w.jobOrder = append(c.w.jobOrder, j)
	c.w.pendingJobs = append(c.w.pendingJobs, j)
	// JobId is at the top level, not in Data (003 L98–120).
	return M{"JobId": j.JobID}, nil
}

// job finds a job by JobId; another account's job is refused as such.
func (c *call) job() (*Job, *apiError) {
	id := c.str("JobId")
	j, ok := c.w.jobs[id]
	if !ok {
		return nil, iotErrorf("iot.provisioning.TaskNotExist", "The task does not exist: %q.", id)
	}
	if j.OwnerUID != c.key.UID {
		return nil, iotError("iot.provisioning.UidAndTaskNotMatch")
	}
	return j, nil
}

func (c *call) targetConfigs(j *Job, detailed bool) []M {
	out := make([]M, 0, len(j.TargetInstanceIDs))
	for _, id := range j.TargetInstanceIDs {
		m := M{"TargetInstanceId": id}
		if detailed {
			t := c.s.instances.byID[id]
			m["TargetInstanceName"], m["TargetRegion"], m["TargetUid"] = t.Name, t.Region, j.TargetUID
		}
		out = append(out, m)
	}
	return out
}

func jobTotal(j *Job) int { return len(j.DeviceNames) }

// queryDeviceDistributeJob: QueryDeviceDistributeJob (file 002). Numbers
// are numbers, as the response table types them (the sample quotes them).
func queryDeviceDistributeJob(c *call) (M, *apiError) {
	if e := c.cnShanghaiOnly(); e != nil {
		return nil, e
	}
	j, e := c.job()
	if e != nil {
		return nil, e
	}
	return M{"Data": M{
		"GmtCreate": j.CreatedMs, "JobId": j.JobID, "ProductKey": j.ProductKey,
		"SourceInstanceId": j.SourceInstanceID, "SourceUid": j.OwnerUID, "Status": c.s.jobStatus(j, c.nowMs()),
		"Strategy": j.Strategy, "TargetUid": j.TargetUID, "Total": jobTotal(j),
		"TargetInstanceConfigs": M{"targetInstanceConfigs": c.targetConfigs(j, false)},
	}}, nil
}

// listDeviceDistributeJob: ListDeviceDistributeJob (file 001), newest
// first. NextToken wins over CurrentPage; beyond an offset of 10,000 a
// NextToken is required (001 L52–62).
func listDeviceDistributeJob(c *call) (M, *apiError) {
	if c.str("PageSize") == "" {
		return nil, iotErrorf("iot.common.InvalidPageParams", "PageSize must be specified (1 to 200).")
	}
	page, size, e := c.paging(10, 200, false)
	if e != nil {
		return nil, e
	}
	offset := (page - 1) * size
	if o, given, e := c.nextTokenOffset("iot.common.InvalidPageParams"); e != nil {
		return nil, e
	} else if given {
		offset = o
	} else if offset > jobListTokenFrom {
		return nil, iotError("iot.provisioning.NextTokenNotNull")
	}
	status, ok := c.intParam("Status", -1)
	if !ok || status < -1 || status > 3 {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Status must be 0, 1, 2 or 3.")
	}
	var hits []*Job // newest first
	for i := len(c.w.jobOrder) - 1; i >= 0; i-- {
		j := c.w.jobOrder[i]
		if j.OwnerUID != c.key.UID || !c.s.faults.listsJob(j.CreatedMs, c.nowMs()) ||
			(status >= 0 && c.s.jobStatus(j, c.nowMs()) != status) ||
			(c.str("JobId") != "" && j.JobID != c.str("JobId")) ||
			(c.str("ProductKey") != "" && j.ProductKey != c.str("ProductKey")) ||
			(c.str("TargetUid") != "" && j.TargetUID != c.str("TargetUid")) {
			continue
		}
		hits = append(hits, j)
	}
	from, to := min(offset, len(hits)), min(offset+size, len(hits))
	items := make([]M, 0, to-from)
	for _, j := range hits[from:to] {
		src := c.s.instances.byID[j.SourceInstanceID]
		items = append(items, M{
			"GmtCreate": j.CreatedMs, "JobId": j.JobID, "ProductKey": j.ProductKey,
			"SourceInstanceId": j.SourceInstanceID, "SourceInstanceName": src.Name, "SourceRegion": src.Region,
			"SourceUid": j.OwnerUID, "Status": c.s.jobStatus(j, c.nowMs()), "Strategy": j.Strategy,
			"TargetUid": j.TargetUID, "Total": jobTotal(j),
			"TargetInstanceConfigs": M{"targetInstanceConfigs": c.targetConfigs(j, true)},
		})
	}
	next := ""
	if to < len(hits) {
		next = encodePageToken(to)
	}
	return M{"Data": M{"JobInfo": M{"items": items}, "NextToken": next, "Total": len(hits)}}, nil
}

// deleteDeviceDistributeJob deletes a finished job (004 L2830). What it
// distributed stays distributed.
func deleteDeviceDistributeJob(c *call) (M, *apiError) {
	j, e := c.job()
	if e != nil {
		return nil, e
	}
	if !jobFinished(c.s.jobStatus(j, c.nowMs())) {
		return nil, iotError("iot.provisioning.TaskNotFinish")
	}
	delete(c.w.jobs, j.JobID)
	c.w.jobOrder = slices.DeleteFunc(c.w.jobOrder, func(x *Job) bool { return x == j })
	return nil, nil
}
