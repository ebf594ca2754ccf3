package iot

import (
	"cmp"
	"context"
	"iter"
	"strconv"
)

// Distribution job statuses (001:L40–47, 002:L56–63). Completed does not
// mean every device was distributed: read the per-device results.
const (
	JobStatusInitializing = 0
	JobStatusRunning      = 1
	JobStatusCompleted    = 2
	JobStatusInterrupted  = 3
)

// Distribution strategies (003:L70–75).
const (
	StrategyRegion  = 0 // to the one instance named
	StrategyNearest = 1 // to the nearest of several, by device IP
)

// CreateDeviceDistributeJobInput is CreateDeviceDistributeJob's request
// (003:L40–92).
type CreateDeviceDistributeJobInput struct {
	ProductKey        string
	DeviceNames       []string // 1–10,000
	SourceInstanceID  string   // e.g. the public iotx-oxssharez200 of cn-shanghai
	Strategy          int
	TargetInstanceIDs []string // exactly one with StrategyRegion
	// TargetUID or TargetAliyunID names the target account; one is needed.
	// Distribution never crosses accounts (003:L29): it is the caller's own.
	TargetUID      string
	TargetAliyunID string
}

func (in CreateDeviceDistributeJobInput) check(ch *checker) {
	ch.required("ProductKey", in.ProductKey)
	ch.required("SourceInstanceId", in.SourceInstanceID)
	ch.deviceNames("DeviceName", in.DeviceNames, 1, maxDeviceNamesPerCall, "003:L45–47")
	checkTargets(ch, in.Strategy, in.TargetInstanceIDs, in.TargetUID, in.TargetAliyunID)
}

func checkTargets(ch *checker, strategy int, targets []string, uid, aliyunID string) {
	ch.oneOfInt("Strategy", strategy, "003:L70–75", StrategyRegion, StrategyNearest)
	if strategy == StrategyRegion {
		ch.count("TargetInstanceConfig", len(targets), 1, 1, "003:L76–81, one instance with strategy 0")
	} else {
		ch.count("TargetInstanceConfig", len(targets), 1, 100, "003:L76–81")
	}
	for _, t := range targets {
		ch.required("TargetInstanceConfig.TargetInstanceId", t)
	}
	if uid == "" && aliyunID == "" {
		ch.fail("TargetUid or TargetAliyunId is required (003:L82–92)")
	}
}

// CreateDeviceDistributeJob starts distributing devices, and their product,
// to another instance (003). Each call makes a new job: save the JobId
// before anything can retry. An account runs at most 10 jobs; the 11th
// answers aliyun.IsConflict with aliyun.CodeRunningTaskExceedLimit.
func (c *Client) CreateDeviceDistributeJob(ctx context.Context, in CreateDeviceDistributeJobInput) (jobID string, err error) {
	ch := check("CreateDeviceDistributeJob")
	in.check(ch)
	if err := ch.err(); err != nil {
		return "", err
	}
	p := params{}.set("ProductKey", in.ProductKey).set("SourceInstanceId", in.SourceInstanceID).
		set("Strategy", itoa(in.Strategy)).list("DeviceName", in.DeviceNames).
		opt("TargetUid", in.TargetUID).opt("TargetAliyunId", in.TargetAliyunID)
	for i, t := range in.TargetInstanceIDs {
		p.set("TargetInstanceConfig."+strconv.Itoa(i+1)+".TargetInstanceId", t)
	}
	return c.jobCall(ctx, "CreateDeviceDistributeJob", p)
}

// CreateProductDistributeJobInput distributes a product alone. The seeds
// only name the operation (L2820–2822); its fields are those the platform's
// SDKs send (seeds/README.md).
type CreateProductDistributeJobInput struct {
	ProductKey       string
	SourceInstanceID string
	TargetInstanceID string
	TargetUID        string
	TargetAliyunID   string
}

// CreateProductDistributeJob starts distributing a product. It shares the
// 10-job limit with device jobs (003:L30).
func (c *Client) CreateProductDistributeJob(ctx context.Context, in CreateProductDistributeJobInput) (jobID string, err error) {
	ch := check("CreateProductDistributeJob")
	ch.required("ProductKey", in.ProductKey)
	ch.required("SourceInstanceId", in.SourceInstanceID)
	ch.required("TargetInstanceId", in.TargetInstanceID)
	if in.TargetUID == "" && in.TargetAliyunID == "" {
		ch.fail("TargetUid or TargetAliyunId is required")
	}
	if err := ch.err(); err != nil {
		return "", err
	}
	p := params{}.set("ProductKey", in.ProductKey).set("SourceInstanceId", in.SourceInstanceID).
		set("TargetInstanceId", in.TargetInstanceID).opt("TargetUid", in.TargetUID).opt("TargetAliyunId", in.TargetAliyunID)
	return c.jobCall(ctx, "CreateProductDistributeJob", p)
}

func (c *Client) jobCall(ctx context.Context, action string, p params) (string, error) {
	var out struct {
		JobID string `json:"JobId"` // top level, not in Data (003:L98–120)
	}
	if err := c.call(ctx, action, p.values(), &out); err != nil {
		return "", err
	}
	if out.JobID == "" {
		return "", &InvalidAnswerError{Action: action, Problem: "no JobId in a successful answer"}
	}
	return out.JobID, nil
}

