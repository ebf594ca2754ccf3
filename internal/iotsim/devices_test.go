package iotsim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRegisterDevice(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("reg_prod")
	e.device(pk, "taken-1")
	tests := []struct {
		name   string
		params map[string]string
		code   string
	}{
		{"named", map[string]string{"ProductKey": pk, "DeviceName": "light@floor1.room:2_a-b"}, ""},
		{"with nickname", map[string]string{"ProductKey": pk, "DeviceName": "nick-1", "Nickname": "lobby_light"}, ""},
		{"random name", map[string]string{"ProductKey": pk}, ""},
		{"missing product key", map[string]string{"DeviceName": "dev-x"}, "iot.prod.NullProductKey"},
		{"unknown product", map[string]string{"ProductKey": "a1nothere00", "DeviceName": "dev-x"}, "iot.prod.NotExistedProduct"},
		{"name too short", map[string]string{"ProductKey": pk, "DeviceName": "abc"}, "iot.device.InvalidFormattedDeviceName"},
		{"name too long", map[string]string{"ProductKey": pk, "DeviceName": strings.Repeat("a", 33)}, "iot.device.InvalidFormattedDeviceName"},
		{"bad character", map[string]string{"ProductKey": pk, "DeviceName": "dev/1"}, "iot.device.InvalidFormattedDeviceName"},
		{"bad nickname", map[string]string{"ProductKey": pk, "DeviceName": "dev-y", "Nickname": "a b"}, "iot.common.InvalidFormattedParameter"},
		{"duplicate", map[string]string{"ProductKey": pk, "DeviceName": "taken-1"}, "iot.device.AlreadyExistedDeviceName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("RegisterDevice", tt.params)
			if tt.code != "" {
				wantErr(t, r, 200, tt.code)
				return
			}
			if !r.success() || r.str("Data.IotId") == "" || len(r.str("Data.DeviceSecret")) != 32 || r.str("Data.ProductKey") != pk ||
				(tt.params["DeviceName"] != "" && r.str("Data.DeviceName") != tt.params["DeviceName"]) || r.str("Data.Nickname") != tt.params["Nickname"] {
				t.Fatal(r.raw)
			}
		})
	}
}

func TestQueryDevices(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("query_prod")
	reg := e.device(pk, "dev-q1")
	iotID := reg.str("Data.IotId")

	ident := []struct {
		name   string
		params map[string]string
		code   string
	}{
		{"by name", map[string]string{"ProductKey": pk, "DeviceName": "dev-q1"}, ""},
		{"by IotId", map[string]string{"IotId": iotID}, ""},
		{"IotId wins", map[string]string{"IotId": iotID, "ProductKey": pk, "DeviceName": "nobody"}, ""},
		{"nothing", map[string]string{}, "iot.device.InvalidIoTId"},
		{"no device name", map[string]string{"ProductKey": pk}, "iot.device.NullDeviceName"},
		{"no product key", map[string]string{"DeviceName": "dev-q1"}, "iot.prod.NullProductKey"},
		{"unknown device", map[string]string{"ProductKey": pk, "DeviceName": "nobody"}, "iot.device.NotExistedDevice"},
		{"unknown IotId", map[string]string{"IotId": "nope"}, "iot.device.NotExistedDevice"},
	}
	for _, action := range []string{"QueryDeviceInfo", "QueryDeviceDetail", "GetDeviceStatus", "QueryDeviceProp"} {
		for _, tt := range ident {
			t.Run(action+"/"+tt.name, func(t *testing.T) {
				r := e.call(action, tt.params)
				if tt.code != "" {
					wantErr(t, r, 200, tt.code)
				} else if !r.success() {
					t.Fatal(r.raw)
				}
			})
		}
	}

	d := e.must("QueryDeviceDetail", map[string]string{"IotId": iotID})
	gmt, _ := time.ParseInLocation("2006-01-02 15:04:05", d.str("Data.GmtCreate"), cst)
	utc, _ := time.Parse("2006-01-02T15:04:05.000Z", d.str("Data.UtcCreate"))
	if d.str("Data.Status") != "UNACTIVE" || d.str("Data.Region") != "cn-shanghai" || d.str("Data.ProductName") != "query_prod" ||
		!gmt.Equal(utc.Truncate(time.Second)) || d.str("Data.GmtOnline") != "" {
		t.Fatal(d.raw)
	}

	for i := range 12 {
		e.device(pk, fmt.Sprintf("dev-page-%02d", i))
	}
	p1 := e.must("QueryDevice", map[string]string{"ProductKey": pk, "PageSize": "5"})
	if p1.num("Total") != 13 || p1.num("PageCount") != 3 || p1.num("Page") != 1 || p1.num("PageSize") != 5 ||
		p1.str("Data.DeviceInfo.0.DeviceName") != "dev-page-11" || p1.str("NextToken") == "" ||
		!strings.HasSuffix(p1.str("Data.DeviceInfo.0.GmtCreate"), " GMT") {
		t.Fatal(p1.raw)
	}
	p2 := e.must("QueryDevice", map[string]string{"ProductKey": pk, "PageSize": "5", "NextToken": p1.str("NextToken")})
	if p2.str("Data.DeviceInfo.0.DeviceName") != "dev-page-06" || p2.num("Page") != 2 {
		t.Fatal(p2.raw)
	}
	p3 := e.must("QueryDevice", map[string]string{"ProductKey": pk, "PageSize": "5", "CurrentPage": "3"})
	if len(p3.list("Data.DeviceInfo")) != 3 || p3.str("NextToken") != "" {
		t.Fatal(p3.raw)
	}
	wantErr(t, e.call("QueryDevice", map[string]string{"ProductKey": pk, "PageSize": "51"}), 200, "iot.common.InvalidPageParams")
	wantErr(t, e.call("QueryDevice", map[string]string{"ProductKey": pk, "PageSize": "50", "CurrentPage": "201"}), 200, "iot.common.InvalidPageParams")
	wantErr(t, e.call("QueryDevice", map[string]string{"ProductKey": pk, "NextToken": "garbage!"}), 200, "iot.device.PageTokenIsIllegal")

	b := e.must("BatchQueryDeviceDetail", map[string]string{"ProductKey": pk, "DeviceName.1": "dev-q1", "DeviceName.2": "nobody", "DeviceName.3": "dev-page-00"})
	if len(b.list("Data.Data")) != 2 {
		t.Fatal(b.raw)
	}
	wantErr(t, e.call("BatchQueryDeviceDetail", map[string]string{"ProductKey": pk}), 200, "iot.device.NoneDeviceNameElement")
	many := map[string]string{"ProductKey": pk}
	for i := 1; i <= 101; i++ {
		many[fmt.Sprintf("DeviceName.%d", i)] = fmt.Sprintf("dev-%d", i)
	}
	wantErr(t, e.call("BatchQueryDeviceDetail", many), 200, "iot.device.DeviceCountExceeded")
}

func TestDeviceStatusLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("status_prod")
	e.device(pk, "dev-s1")
	e.device(pk, "dev-s2")
	status := func() string {
		return e.must("GetDeviceStatus", map[string]string{"ProductKey": pk, "DeviceName": "dev-s1"}).str("Data.Status")
	}
	if got := status(); got != "UNACTIVE" {
		t.Fatal(got)
	}
	if err := e.sim.SetDeviceStatus(pk, "dev-s1", "ONLINE"); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "ONLINE" {
		t.Fatal(got)
	}
	e.must("DisableThing", map[string]string{"ProductKey": pk, "DeviceName": "dev-s1"})
	if got := status(); got != "DISABLE" {
		t.Fatal(got)
	}
	e.must("EnableThing", map[string]string{"ProductKey": pk, "DeviceName": "dev-s1"})
	if got := status(); got != "ONLINE" {
		t.Fatal(got)
	}
	_ = e.sim.SetDeviceStatus(pk, "dev-s1", "OFFLINE")
	d := e.must("QueryDeviceDetail", map[string]string{"ProductKey": pk, "DeviceName": "dev-s1"})
	if d.str("Data.Status") != "OFFLINE" || d.str("Data.GmtActive") == "" || d.str("Data.UtcOnline") == "" {
		t.Fatal(d.raw)
	}
	s := e.must("BatchGetDeviceState", map[string]string{"ProductKey": pk, "DeviceName.1": "dev-s1", "DeviceName.2": "dev-s2"})
	if s.str("DeviceStatusList.DeviceStatus.0.Status") != "OFFLINE" || s.str("DeviceStatusList.DeviceStatus.1.Status") != "UNACTIVE" {
		t.Fatal(s.raw)
	}
	if err := e.sim.SetDeviceStatus(pk, "dev-s1", "SLEEPING"); err == nil {
		t.Fatal("accepted a bad status")
	}
	if err := e.sim.SetDeviceStatus(pk, "nobody", "ONLINE"); err == nil {
		t.Fatal("accepted an unknown device")
	}
}

