package iotsim

import (
	"fmt"
	"testing"
)

func TestBatchRegistrationLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("batch_prod")
	apply := e.must("BatchCheckDeviceNames", map[string]string{"ProductKey": pk,
		"DeviceNameList.1.DeviceName": "batch-1", "DeviceNameList.1.DeviceNickname": "first_one",
		"DeviceNameList.2.DeviceName": "batch-2"}).num("Data.ApplyId")
	id := fmt.Sprint(apply)
	status := func() string {
		return e.must("QueryBatchRegisterDeviceStatus", map[string]string{"ProductKey": pk, "ApplyId": id}).str("Data.Status")
	}
	if s := status(); s != "CHECK" {
		t.Fatalf("status right after the check: %s", s)
	}
	wantErr(t, e.call("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk, "ApplyId": id}), 200, "iot.device.CreateDeviceTaskIsRunning")
	eventually(t, "CHECK_SUCCESS", func() bool { return status() == "CHECK_SUCCESS" })
	r := e.must("QueryBatchRegisterDeviceStatus", map[string]string{"ProductKey": pk, "ApplyId": id})
	if len(r.list("Data.ValidList.Name")) != 2 || len(r.list("Data.InvalidList.Name")) != 0 {
		t.Fatal(r.raw)
	}
	e.must("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk, "ApplyId": id})
	if s := status(); s != "CREATE" {
		t.Fatalf("status right after the register: %s", s)
	}
	if p := e.must("QueryPageByApplyId", map[string]string{"ApplyId": id}); p.num("Total") != 0 {
		t.Fatal("devices before CREATE_SUCCESS")
	}
	eventually(t, "CREATE_SUCCESS", func() bool { return status() == "CREATE_SUCCESS" })
	e.must("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk, "ApplyId": id}) // again: same answer
	p := e.must("QueryPageByApplyId", map[string]string{"ApplyId": id, "PageSize": "1"})
	if p.num("Total") != 2 || p.num("PageCount") != 2 || p.str("ApplyDeviceList.ApplyDeviceInfo.0.DeviceSecret") == "" {
		t.Fatal(p.raw)
	}
	info := e.must("QueryDeviceInfo", map[string]string{"ProductKey": pk, "DeviceName": "batch-1"})
	if info.str("Data.Nickname") != "first_one" {
		t.Fatal(info.raw)
	}
}

func TestBatchCheckFailsAsAWhole(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("batch_fail")
	e.device(pk, "exists-1")
	id := fmt.Sprint(e.must("BatchCheckDeviceNames", map[string]string{"ProductKey": pk,
		"DeviceName.1": "fresh-1", "DeviceName.2": "exists-1", "DeviceName.3": "fresh-1"}).num("Data.ApplyId"))
	var r response
	eventually(t, "CHECK_FAILED", func() bool {
		r = e.must("QueryBatchRegisterDeviceStatus", map[string]string{"ProductKey": pk, "ApplyId": id})
		return r.str("Data.Status") == "CHECK_FAILED"
	})
	if bad := r.list("Data.InvalidList.Name"); len(bad) != 2 || len(r.list("Data.ValidList.Name")) != 0 {
		t.Fatal(r.raw)
	}
	wantErr(t, e.call("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk, "ApplyId": id}), 200, "iot.device.IncorrentDeviceApplyInfo")

	// A name registered between the check and the create fails the whole
	// batch: nothing is created.
	id = fmt.Sprint(e.must("BatchCheckDeviceNames", map[string]string{"ProductKey": pk, "DeviceName.1": "late-1", "DeviceName.2": "late-2"}).num("Data.ApplyId"))
	eventually(t, "CHECK_SUCCESS", func() bool {
		return e.must("QueryBatchRegisterDeviceStatus", map[string]string{"ProductKey": pk, "ApplyId": id}).str("Data.Status") == "CHECK_SUCCESS"
	})
	e.must("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk, "ApplyId": id})
	e.device(pk, "late-2")
	eventually(t, "CREATE_FAILED", func() bool {
		return e.must("QueryBatchRegisterDeviceStatus", map[string]string{"ProductKey": pk, "ApplyId": id}).str("Data.Status") == "CREATE_FAILED"
	})
	wantErr(t, e.call("QueryDeviceInfo", map[string]string{"ProductKey": pk, "DeviceName": "late-1"}), 200, "iot.device.NotExistedDevice")
}

func TestBatchValidation(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("batch_val")
	r := e.call("BatchCheckDeviceNames", map[string]string{"ProductKey": pk, "DeviceName.1": "ok-name", "DeviceName.2": "no"})
	wantErr(t, r, 200, "iot.device.InvalidFormattedDeviceName")
	if r.str("Data.InvalidDeviceNameList.InvalidDeviceName.0") != "no" {
		t.Fatal(r.raw)
	}
	r = e.call("BatchCheckDeviceNames", map[string]string{"ProductKey": pk, "DeviceNameList.1.DeviceName": "ok-name", "DeviceNameList.1.DeviceNickname": "x y"})
	wantErr(t, r, 200, "iot.device.InvalidDeviceNickNameExisted")
	if r.str("Data.InvalidDeviceNicknameList.InvalidDeviceNickname.0") != "x y" {
		t.Fatal(r.raw)
	}
	wantErr(t, e.call("BatchCheckDeviceNames", map[string]string{"ProductKey": pk}), 200, "iot.device.NoneDeviceNameElement")
	wantErr(t, e.call("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk}), 200, "iot.device.NullApplyId")
	wantErr(t, e.call("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk, "ApplyId": "abc"}), 200, "iot.device.InvalidFormattedApplyId")
	wantErr(t, e.call("BatchRegisterDeviceWithApplyId", map[string]string{"ProductKey": pk, "ApplyId": "42"}), 200, "iot.device.DeviceApplyIsNotFound")
	wantErr(t, e.call("BatchRegisterDevice", map[string]string{"ProductKey": pk, "Count": "10001"}), 200, "iot.device.DeviceCountExceeded")
	wantErr(t, e.call("BatchRegisterDevice", map[string]string{"ProductKey": pk, "Count": "0"}), 200, "iot.device.DeviceCountExceeded")
	wantErr(t, e.call("BatchRegisterDevice", map[string]string{"ProductKey": pk}), 200, "iot.common.InvalidFormattedParameter")
}

func TestBatchRegisterDeviceWithRandomNames(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("batch_rand")
	id := fmt.Sprint(e.must("BatchRegisterDevice", map[string]string{"ProductKey": pk, "Count": "7"}).num("Data.ApplyId"))
	eventually(t, "CREATE_SUCCESS", func() bool {
		return e.must("QueryBatchRegisterDeviceStatus", map[string]string{"ProductKey": pk, "ApplyId": id}).str("Data.Status") == "CREATE_SUCCESS"
	})
	if n := e.must("QueryProduct", map[string]string{"ProductKey": pk}).num("Data.DeviceCount"); n != 7 {
		t.Fatal(n)
	}
	if p := e.must("QueryPageByApplyId", map[string]string{"ApplyId": id, "PageSize": "50"}); p.num("Total") != 7 {
		t.Fatal(p.raw)
	}
}
