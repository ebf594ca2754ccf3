package fleet

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/kiot-dev/kiot/internal/iot"
)

func TestRegistrarCoalescesManyRegistersIntoOneBatch(t *testing.T) {
	fake := newFakePlatform()
	fx := newRegistrarFixture(t, fake, NewMemoryJournal())
	fx.start(t)
	names := deviceNames("lamp", 120)

	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			if reg := fx.r.Register(fake, testKey, n, "hall_lamp"); reg.Phase != PhaseQueued {
				t.Errorf("%s: first Register = %v, want Queued", n, reg.Phase)
			}
		})
	}
	wg.Wait()
	driveUntil(t, fx.clock, fx.allFinal(names...))

	for _, n := range names {
		reg := fx.r.Peek(testKey, n)
		if reg.Phase != PhaseRegistered || reg.IotID != "iot-"+n || reg.DeviceSecret.Reveal() != "secret-"+n {
			t.Errorf("%s: %+v, want Registered with the platform's IotId and secret", n, reg)
		}
		if got := fx.notes.count(n); got != 1 {
			t.Errorf("%s woken %d times, want 1", n, got)
		}
	}
	for action, want := range map[string]int{
		"BatchCheckDeviceNames":          1,
		"BatchRegisterDeviceWithApplyId": 1,
		"QueryBatchRegisterDeviceStatus": 2, // CHECK_SUCCESS, CREATE_SUCCESS
		"QueryPageByApplyId":             3, // 120 devices, 50 a page
	} {
		if got := fake.count(action); got != want {
			t.Errorf("%s called %d times, want %d", action, got, want)
		}
	}
	if left, _ := fx.journal.List(context.Background()); len(left) != 0 {
		t.Errorf("journal still holds %v after the results were read", left)
	}
	// A final registration stays until the Device stored it, then goes.
	if reg := fx.r.Register(fake, testKey, names[0], "hall_lamp"); reg.Phase != PhaseRegistered {
		t.Errorf("Register after the result = %v, want Registered", reg.Phase)
	}
	fx.r.Forget(testKey, names[0])
	if reg := fx.r.Peek(testKey, names[0]); reg.Phase != PhaseUnknown {
		t.Errorf("after Forget: %v, want Unknown", reg.Phase)
	}
}

func TestRegistrarHandlesRefusedAndTakenNamesPerDevice(t *testing.T) {
	fake := newFakePlatform()
	fake.addDevice("taken-01", "")
	fake.refuse["platform-no"] = true
	fx := newRegistrarFixture(t, fake, NewMemoryJournal())
	fx.start(t)

	if reg := fx.r.Register(fake, testKey, "bad$name", ""); reg.Phase != PhaseRefused || !strings.Contains(reg.Reason, "DeviceName") {
		t.Fatalf("a name breaking the documented rules: %+v, want Refused at once naming DeviceName", reg)
	}
	if n := fake.total(); n != 0 {
		t.Fatalf("a locally refused name cost %d calls", n)
	}
	batch := []string{"good-0001", "good-0002", "taken-01", "platform-no", "good-0003"}
	for _, n := range batch {
		fx.r.Register(fake, testKey, n, "")
	}
	driveUntil(t, fx.clock, fx.allFinal(batch...))

	want := map[string]Phase{"good-0001": PhaseRegistered, "good-0002": PhaseRegistered, "good-0003": PhaseRegistered,
		"taken-01": PhaseExists, "platform-no": PhaseRefused}
	for n, phase := range want {
		if reg := fx.r.Peek(testKey, n); reg.Phase != phase {
			t.Errorf("%s: %+v, want %v", n, reg, phase)
		}
	}
	if reg := fx.r.Peek(testKey, "platform-no"); !strings.Contains(reg.Reason, "InvalidFormattedDeviceName") {
		t.Errorf("refusal reason %q does not carry the platform's code", reg.Reason)
	}
	if d := fake.devices["taken-01"]; d.IotID != "iot-taken-01" {
		t.Errorf("the taken device was changed: %+v", d)
	}
	if _, ok := fake.devices["platform-no"]; ok {
		t.Error("a refused name was registered")
	}
}

