package iot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// distributionCases: every distribution call goes to the
// cn-shanghai region (003:L28, 002:L5), and only ListDeviceDistributeJob
// carries IotInstanceId (001:L5).
var distributionCases = []opCase{
	{
		name: "CreateDeviceDistributeJob", action: "CreateDeviceDistributeJob",
		answer: `{"RequestId":"E55E50B7","JobId":"UbmsMHmkqv0PiAG****010001","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateDeviceDistributeJob(ctx, CreateDeviceDistributeJobInput{
				ProductKey: "a1BwAGV****", DeviceNames: []string{"light-1", "light-2"}, SourceInstanceID: "iotx-oxssharez200",
				Strategy: StrategyRegion, TargetInstanceIDs: []string{"iotx-oxssharez400"}, TargetAliyunID: "sim@example.com",
			})
		},
		params: map[string]string{"RegionId": "cn-shanghai", "ProductKey": "a1BwAGV****", "DeviceName.1": "light-1", "DeviceName.2": "light-2",
			"SourceInstanceId": "iotx-oxssharez200", "Strategy": "0", "TargetInstanceConfig.1.TargetInstanceId": "iotx-oxssharez400",
			"TargetAliyunId": "sim@example.com"},
		absent: []string{"IotInstanceId", "TargetUid"},
		want:   func(t *testing.T, got any) { equal(t, "JobId", got, "UbmsMHmkqv0PiAG****010001") },
	},
	{
		name: "CreateProductDistributeJob", action: "CreateProductDistributeJob",
		answer: `{"JobId":"job-p1","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateProductDistributeJob(ctx, CreateProductDistributeJobInput{ProductKey: "pk", SourceInstanceID: "iotx-oxssharez200",
				TargetInstanceID: "iotx-oxssharez400", TargetUID: "1980000000000000"})
		},
		params: map[string]string{"RegionId": "cn-shanghai", "TargetInstanceId": "iotx-oxssharez400", "TargetUid": "1980000000000000"},
		absent: []string{"IotInstanceId"},
		want:   func(t *testing.T, got any) { equal(t, "JobId", got, "job-p1") },
	},
	{
		name: "QueryDeviceDistributeJob, the seed's quoted numbers", action: "QueryDeviceDistributeJob",
		answer: `{"RequestId":"E55E50B7","Data":{"Status":"1","GmtCreate":"1581595942000","SourceUid":"198***","Total":"5","Strategy":"0","TargetUid":"198***","SourceInstanceId":"iot-cn-6ja***","TargetInstanceConfigs":{"targetInstanceConfigs":[{"TargetInstanceId":"iot-cn-6ja***"}]},"ProductKey":"a1BwAGV****","JobId":"UbmsMHmkqv0PiAG****010001"},"Success":"true"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceDistributeJob(ctx, "UbmsMHmkqv0PiAG****010001")
		},
		params: map[string]string{"JobId": "UbmsMHmkqv0PiAG****010001", "RegionId": "cn-shanghai"},
		absent: []string{"IotInstanceId"},
		want: func(t *testing.T, got any) {
			j := got.(*DistributeJob)
			equal(t, "numbers", []FlexInt{j.Status, j.Total, j.Strategy, j.GmtCreate}, []FlexInt{JobStatusRunning, 5, StrategyRegion, 1581595942000})
			equal(t, "target", j.TargetInstanceConfigs.TargetInstanceConfigs[0].TargetInstanceID, "iot-cn-6ja***")
			equal(t, "finished", j.Finished(), false)
		},
	},
	{
		name: "ListDeviceDistributeJob, the seed's single objects", action: "ListDeviceDistributeJob",
		answer: `{"RequestId":"E55E50B7","Data":{"NextToken":"TGlzdFJlc291***","Total":10,"JobInfo":{"items":{"Status":2,"SourceInstanceName":"Instance Debug 1","GmtCreate":1581595942000,"SourceUid":198000,"Total":5,"Strategy":0,"TargetUid":"198***","SourceRegion":"cn-shanghai","SourceInstanceId":"iot-cn-6ja***","ProductKey":"a1BwAGV****","JobId":"UbmsMHmkqv0PiAG****010001","TargetInstanceConfigs":{"targetInstanceConfigs":{"TargetRegion":"cn-shanghai","TargetInstanceName":"Instance Debug 2","TargetInstanceId":"iot-cn-6ja***"}}}}},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListDeviceDistributeJob(ctx, DistributeJobListInput{ProductKey: "a1BwAGV****", Status: ptr(JobStatusCompleted)})
		},
		params: map[string]string{"PageSize": "10", "ProductKey": "a1BwAGV****", "Status": "2", "RegionId": "cn-shanghai", "IotInstanceId": "iot-inst-1"},
		want: func(t *testing.T, got any) {
			l := got.(*DistributeJobList)
			equal(t, "token", l.NextToken, "TGlzdFJlc291***")
			equal(t, "jobs", len(l.Jobs), 1)
			equal(t, "source uid", l.Jobs[0].SourceUID, FlexString("198000"))
			equal(t, "target region", l.Jobs[0].TargetInstanceConfigs.TargetInstanceConfigs[0].TargetRegion, "cn-shanghai")
			equal(t, "finished", l.Jobs[0].Finished(), true)
		},
	},
	{
		name: "QueryDeviceDistributeDetail", action: "QueryDeviceDistributeDetail",
		answer: `{"File":"https://results.example.com/job1.json?Expires=1&Signature=abc","Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.QueryDeviceDistributeDetail(ctx, "job1") },
		params: map[string]string{"JobId": "job1", "RegionId": "cn-shanghai"},
		absent: []string{"IotInstanceId"},
		want: func(t *testing.T, got any) {
			equal(t, "file", got, "https://results.example.com/job1.json?Expires=1&Signature=abc")
		},
	},
	{
		name: "DeleteDeviceDistributeJob", action: "DeleteDeviceDistributeJob",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.DeleteDeviceDistributeJob(ctx, "job1")
		},
		params: map[string]string{"JobId": "job1", "RegionId": "cn-shanghai"},
		absent: []string{"IotInstanceId"},
	},
	{
		name: "QueryDeviceProvisioning", action: "QueryDeviceProvisioning",
		answer: `{"RequestId":"E55E50B7","Data":{"TargetRegion":"ap-southeast-1","GmtCreate":1676297683000,"TargetIotInstanceId":"iot-09k****","AliyunUid":"io****@example.com","GmtModified":1676297683000,"SourceIotInstanceId":"iot-6ja****","SourceRegion":"cn-shanghai","ProductKey":"a1ji*****","DeviceName":"testDevcieBwT3Un"},"Code":"success","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceProvisioning(ctx, "a1ji*****", "testDevcieBwT3Un")
		},
		params: map[string]string{"ProductKey": "a1ji*****", "DeviceName": "testDevcieBwT3Un", "RegionId": "cn-shanghai"},
		absent: []string{"IotInstanceId"},
		want: func(t *testing.T, got any) {
			p := got.(*DeviceProvisioning)
			equal(t, "target", p.TargetIotInstanceID, "iot-09k****")
			equal(t, "region", p.TargetRegion, "ap-southeast-1")
		},
	},
	{
		name: "ListDistributedDevice", action: "ListDistributedDevice",
		answer: `{"Data":{"Total":1,"Info":{"items":[{"ProductKey":"pk","DeviceName":"light-1","SourceInstanceId":"iotx-oxssharez200","TargetInstanceId":"iotx-oxssharez400","TargetRegion":"ap-southeast-1","GmtCreate":1676297683000}]}},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListDistributedDevice(ctx, DistributedListInput{ProductKey: "pk", DeviceName: "light-1"})
		},
		params: map[string]string{"ProductKey": "pk", "DeviceName": "light-1", "PageSize": "10", "RegionId": "cn-shanghai"},
		absent: []string{"IotInstanceId"},
		want: func(t *testing.T, got any) {
			l := got.(*DistributedList)
			equal(t, "total", l.Total, FlexInt(1))
			equal(t, "target", l.Items[0].TargetInstanceID, "iotx-oxssharez400")
		},
	},
	{
		name: "ListDistributedProduct", action: "ListDistributedProduct",
		answer: `{"Data":{"Total":"1","Info":{"items":{"ProductKey":"pk","SourceInstanceId":"iotx-oxssharez200","TargetInstanceId":"iotx-oxssharez400"}}},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListDistributedProduct(ctx, DistributedListInput{Page: Page{CurrentPage: 2, PageSize: 20}})
		},
		params: map[string]string{"CurrentPage": "2", "PageSize": "20", "RegionId": "cn-shanghai"},
		want: func(t *testing.T, got any) {
			equal(t, "items", got.(*DistributedList).Items, []Distributed{{ProductKey: "pk", SourceInstanceID: "iotx-oxssharez200", TargetInstanceID: "iotx-oxssharez400"}})
		},
	},
}

