package iotsim

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestStateFileRoundTrip(t *testing.T) {
	// A frozen clock: phases derive from elapsed time, so on the wall clock
	// a batch could move on between the two snapshots under load.
	clock := clocktesting.NewFakePassiveClock(time.Now())
	advance := func(d time.Duration) { clock.SetTime(clock.Now().Add(d)) }

	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, Options{StateFile: path, Clock: clock})
	pk := e.product("persist_p")
	e.device(pk, "keep-1")
	e.must("SaveDeviceProp", map[string]string{"ProductKey": pk, "DeviceName": "keep-1", "Props": `{"a":"b"}`})
	g := e.must("CreateDeviceGroup", map[string]string{"GroupName": "persist_g"}).str("Data.GroupId")
	e.must("BatchAddDeviceGroupRelations", map[string]string{"GroupId": g, "Device.1.ProductKey": pk, "Device.1.DeviceName": "keep-1"})
	e.must("CreateDeviceDistributeJob", distributeParams(pk, "keep-1"))
	e.must("BatchCheckDeviceNames", map[string]string{"ProductKey": pk, "DeviceName.1": "later-1"})
	before := e.sim.Snapshot()
	if err := e.sim.Save(); err != nil {
		t.Fatal(err)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp")); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}

	restarted := newEnv(t, Options{StateFile: path, Clock: clock})
	after := restarted.sim.Snapshot()
	before.Calls, before.Throttled, after.Calls, after.Throttled = nil, nil, nil, nil
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("state changed across a restart:\nbefore %+v\nafter  %+v", before, after)
	}
	// The reloaded cloud works: the secret is the same, the running job and
	// batch finish on their clocks.
	d := restarted.must("QueryDeviceInfo", map[string]string{"ProductKey": pk, "DeviceName": "keep-1"})
	if d.str("Data.DeviceSecret") != before.Devices[0].DeviceSecret {
		t.Fatal(d.raw)
	}
	advance(time.Minute) // far past the test timing's phases, inside the signature window
	if st := restarted.jobStatus(before.Jobs[0].JobID); st != 2 {
		t.Fatalf("the reloaded job did not finish on its clock: status %d", st)
	}
	restarted.must("CreateProduct", map[string]string{"ProductName": "after_restart", "NodeType": "0"})
	if st := restarted.sim.Snapshot(); st.Products[len(st.Products)-1].ProductName != "after_restart" {
		t.Fatal("creation order lost across a restart")
	}
}

func TestNewRejectsACorruptStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StateFile: path}); err == nil {
		t.Fatal("a corrupt state file was accepted")
	}
	if _, err := New(Options{StateFile: filepath.Join(t.TempDir(), "absent.json")}); err != nil {
		t.Fatalf("an absent state file is a fresh start: %v", err)
	}
}