func TestDeviceProps(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("props_prod")
	e.device(pk, "dev-p1")
	id := map[string]string{"ProductKey": pk, "DeviceName": "dev-p1"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range id {
			m[a] = b
		}
		return m
	}
	e.must("SaveDeviceProp", with("Props", `{"color":"red","floor":3}`))
	e.must("SaveDeviceProp", with("Props", `{"shape":"round","color":"blue"}`))
	if got := e.must("QueryDeviceProp", id).str("Props"); got != `{"color":"blue","floor":"3","shape":"round"}` {
		t.Fatal(got)
	}
	e.must("DeleteDeviceProp", with("PropKey", "floor"))
	e.must("DeleteDeviceProp", with("PropKey", "never-there"))
	if got := e.must("QueryDeviceProp", id).str("Props"); got != `{"color":"blue","shape":"round"}` {
		t.Fatal(got)
	}
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 101 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"k%d":"v"`, i)
	}
	sb.WriteString("}")
	bad := []struct {
		name, props, code string
	}{
		{"empty", "", "iot.device.NullDevicePropertiesString"},
		{"not an object", `["a"]`, "iot.device.InvalidFormattedDevicePropertiesString"},
		{"nested", `{"a":{"b":1}}`, "iot.device.InvalidFormattedDevicePropertiesString"},
		{"bad key", `{"a b":"c"}`, "iot.device.InvalidFormattedDevicePropertyKey"},
		{"over 5 KB", `{"a":"` + strings.Repeat("x", 5200) + `"}`, "iot.device.LongDevicePropertiesString"},
		{"101 tags", sb.String(), "iot.device.TooManyDevicePropertiesPerTime"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, e.call("SaveDeviceProp", with("Props", tt.props)), 200, tt.code)
		})
	}
	wantErr(t, e.call("DeleteDeviceProp", id), 200, "iot.device.NullDevicePropertyKey")
}

func TestNicknamesAndDelete(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("nick_prod")
	iot := e.device(pk, "dev-n1").str("Data.IotId")
	e.device(pk, "dev-n2")
	e.must("BatchUpdateDeviceNickname", map[string]string{
		"DeviceNicknameInfo.1.IotId": iot, "DeviceNicknameInfo.1.Nickname": "first_light",
		"DeviceNicknameInfo.2.ProductKey": pk, "DeviceNicknameInfo.2.DeviceName": "dev-n2", "DeviceNicknameInfo.2.Nickname": "second"})
	if got := e.must("QueryDeviceInfo", map[string]string{"IotId": iot}).str("Data.Nickname"); got != "first_light" {
		t.Fatal(got)
	}
	wantErr(t, e.call("BatchUpdateDeviceNickname", map[string]string{"DeviceNicknameInfo.1.IotId": iot,
		"DeviceNicknameInfo.1.Nickname": strings.Repeat("n", 33)}), 200, "iot.device.InvalidDeviceNickNameExisted")
	wantErr(t, e.call("BatchUpdateDeviceNickname", map[string]string{"DeviceNicknameInfo.1.IotId": "nope", "DeviceNicknameInfo.1.Nickname": "abcd"}), 200, "iot.device.NotExistedDevice")
	e.must("BatchUpdateDeviceNickname", map[string]string{"DeviceNicknameInfo.1.IotId": iot}) // omitted: alias deleted
	if got := e.must("QueryDeviceInfo", map[string]string{"IotId": iot}).str("Data.Nickname"); got != "" {
		t.Fatal(got)
	}
	e.must("DeleteDevice", map[string]string{"IotId": iot})
	wantErr(t, e.call("DeleteDevice", map[string]string{"IotId": iot}), 200, "iot.device.NotExistedDevice")
	if got := e.must("QueryProduct", map[string]string{"ProductKey": pk}).num("Data.DeviceCount"); got != 1 {
		t.Fatal(got)
	}
}

func TestInstances(t *testing.T) {
	e := newEnv(t, Options{Instances: []Instance{{ID: "iot-ent-sg", Region: "ap-southeast-1"}}})
	pk := e.product("inst_prod")
	e.region = "ap-southeast-1"
	wantErr(t, e.call("QueryProduct", map[string]string{"ProductKey": pk}), 200, "iot.prod.NotExistedProduct")
	e.must("QueryProductList", map[string]string{"CurrentPage": "1", "IotInstanceId": "iot-ent-sg"})
	e.must("QueryProductList", map[string]string{"CurrentPage": "1", "IotInstanceId": "iotx-oxssharez400"})
	wantErr(t, e.call("QueryProductList", map[string]string{"CurrentPage": "1", "IotInstanceId": "iot-nope"}), 200, "iot.system.InstanceNotFound")
	e.region = "cn-beijing" // no public instance there
	wantErr(t, e.call("QueryProductList", map[string]string{"CurrentPage": "1"}), 200, "iot.system.InstanceNotFound")
	e.region = "cn-shanghai" // an instance is served by its own region only
	wantErr(t, e.call("QueryProductList", map[string]string{"CurrentPage": "1", "IotInstanceId": "iot-ent-sg"}), 200, "iot.system.InstanceNotFound")
}
