package fleet

import (
	"slices"
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// batchedNames are the names the fake's batches hold, each as often as a
// batch holds it.
func (f *fakePlatform) batchedNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, b := range f.batches {
		for _, d := range b.devices {
			out = append(out, d.DeviceName)
		}
	}
	return out
}

// eachOnce fails unless every name was sent exactly once, by RegisterDevice
// or in a batch, and returns how many went each way.
func eachOnce(t *testing.T, fake *fakePlatform, names []string) (direct, batched int) {
	t.Helper()
	batchedNames := fake.batchedNames()
	direct = fake.count("RegisterDevice")
	if direct+len(batchedNames) != len(names) {
		t.Fatalf("%d RegisterDevice calls and %d batched names for %d names: some name was sent twice", direct, len(batchedNames), len(names))
	}
	slices.Sort(batchedNames)
	if len(slices.Compact(batchedNames)) != len(batchedNames) {
		t.Fatal("a name is in two batches")
	}
	return direct, len(batchedNames)
}

func TestALoneNameTakesRegisterDevice(t *testing.T) {
	fake := newFakePlatform()
	fx := newDirectFixture(t, fake, 2*time.Minute)
	fx.start(t)
	if reg := fx.r.Register(fake, testKey, "lamp-1", "hall_lamp"); reg.Phase != PhaseDirect {
		t.Fatalf("Register = %v, want Direct", reg.Phase)
	}
	driveUntil(t, fx.clock, fx.allFinal("lamp-1"))
	reg := fx.r.Peek(testKey, "lamp-1")
	if reg.Phase != PhaseRegistered || reg.IotID != "iot-lamp-1" || reg.DeviceSecret.Reveal() != "secret-lamp-1" || reg.ApplyID != 0 {
		t.Fatalf("%+v, want Registered by RegisterDevice with the platform's IotId and secret", reg)
	}
	if got := fx.notes.count("lamp-1"); got != 1 {
		t.Errorf("woken %d times, want 1", got)
	}
	if got := fake.count("BatchCheckDeviceNames"); got != 0 {
		t.Errorf("%d batch checks for a lone name, want 0", got)
	}
	if fake.devices["lamp-1"].Nickname != "hall_lamp" {
		t.Errorf("nickname %q, want hall_lamp", fake.devices["lamp-1"].Nickname)
	}
}

func TestABacklogRegisterDeviceCannotClearInABatchDurationTakesABatch(t *testing.T) {
	fake := newFakePlatform()
	// RegisterDevice calls are held, so none ends while names come.
	gate := make(chan struct{})
	fake.directGate = gate
	// 30 QPS × (1 s batch + 200 ms linger): RegisterDevice clears 36 names
	// while a name sent to a batch waits for it.
	fx := newDirectFixture(t, fake, time.Second)
	fx.start(t)
	names := deviceNames("lamp", 100)
	for _, n := range names {
		fx.r.Register(fake, testKey, n, "")
	}
	// The batch runs and ends while the direct calls are held: both paths
	// run at once.
	driveUntil(t, fx.clock, fx.allFinal(names[36:]...))
	close(gate)
	driveUntil(t, fx.clock, fx.allFinal(names...))
	direct, batched := eachOnce(t, fake, names)
	if direct != 36 || batched != 64 {
		t.Errorf("%d direct and %d batched, want the first 36 direct and the other 64 batched", direct, batched)
	}
	for _, n := range names {
		if reg := fx.r.Peek(testKey, n); reg.Phase != PhaseRegistered {
			t.Fatalf("%s: %v, want Registered", n, reg.Phase)
		}
	}
}

func TestTheEstimateFollowsObservedBatches(t *testing.T) {
	fake := newFakePlatform()
	fx := newDirectFixture(t, fake, 2*time.Minute)
	if got := fx.r.Estimate(); got != 2*time.Minute {
		t.Fatalf("estimate %s before any batch, want the configured 2m", got)
	}
	fx.r.learn(40 * time.Second)
	if got := fx.r.Estimate(); got != 40*time.Second {
		t.Fatalf("estimate %s after a 40s batch, want 40s: the first observation replaces the guess", got)
	}
	fx.r.learn(20 * time.Second)
	if got := fx.r.Estimate(); got != 30*time.Second {
		t.Fatalf("estimate %s after a 20s batch, want 30s (halfway)", got)
	}
	// A batch seen from its check teaches the estimate too: the fake's
	// take a few seconds of its clock.
	gate := make(chan struct{})
	fake.directGate = gate // no direct call ends, so no room reopens
	fx.start(t)
	names := deviceNames("lamp", 1000) // more than 30 QPS × 30.2 s
	for _, n := range names {
		fx.r.Register(fake, testKey, n, "")
	}
	driveUntil(t, fx.clock, fx.allFinal(names[906:]...))
	close(gate)
	driveUntil(t, fx.clock, fx.allFinal(names...))
	if got := fx.r.Estimate(); got >= 30*time.Second {
		t.Errorf("estimate %s after a batch of a few seconds, want it below 30s", got)
	}
}