// TargetInstance is an entry of TargetInstanceConfigs.
type TargetInstance struct {
	TargetInstanceID   string `json:"TargetInstanceId"`
	TargetInstanceName string
	TargetRegion       string
	TargetUID          FlexString `json:"TargetUid"` // here in 001's table (L147)
}

// DistributeJob is a job as QueryDeviceDistributeJob (002:L32–86) and
// ListDeviceDistributeJob (001:L77–163) describe it.
type DistributeJob struct {
	JobID              string `json:"JobId"`
	ProductKey         string
	Status             FlexInt
	Strategy           FlexInt
	Total              FlexInt // devices in the job
	GmtCreate          FlexInt // epoch milliseconds
	SourceInstanceID   string  `json:"SourceInstanceId"`
	SourceInstanceName string
	SourceRegion       string
	SourceUID          FlexString `json:"SourceUid"`
	TargetUID          FlexString `json:"TargetUid"` // here in the samples (001:L207, L240)
	// TargetInstanceConfigs keeps the answer's wrapper; its list may come as
	// one object (001:L233–251).
	TargetInstanceConfigs struct {
		TargetInstanceConfigs OneOrMany[TargetInstance] `json:"targetInstanceConfigs"`
	}
}

// Finished reports a job that will not change any more.
func (j DistributeJob) Finished() bool {
	return j.Status == JobStatusCompleted || j.Status == JobStatusInterrupted
}

// QueryDeviceDistributeJob reads one job (002). Poll it within its 10 QPS.
func (c *Client) QueryDeviceDistributeJob(ctx context.Context, jobID string) (*DistributeJob, error) {
	if err := checkJobID("QueryDeviceDistributeJob", jobID); err != nil {
		return nil, err
	}
	var out struct{ Data DistributeJob }
	if err := c.call(ctx, "QueryDeviceDistributeJob", params{}.set("JobId", jobID).values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// DistributeJobListInput is ListDeviceDistributeJob's request (001:L19–66).
type DistributeJobListInput struct {
	// PageSize is required by the platform (1–200); 0 here means 10.
	Page
	// NextToken is the previous answer's; it wins over CurrentPage and is
	// required once PageSize × (CurrentPage − 1) passes 10,000.
	NextToken  string
	ProductKey string
	JobID      string
	TargetUID  string
	Status     *int
}

// DistributeJobList is one page of jobs.
type DistributeJobList struct {
	Total     FlexInt
	NextToken string
	Jobs      []DistributeJob
}

// ListDeviceDistributeJob reads one page of the account's jobs.
func (c *Client) ListDeviceDistributeJob(ctx context.Context, in DistributeJobListInput) (*DistributeJobList, error) {
	ch := check("ListDeviceDistributeJob")
	in.PageSize = cmp.Or(in.PageSize, 10)
	in.Page.check(ch, 200, "001:L24")
	if offset := in.PageSize * (max(in.CurrentPage, 1) - 1); offset > tokenFreeOffset && in.NextToken == "" {
		ch.fail("PageSize × (CurrentPage − 1) = %d is past 10,000: NextToken is required (001:L52–62)", offset)
	}
	if in.Status != nil {
		ch.oneOfInt("Status", *in.Status, "001:L40–47", JobStatusInitializing, JobStatusRunning, JobStatusCompleted, JobStatusInterrupted)
	}
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := in.Page.addTo(params{}).opt("NextToken", in.NextToken).opt("ProductKey", in.ProductKey).
		opt("JobId", in.JobID).opt("TargetUid", in.TargetUID)
	if in.Status != nil {
		p.set("Status", itoa(*in.Status))
	}
	var out struct {
		Data struct {
			Total     FlexInt
			NextToken string
			JobInfo   struct {
				Items OneOrMany[DistributeJob] `json:"items"`
			}
		}
	}
	if err := c.call(ctx, "ListDeviceDistributeJob", p.values(), &out); err != nil {
		return nil, err
	}
	return &DistributeJobList{Total: out.Data.Total, NextToken: out.Data.NextToken, Jobs: out.Data.JobInfo.Items}, nil
}

// AllDistributeJobs pages through the jobs the filter selects, following
// NextToken; an empty token ends the list (001:L155–159).
func (c *Client) AllDistributeJobs(ctx context.Context, in DistributeJobListInput) iter.Seq2[DistributeJob, error] {
	return pages(ctx, cursor{page: in.CurrentPage, token: in.NextToken}, func(ctx context.Context, at cursor) (pageOf[DistributeJob], error) {
		in.CurrentPage, in.NextToken = at.page, at.token
		list, err := c.ListDeviceDistributeJob(ctx, in)
		if err != nil {
			return pageOf[DistributeJob]{}, err
		}
		return pageOf[DistributeJob]{items: list.Jobs, more: list.NextToken != "", token: list.NextToken}, nil
	})
}

// DeleteDeviceDistributeJob deletes a finished job (L2830). One still
// running answers aliyun.IsConflict; one already gone, aliyun.IsNotFound.
func (c *Client) DeleteDeviceDistributeJob(ctx context.Context, jobID string) error {
	if err := checkJobID("DeleteDeviceDistributeJob", jobID); err != nil {
		return err
	}
	return c.call(ctx, "DeleteDeviceDistributeJob", params{}.set("JobId", jobID).values(), nil)
}

func checkJobID(action, jobID string) error {
	ch := check(action)
	ch.required("JobId", jobID)
	return ch.err()
}