func TestDeviceDistributeResultsFetchesAndParsesTheFile(t *testing.T) {
	platform, c := newPlatform(t)
	// The file is on the configured endpoint's host, as the simulator
	// serves it; a host of neither Alibaba Cloud nor the endpoint is not
	// fetched (TestAFileOnAnotherHostIsNotFetched).
	platform.files = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Signature") != "opaque" {
			http.Error(w, "expired", http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte(`{"items":[{"ProductKey":"pk","DeviceName":"light-1","Code":200,"Message":"success"},{"ProductKey":"pk","DeviceName":"light-2","Code":"iot.device.NotExistedDevice","Message":"no such device"}]}`))
	})

	platform.answer("QueryDeviceDistributeDetail", `{"File":"`+platform.url+`/r.json?Signature=opaque","Success":true}`)
	results, err := c.DeviceDistributeResults(context.Background(), "job1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "results", results, []DistributeResult{
		{ProductKey: "pk", DeviceName: "light-1", Code: "200", Message: "success"},
		{ProductKey: "pk", DeviceName: "light-2", Code: "iot.device.NotExistedDevice", Message: "no such device"},
	})
	equal(t, "distributed", []bool{results[0].Distributed(), results[1].Distributed()}, []bool{true, false})

	// An expired link is retryable and its error does not quote the URL.
	platform.answer("QueryDeviceDistributeDetail", `{"File":"`+platform.url+`/r.json?Signature=stale","Success":true}`)
	_, err = c.DeviceDistributeResults(context.Background(), "job1")
	if !aliyun.IsRetryable(err) || strings.Contains(err.Error(), "Signature") || strings.Contains(err.Error(), "stale") {
		t.Errorf("expired link: %v", err)
	}
}

