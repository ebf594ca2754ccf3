package iot

import (
	"context"
	"testing"
)

var deviceCases = []opCase{
	{
		name: "RegisterDevice", action: "RegisterDevice",
		answer: `{"RequestId":"57b144cf","Success":true,"Data":{"DeviceName":"device1","ProductKey":"a1rYuVF****","DeviceSecret":"tXHf4ezGEHcwdyMwoCDHGBmk9avi****","IotId":"CqXL5h5ysRTA4NxjABjj0010fa****","Nickname":"detectors_in_beijing"}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.RegisterDevice(ctx, RegisterDeviceInput{ProductKey: "a1rYuVF****", DeviceName: "device1", Nickname: "detectors_in_beijing"})
		},
		params: map[string]string{"ProductKey": "a1rYuVF****", "DeviceName": "device1", "Nickname": "detectors_in_beijing"},
		absent: []string{"DevEui", "LoraNodeType"},
		want: func(t *testing.T, got any) {
			d := got.(*DeviceCredentials)
			equal(t, "IotID", d.IotID, "CqXL5h5ysRTA4NxjABjj0010fa****")
			equal(t, "secret", d.DeviceSecret.Reveal(), "tXHf4ezGEHcwdyMwoCDHGBmk9avi****")
		},
	},
	{
		name: "QueryDeviceInfo by names", action: "QueryDeviceInfo",
		answer: `{"RequestId":"E55E50B7","Data":{"IotId":"Q7uOhVRdZRRlDnTLv****00100","DeviceSecret":"mz2Canp4GB7qRVf1OYPNtRqB2anu****","ProductKey":"a1rYuVF****","Nickname":"detectors_in_beijing","DeviceName":"light"},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceInfo(ctx, DeviceRef{ProductKey: "a1rYuVF****", DeviceName: "light"})
		},
		params: map[string]string{"ProductKey": "a1rYuVF****", "DeviceName": "light"},
		absent: []string{"IotId"},
		want: func(t *testing.T, got any) {
			equal(t, "IotID", got.(*DeviceCredentials).IotID, "Q7uOhVRdZRRlDnTLv****00100")
		},
	},
	{
		name: "QueryDeviceDetail by IotId, with the sample's NickName", action: "QueryDeviceDetail",
		answer: `{"Data":{"Owner":true,"GmtActive":"2020-01-16 13:33:37","DeviceName":"Humidity","ProductKey":"a1ttsqu****","DeviceSecret":"sLefbFmN9SYfnWLJTePG893XNuRV****","IpAddress":"42.120.75.144","GmtCreate":"2020-01-08 14:47:08","UtcCreate":"2020-01-08T06:47:08.000Z","IotId":"dwnS41bhNxjslDAIF****00100","Status":"OFFLINE","UtcOnline":"2020-01-17T08:19:11.091Z","Region":"cn-shanghai","UtcActive":"2020-01-16T05:33:37.830Z","NickName":"Temperature and humidity","NodeType":0,"GmtOnline":"2020-01-17 16:19:11","ProductName":"Light, temperature, and humidity sensor"},"RequestId":"D2D2DE90","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceDetail(ctx, DeviceRef{IotID: "dwnS41bhNxjslDAIF****00100", ProductKey: "ignored", DeviceName: "ignored"})
		},
		params: map[string]string{"IotId": "dwnS41bhNxjslDAIF****00100"},
		absent: []string{"ProductKey", "DeviceName"},
		want: func(t *testing.T, got any) {
			d := got.(*DeviceDetail)
			equal(t, "Status", d.Status, DeviceStatusOffline)
			equal(t, "Nickname", d.Nickname, "Temperature and humidity")
			equal(t, "IPAddress", d.IPAddress, "42.120.75.144")
		},
	},
	{
		name: "BatchQueryDeviceDetail", action: "BatchQueryDeviceDetail",
		answer: `{"Data":{"Data":[{"DeviceName":"Humidity","ProductKey":"a1ttsqu****","IotId":"dwnS41bhNxjslDAIF****00100","Status":"OFFLINE","Nickname":"Temperature and humidity","NodeType":0}]},"RequestId":"D4C12DD8","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.BatchQueryDeviceDetail(ctx, "a1ttsqu****", []string{"Humidity", "Missing1"})
		},
		params: map[string]string{"ProductKey": "a1ttsqu****", "DeviceName.1": "Humidity", "DeviceName.2": "Missing1"},
		want: func(t *testing.T, got any) {
			d := got.([]DeviceDetail)
			equal(t, "count", len(d), 1)
			equal(t, "name", d[0].DeviceName, "Humidity")
		},
	},
	{
		name: "QueryDevice", action: "QueryDevice",
		answer: `{"PageCount":1,"NextToken":"TGlzdFJlc291***","Data":{"DeviceInfo":[{"DeviceId":"Av8NGHGtwPrH9BYG****","DeviceName":"Av8NGHGtwPrH9BYGLMBi","ProductKey":"a1dafDE****","DeviceSecret":"d7GYhf5hfcPHDe1bXSd3n9MjO1G3****","UtcModified":"2019-02-20T02:16:09.000Z","GmtCreate":"Wed, 20-Feb-2019 02:16:09 GMT","UtcCreate":"2019-02-20T02:16:09.000Z","GmtModified":"Wed, 20-Feb-2019 02:16:09 GMT","IotId":"Av8NGHGtwPrH9BYGLMBi00****","DeviceStatus":"UNACTIVE","Nickname":"SensorInShanghai"}]},"Page":1,"PageSize":10,"RequestId":"CD9E5F99","Success":true,"Total":2}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDevice(ctx, DeviceListInput{ProductKey: "a1dafDE****", Page: Page{CurrentPage: 1, PageSize: 10}})
		},
		params: map[string]string{"ProductKey": "a1dafDE****", "CurrentPage": "1", "PageSize": "10"},
		absent: []string{"NextToken"},
		want: func(t *testing.T, got any) {
			l := got.(*DeviceList)
			equal(t, "page", l.PageInfo, PageInfo{Page: 1, PageSize: 10, PageCount: 1, Total: 2})
			equal(t, "token", l.NextToken, "TGlzdFJlc291***")
			equal(t, "status", l.Devices[0].DeviceStatus, DeviceStatusUnactive)
		},
	},
	{
		name: "DeleteDevice", action: "DeleteDevice",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.DeleteDevice(ctx, DeviceRef{ProductKey: "pk", DeviceName: "light"})
		},
		params: map[string]string{"ProductKey": "pk", "DeviceName": "light"},
	},
	{
		name: "GetDeviceStatus", action: "GetDeviceStatus",
		answer: `{"RequestId":"E55E50B7","Data":{"Status":"ONLINE","Timestamp":1557062301656},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.GetDeviceStatus(ctx, DeviceRef{IotID: "id1"})
		},
		params: map[string]string{"IotId": "id1"},
		want: func(t *testing.T, got any) {
			equal(t, "status", *got.(*DeviceStatus), DeviceStatus{Status: DeviceStatusOnline, Timestamp: 1557062301656})
		},
	},
	{
		name: "BatchGetDeviceState", action: "BatchGetDeviceState",
		answer: `{"DeviceStatusList":{"DeviceStatus":[{"Status":"OFFLINE","DeviceId":"dwnS41bhNxjslDAI****","DeviceName":"Humidity","AsAddress":"192.0.2.1","LastOnlineTime":"2020-01-17 16:19:11","IotId":"dwnS41bhNxjslDAI****000100"}]},"RequestId":"3258D872","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.BatchGetDeviceState(ctx, BatchGetDeviceStateInput{ProductKey: "pk", DeviceNames: []string{"Humidity"}})
		},
		params: map[string]string{"ProductKey": "pk", "DeviceName.1": "Humidity"},
		want: func(t *testing.T, got any) {
			equal(t, "state", got.([]DeviceState)[0].AsAddress, "192.0.2.1")
		},
	},
	{
		name: "DisableThing", action: "DisableThing",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.DisableThing(ctx, DeviceRef{IotID: "id1"})
		},
		params: map[string]string{"IotId": "id1"},
	},
	{
		name: "EnableThing", action: "EnableThing",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.EnableThing(ctx, DeviceRef{IotID: "id1"})
		},
		params: map[string]string{"IotId": "id1"},
	},
	{
		name: "SaveDeviceProp", action: "SaveDeviceProp",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SaveDeviceProp(ctx, DeviceRef{IotID: "id1"}, map[string]string{"color": "red", "shape": "round"})
		},
		params: map[string]string{"IotId": "id1", "Props": `{"color":"red","shape":"round"}`},
	},
	{
		name: "QueryDeviceProp", action: "QueryDeviceProp",
		answer: `{"RequestId":"D8CEF5E7","Props":"{\"coordinate\":\"104.07086:30.549169\",\"floor\":3}","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryDeviceProp(ctx, DeviceRef{IotID: "id1"})
		},
		want: func(t *testing.T, got any) {
			equal(t, "props", got, map[string]string{"coordinate": "104.07086:30.549169", "floor": "3"})
		},
	},
	{
		name: "DeleteDeviceProp", action: "DeleteDeviceProp",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.DeleteDeviceProp(ctx, DeviceRef{ProductKey: "pk", DeviceName: "light"}, "color")
		},
		params: map[string]string{"PropKey": "color", "ProductKey": "pk"},
	},
}