func TestRegistrarResumesJournaledBatchWithoutRegisteringTwice(t *testing.T) {
	for _, tc := range []struct {
		name          string
		status        string // the batch's phase when the process died
		wantRegisters int
	}{
		{"died during the check", iot.BatchStatusCheck, 1},
		{"died before BatchRegisterDeviceWithApplyId", iot.BatchStatusCheckSuccess, 1},
		{"died after BatchRegisterDeviceWithApplyId", iot.BatchStatusCreate, 0},
		{"died before reading the results", iot.BatchStatusCreateSuccess, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakePlatform()
			devices := []iot.NamedDevice{{DeviceName: "door-0001"}, {DeviceName: "door-0002", Nickname: "back_door"}}
			b := &fakeBatch{devices: devices, status: tc.status}
			if tc.status == iot.BatchStatusCreateSuccess {
				for _, d := range devices {
					fake.addDevice(d.DeviceName, d.Nickname)
					b.created = append(b.created, d.DeviceName)
				}
			}
			fake.batches[77] = b
			journal := NewMemoryJournal()
			_ = journal.Record(context.Background(), JournalEntry{ApplyID: 77, Key: testKey, Devices: devices})

			fx := newRegistrarFixture(t, fake, journal)
			// The Device asks again before the Registrar started: the name
			// must still end in the journaled batch, not in a new one.
			fx.r.Register(fake, testKey, "door-0001", "")
			fx.start(t)
			driveUntil(t, fx.clock, fx.allFinal("door-0001", "door-0002"))

			for _, d := range devices {
				reg := fx.r.Peek(testKey, d.DeviceName)
				if reg.Phase != PhaseRegistered || reg.ApplyID != 77 || reg.DeviceSecret.Reveal() != "secret-"+d.DeviceName {
					t.Errorf("%s: %+v, want Registered by ApplyId 77", d.DeviceName, reg)
				}
			}
			if got := b.registers; got != tc.wantRegisters {
				t.Errorf("BatchRegisterDeviceWithApplyId for 77 called %d times, want %d", got, tc.wantRegisters)
			}
			if n := fake.count("BatchCheckDeviceNames"); n != 0 {
				t.Errorf("a journaled name was checked again (%d calls)", n)
			}
			if left, _ := journal.List(context.Background()); len(left) != 0 {
				t.Errorf("journal still holds %v", left)
			}
		})
	}
}

func TestRegistrarJournalsABatchBeforeItsCheckEnds(t *testing.T) {
	fake := newFakePlatform()
	journal := NewMemoryJournal()
	first := newRegistrarFixture(t, fake, journal)
	first.start(t)
	names := deviceNames("door", 3)
	for _, n := range names {
		first.r.Register(fake, testKey, n, "")
	}
	// Step the linger only: the check is sent, and its first status query
	// waits on the clock.
	driveUntil(t, first.clock, func() bool { return fake.count("BatchCheckDeviceNames") == 1 })
	deadline := time.Now().Add(10 * time.Second)
	for {
		entries, _ := journal.List(context.Background())
		if len(entries) == 1 && fake.count("QueryBatchRegisterDeviceStatus") == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("journal %v after the check, before any status query: want the batch's ApplyId", entries)
		}
		runtime.Gosched()
	}
	// The process dies mid-check; the next one resumes the same ApplyId.
	first.cancel()
	<-first.stopped
	next := newRegistrarFixture(t, fake, journal)
	next.start(t)
	driveUntil(t, next.clock, next.allFinal(names...))
	if got := fake.count("BatchCheckDeviceNames"); got != 1 {
		t.Errorf("%d checks, want 1: the journaled batch is resumed, its names not checked again", got)
	}
	for _, n := range names {
		if reg := next.r.Peek(testKey, n); reg.Phase != PhaseRegistered {
			t.Errorf("%s: %v, want Registered", n, reg.Phase)
		}
	}
}

func TestRegistrarRequeuesBatchThePlatformDoesNotKnow(t *testing.T) {
	fake := newFakePlatform()
	journal := NewMemoryJournal()
	devices := []iot.NamedDevice{{DeviceName: "gate-0001"}}
	_ = journal.Record(context.Background(), JournalEntry{ApplyID: 5, Key: testKey, Devices: devices})
	fx := newRegistrarFixture(t, fake, journal)
	fx.start(t)
	driveUntil(t, fx.clock, fx.allFinal("gate-0001"))

	if reg := fx.r.Peek(testKey, "gate-0001"); reg.Phase != PhaseRegistered || reg.ApplyID == 5 {
		t.Errorf("gate-0001: %+v, want Registered by a new batch", reg)
	}
	if left, _ := journal.List(context.Background()); len(left) != 0 {
		t.Errorf("journal still holds %v", left)
	}
}