func TestNamesPlannedForMinuteLongBatchesGoToABatchOnceBatchesProveShort(t *testing.T) {
	fake := newFakePlatform()
	gate := make(chan struct{})
	fake.directGate = gate
	fx := newDirectFixture(t, fake, 2*time.Minute)
	fx.start(t)
	names := deviceNames("lamp", 100)
	for _, n := range names {
		if reg := fx.r.Register(fake, testKey, n, ""); reg.Phase != PhaseDirect {
			t.Fatalf("%s: %v, want Direct (room for 3,600 in two minutes)", n, reg.Phase)
		}
	}
	// Eight calls are in flight, held; a batch then proves batches short:
	// RegisterDevice clears 30 × (100 + 200) ms = 9 names while a batch
	// forms and runs, so the last 91 waiting move to a batch.
	driveUntil(t, fx.clock, func() bool { return fake.count("RegisterDevice") == 8 })
	fx.r.learn(100 * time.Millisecond)
	driveUntil(t, fx.clock, fx.allFinal(names[9:]...))
	close(gate)
	driveUntil(t, fx.clock, fx.allFinal(names...))
	direct, batched := eachOnce(t, fake, names)
	if direct != 9 || batched != 91 {
		t.Errorf("%d direct and %d batched, want 9 direct (8 in flight, 1 waiting) and the last 91 batched", direct, batched)
	}
}

func TestAFewWaitingNamesStayWithRegisterDevice(t *testing.T) {
	fake := newFakePlatform()
	gate := make(chan struct{})
	fake.directGate = gate
	fx := newDirectFixture(t, fake, time.Second)
	fx.start(t)
	names := deviceNames("lamp", 15) // room for 36
	for _, n := range names {
		fx.r.Register(fake, testKey, n, "")
	}
	driveUntil(t, fx.clock, func() bool { return fake.count("RegisterDevice") == 8 })
	// Room shrinks to 30 × 300 ms = 9: the 6 beyond it are fewer than a
	// batch is worth (minMove), so they stay.
	fx.r.learn(100 * time.Millisecond)
	close(gate)
	driveUntil(t, fx.clock, fx.allFinal(names...))
	if direct, batched := eachOnce(t, fake, names); direct != 15 || batched != 0 {
		t.Errorf("%d direct and %d batched, want all 15 direct", direct, batched)
	}
}

func TestARegisterDeviceWhoseAnswerWasLostIsAdoptedNotDuplicated(t *testing.T) {
	fake := newFakePlatform()
	fake.loseDirectAnswers = 1
	fx := newDirectFixture(t, fake, 2*time.Minute)
	fx.start(t)
	fx.r.Register(fake, testKey, "lamp-1", "")
	driveUntil(t, fx.clock, fx.allFinal("lamp-1"))
	if reg := fx.r.Peek(testKey, "lamp-1"); reg.Phase != PhaseExists {
		t.Fatalf("%v, want Exists: the retry found the name the lost call registered", reg.Phase)
	}
	if got := fake.count("RegisterDevice"); got != 2 {
		t.Errorf("%d RegisterDevice calls, want 2 (the lost one and the retry)", got)
	}
	if len(fake.devices) != 1 {
		t.Errorf("%d devices on the platform, want 1", len(fake.devices))
	}
}

func TestARefusedNameIsRefusedByRegisterDeviceToo(t *testing.T) {
	fake := newFakePlatform()
	fake.refuse["lamp-1"] = true
	fx := newDirectFixture(t, fake, 2*time.Minute)
	fx.start(t)
	fx.r.Register(fake, testKey, "lamp-1", "")
	driveUntil(t, fx.clock, fx.allFinal("lamp-1"))
	if reg := fx.r.Peek(testKey, "lamp-1"); reg.Phase != PhaseRefused || reg.Reason == "" {
		t.Fatalf("%+v, want Refused with a reason", reg)
	}
}

func TestATerminalErrorThatIsNotAboutTheNameIsAFailureNotARefusal(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&aliyun.Error{Action: "RegisterDevice", Code: "iot.device.InvalidFormattedDeviceName"}, true},
		{&aliyun.Error{Action: "RegisterDevice", Code: "iot.device.InvalidDeviceNickNameExisted"}, true},
		{&aliyun.Error{Action: "RegisterDevice", Code: "iot.device.NullDeviceName"}, true},
		{&classedError{aliyun.ClassTerminal, "Forbidden.RAM"}, false},
		{&classedError{aliyun.ClassRetryable, "iot.system.SystemException"}, false},
	} {
		if got := refusesTheName(tc.err); got != tc.want {
			t.Errorf("refusesTheName(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