var batchCases = []opCase{
	{
		name: "BatchCheckDeviceNames", action: "BatchCheckDeviceNames",
		answer: `{"Data":{"ApplyId":1234567},"RequestId":"E976E36B","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.BatchCheckDeviceNames(ctx, "pk", []NamedDevice{{DeviceName: "light-1", Nickname: "hall_light"}, {DeviceName: "light-2"}})
		},
		params: map[string]string{"DeviceNameList.1.DeviceName": "light-1", "DeviceNameList.1.DeviceNickname": "hall_light", "DeviceNameList.2.DeviceName": "light-2"},
		absent: []string{"DeviceNameList.2.DeviceNickname", "DeviceName.1"},
		want: func(t *testing.T, got any) {
			equal(t, "ApplyID", got.(*BatchCheck).ApplyID, FlexInt(1234567))
		},
	},
	{
		name: "BatchCheckDeviceNames refusals", action: "BatchCheckDeviceNames",
		answer: `{"Data":{"ApplyId":"7","InvalidDeviceNameList":{"InvalidDeviceName":["APT$","aw"]},"InvalidDeviceNicknameList":{"InvalidDeviceNickname":"x"}},"Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.BatchCheckDeviceNames(ctx, "pk", []NamedDevice{{DeviceName: "light-1"}})
		},
		want: func(t *testing.T, got any) {
			b := got.(*BatchCheck)
			equal(t, "invalid names", []string(b.InvalidDeviceNameList.InvalidDeviceName), []string{"APT$", "aw"})
			equal(t, "invalid nicknames", []string(b.InvalidDeviceNicknameList.InvalidDeviceNickname), []string{"x"})
		},
	},
	{
		name: "BatchRegisterDeviceWithApplyId", action: "BatchRegisterDeviceWithApplyId",
		answer: `{"Data":{"ApplyId":1234567},"RequestId":"82C16DC1","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.BatchRegisterDeviceWithApplyID(ctx, "pk", 1234567)
		},
		params: map[string]string{"ApplyId": "1234567", "ProductKey": "pk"},
		want:   func(t *testing.T, got any) { equal(t, "ApplyId", got, int64(1234567)) },
	},
	{
		name: "BatchRegisterDevice", action: "BatchRegisterDevice",
		answer: `{"Data":{"ApplyId":12345678},"RequestId":"92C67DC1","Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.BatchRegisterDevice(ctx, "pk", 100) },
		params: map[string]string{"Count": "100"},
		want:   func(t *testing.T, got any) { equal(t, "ApplyId", got, int64(12345678)) },
	},
	{
		name: "QueryBatchRegisterDeviceStatus", action: "QueryBatchRegisterDeviceStatus",
		answer: `{"Data":{"Status":"CHECK_FAILED","ValidList":{"Name":[]},"InvalidList":{"Name":["dup-1"]}},"RequestId":"F731C7F3","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryBatchRegisterDeviceStatus(ctx, "pk", 7)
		},
		params: map[string]string{"ApplyId": "7"},
		want: func(t *testing.T, got any) {
			s := got.(*BatchRegisterStatus)
			equal(t, "status", s.Status, BatchStatusCheckFailed)
			equal(t, "invalid", []string(s.InvalidList.Name), []string{"dup-1"})
		},
	},
	{
		name: "QueryPageByApplyId", action: "QueryPageByApplyId",
		answer: `{"PageCount":1,"ApplyDeviceList":{"ApplyDeviceInfo":[{"DeviceId":"vWxNur6BUApsqjv9****","DeviceName":"APItest","DeviceSecret":"tXXEtily4XuV7WS1fosJoDkhRIIU****","IotId":"vWxNur6BUApsqjv****4000100"}]},"Page":1,"PageSize":10,"RequestId":"762F7AAD","Success":true,"Total":2}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryPageByApplyID(ctx, 7, Page{CurrentPage: 1, PageSize: 50})
		},
		params: map[string]string{"ApplyId": "7", "PageSize": "50"},
		absent: []string{"ProductKey"},
		want: func(t *testing.T, got any) {
			l := got.(*AppliedDeviceList)
			equal(t, "secret", l.Devices[0].DeviceSecret.Reveal(), "tXXEtily4XuV7WS1fosJoDkhRIIU****")
			equal(t, "total", l.Total, FlexInt(2))
		},
	},
	{
		name: "BatchUpdateDeviceNickname", action: "BatchUpdateDeviceNickname",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.BatchUpdateDeviceNickname(ctx, []NicknameChange{
				{Device: DeviceRef{ProductKey: "pk", DeviceName: "light"}, Nickname: "hall_light"},
				{Device: DeviceRef{IotID: "id2"}}, // no nickname: deletes it (L14063–14065)
			})
		},
		params: map[string]string{"DeviceNicknameInfo.1.ProductKey": "pk", "DeviceNicknameInfo.1.DeviceName": "light",
			"DeviceNicknameInfo.1.Nickname": "hall_light", "DeviceNicknameInfo.2.IotId": "id2"},
		absent: []string{"DeviceNicknameInfo.2.Nickname"},
	},
}