func TestRegistrarDoesNotRepeatARegisterWhoseAnswerWasLost(t *testing.T) {
	fake := newFakePlatform()
	fake.loseRegisterAnswers = 1
	fx := newRegistrarFixture(t, fake, NewMemoryJournal())
	fx.start(t)
	names := deviceNames("valve", 3)
	for _, n := range names {
		fx.r.Register(fake, testKey, n, "")
	}
	driveUntil(t, fx.clock, fx.allFinal(names...))

	for _, n := range names {
		if reg := fx.r.Peek(testKey, n); reg.Phase != PhaseRegistered {
			t.Errorf("%s: %+v, want Registered", n, reg)
		}
	}
	if got := fake.count("BatchRegisterDeviceWithApplyId"); got != 1 {
		t.Errorf("BatchRegisterDeviceWithApplyId called %d times after a lost answer, want 1 (the status showed CREATE)", got)
	}
}

func TestRegistrarHoldsAJournaledBatchUntilItsClientCanBeBuilt(t *testing.T) {
	fake := newFakePlatform()
	devices := []iot.NamedDevice{{DeviceName: "gate-0001"}}
	b := &fakeBatch{devices: devices, status: iot.BatchStatusCheckSuccess}
	fake.batches[88] = b
	journal := NewMemoryJournal()
	_ = journal.Record(context.Background(), JournalEntry{ApplyID: 88, Key: testKey, Devices: devices})

	fx := newRegistrarFixture(t, fake, journal)
	var mu sync.Mutex
	failures := 3 // the ProviderConfig is not ready for the first three tries
	fx.r.opts.ClientFor = func(Key) (RegistrationAPI, error) {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return nil, errors.New("ProviderConfig \"default\" does not exist")
		}
		return fake, nil
	}
	fx.start(t)
	// Meanwhile the name stays with its batch: asking again does not queue
	// it for a new check.
	driveUntil(t, fx.clock, func() bool {
		reg := fx.r.Peek(testKey, "gate-0001")
		return reg.Phase == PhaseRegistering && reg.Reason != ""
	})
	if reg := fx.r.Register(fake, testKey, "gate-0001", ""); reg.Phase != PhaseRegistering || reg.ApplyID != 88 {
		t.Errorf("while its client cannot be built: %+v, want Registering by ApplyId 88", reg)
	}
	driveUntil(t, fx.clock, fx.allFinal("gate-0001"))
	if reg := fx.r.Peek(testKey, "gate-0001"); reg.Phase != PhaseRegistered || reg.ApplyID != 88 {
		t.Errorf("after the client came: %+v, want Registered by ApplyId 88", reg)
	}
	if n := fake.count("BatchCheckDeviceNames"); n != 0 {
		t.Errorf("the journaled name was checked again (%d calls)", n)
	}
	if b.registers != 1 {
		t.Errorf("BatchRegisterDeviceWithApplyId called %d times, want 1", b.registers)
	}
}

func TestRegistrarDoesNotHoldABurstThatComesWhileABatchRuns(t *testing.T) {
	fake := newFakePlatform()
	// The first batch stays in BatchRegisterDeviceWithApplyId until the
	// test lets it go: on the platform it takes minutes.
	gate := make(chan struct{})
	fake.registerGate, fake.holdApply = gate, 1001
	fx := newRegistrarFixture(t, fake, NewMemoryJournal())
	fx.start(t)
	first := deviceNames("early", 3)
	for _, n := range first {
		fx.r.Register(fake, testKey, n, "")
	}
	driveUntil(t, fx.clock, func() bool { return fake.count("BatchCheckDeviceNames") == 1 })
	late := deviceNames("late", 80)
	for _, n := range late {
		fx.r.Register(fake, testKey, n, "")
	}
	// The late burst forms its own batch and finishes while the first
	// still waits.
	driveUntil(t, fx.clock, fx.allFinal(late...))
	if got := fake.count("BatchCheckDeviceNames"); got != 2 {
		t.Errorf("%d batches, want 2: the burst that came while the first ran forms one more", got)
	}
	for _, n := range first {
		if reg := fx.r.Peek(testKey, n); !reg.Pending() {
			t.Fatalf("%s is %s while its batch is held", n, reg.Phase)
		}
	}
	close(gate)
	driveUntil(t, fx.clock, fx.allFinal(first...))
}