func TestParseDistributeResults(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []DistributeResult
		bad  bool
	}{
		{"the simulator's shape", `{"items":[{"ProductKey":"p","DeviceName":"d","Code":200,"Message":"ok"}]}`,
			[]DistributeResult{{ProductKey: "p", DeviceName: "d", Code: "200", Message: "ok"}}, false},
		{"a bare array with string codes", `[{"ProductKey":"p","DeviceName":"d","Code":"200"}]`,
			[]DistributeResult{{ProductKey: "p", DeviceName: "d", Code: "200"}}, false},
		{"a single item", `{"items":{"ProductKey":"p","DeviceName":"d","Code":"500"}}`,
			[]DistributeResult{{ProductKey: "p", DeviceName: "d", Code: "500"}}, false},
		{"no results", `{"items":[]}`, []DistributeResult{}, false},
		{"not a result file", `<html>denied</html>`, nil, true},
		{"an object without items", `{"Code":"AccessDenied"}`, nil, true},
	}
	for _, tc := range cases {
		got, err := ParseDistributeResults([]byte(tc.body))
		if (err != nil) != tc.bad {
			t.Errorf("%s: error %v", tc.name, err)
			continue
		}
		if !tc.bad && len(got)+len(tc.want) > 0 {
			equal(t, tc.name, []DistributeResult(got), tc.want)
		}
	}
}

func TestAFileOnAnotherHostIsNotFetched(t *testing.T) {
	fetched := false
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched = true
		_, _ = w.Write([]byte(`{"items":[]}`))
	}))
	defer elsewhere.Close()
	platform, c := newPlatform(t)
	platform.answer("QueryDeviceDistributeDetail", `{"File":"`+elsewhere.URL+`/r.json?Signature=opaque","Success":true}`)
	if _, err := c.DeviceDistributeResults(context.Background(), "job1"); err == nil {
		t.Error("a result file on a host of neither Alibaba Cloud nor the endpoint was accepted")
	}
	if fetched {
		t.Error("the file was fetched from a host the answer named")
	}
}