func TestRegistrarWaitsForABurstToEndBeforeItsBatchLeaves(t *testing.T) {
	fake := newFakePlatform()
	fx := newRegistrarFixture(t, fake, NewMemoryJournal())
	fx.start(t)
	// 8 names 100 ms apart: each comes within the 200 ms linger of the
	// one before, and the burst is shorter than MaxLinger (1 s).
	names := deviceNames("burst", 8)
	for _, n := range names {
		fx.r.Register(fake, testKey, n, "")
		fx.clock.Step(100 * time.Millisecond)
		if got := fake.count("BatchCheckDeviceNames"); got != 0 {
			t.Fatalf("a batch left during the burst (after %s)", n)
		}
	}
	driveUntil(t, fx.clock, fx.allFinal(names...))
	if got := fake.count("BatchCheckDeviceNames"); got != 1 {
		t.Errorf("%d batches, want 1", got)
	}
}

// A batch of minutes gathers for seconds: a trickle of 60 creates over nine
// seconds is one batch when batches take two minutes, and about one a
// second when they take 200 ms.
func TestRegistrarGathersLongerForLongBatches(t *testing.T) {
	for _, tc := range []struct {
		description string
		estimate    time.Duration
		// fewest and most batches
		least, most int
	}{
		{"2-minute batches gather up to 15 s", 2 * time.Minute, 1, 1},
		{"200 ms batches leave once a second", 200 * time.Millisecond, 8, 10},
	} {
		t.Run(tc.description, func(t *testing.T) {
			fake := newFakePlatform()
			fx := newFixture(t, fake, NewMemoryJournal(), func(o *RegistrarOptions) { o.DirectQPS, o.BatchEstimate = -1, tc.estimate })
			fx.start(t)
			// Each name comes within the 200 ms linger of the one before.
			names := deviceNames("trickle", 60)
			for _, n := range names {
				fx.r.Register(fake, testKey, n, "")
				// The forming batch's linger is waiting on the clock
				// before it moves.
				untilWaiting(t, fx.clock)
				fx.clock.Step(150 * time.Millisecond)
			}
			driveUntil(t, fx.clock, fx.allFinal(names...))
			if got := fake.count("BatchCheckDeviceNames"); got < tc.least || got > tc.most {
				t.Errorf("%d batches for 60 names over 9 s, want %d to %d", got, tc.least, tc.most)
			}
		})
	}
}

// untilWaiting yields until something waits on the fake clock.
func untilWaiting(t *testing.T, clk *testingclock.FakeClock) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !clk.HasWaiters() {
		if time.Now().After(deadline) {
			t.Fatal("nothing waits on the clock")
		}
		runtime.Gosched()
	}
}

// A product whose names are all registered and stored keeps no queue.
func TestRegistrarDropsAProductQueueOnceItsNamesAreStored(t *testing.T) {
	fake := newFakePlatform()
	fx := newRegistrarFixture(t, fake, NewMemoryJournal())
	fx.start(t)
	names := deviceNames("stored", 3)
	for _, n := range names {
		fx.r.Register(fake, testKey, n, "")
	}
	driveUntil(t, fx.clock, fx.allFinal(names...))
	// The batch's goroutines let go of the queue once it is done.
	deadline := time.Now().Add(5 * time.Second)
	for _, n := range names[:2] {
		fx.r.Forget(testKey, n)
	}
	fx.r.mu.Lock()
	_, kept := fx.r.products[testKey]
	fx.r.mu.Unlock()
	if !kept {
		t.Fatal("the queue went while a stored name was still to be read")
	}
	for {
		fx.r.Forget(testKey, names[2])
		fx.r.mu.Lock()
		_, kept = fx.r.products[testKey]
		fx.r.mu.Unlock()
		if !kept {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the product's queue is kept after every name was stored")
		}
		runtime.Gosched()
	}
	// The next name makes a new queue and registers as before.
	fx.r.Register(fake, testKey, "stored-late", "")
	driveUntil(t, fx.clock, fx.allFinal("stored-late"))
}
