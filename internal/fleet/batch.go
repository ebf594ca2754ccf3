package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
)

// Codes with which BatchCheckDeviceNames refuses a whole call for some of
// its names (L4438–4464). Their answer names the culprits only in a failed
// response's Data, so the batch is split until the culprit stands alone.
var nameRefusals = map[string]bool{
	"iot.device.InvalidFormattedDeviceName":   true,
	"iot.device.InvalidDeviceNickNameExisted": true,
}

// runBatch checks devices and registers those the check accepts.
func (r *Registrar) runBatch(ctx context.Context, key Key, api RegistrationAPI, devices []iot.NamedDevice) {
	started := r.opts.Clock.Now()
	for len(devices) > 0 {
		var check *iot.BatchCheck
		err := r.retry(ctx, key, names(devices), func() (err error) {
			check, err = api.BatchCheckDeviceNames(ctx, key.ProductKey, devices)
			return err
		})
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && nameRefusals[aliyun.ErrorCode(err)]:
			devices = r.split(ctx, key, api, devices, err.Error())
			continue
		case err != nil:
			r.settle(key, names(devices), Registration{Phase: PhaseFailed, Reason: err.Error()})
			return
		}
		devices = r.refuseListed(key, devices, check)
		if check.ApplyID == 0 {
			continue
		}
		applyID := int64(check.ApplyID)
		r.setApplyID(key, names(devices), applyID)
		// Journaled as soon as the ApplyId is known, before the check
		// phase (minutes on the platform) runs: a process that stops
		// meanwhile leaves the next one this ApplyId to resume, not names
		// to check again under a second one.
		entry := JournalEntry{ApplyID: applyID, Key: key, Devices: devices}
		if err := r.retry(ctx, key, names(devices), func() error { return r.opts.Journal.Record(ctx, entry) }); err != nil {
			if ctx.Err() == nil {
				r.settle(key, names(devices), Registration{Phase: PhaseFailed, Reason: "journal: " + err.Error()})
			}
			return
		}
		st, err := r.pollWhile(ctx, key, api, applyID, names(devices), iot.BatchStatusCheck)
		if err != nil {
			if ctx.Err() == nil {
				// Never registered, so the names are free again.
				r.resolve(ctx, entry)
				r.settle(key, names(devices), Registration{Phase: PhaseFailed, Reason: err.Error()})
			}
			return
		}
		if st.Status != iot.BatchStatusCheckSuccess {
			r.resolve(ctx, entry)
			taken := st.InvalidList.Name
			if len(taken) == 0 {
				devices = r.split(ctx, key, api, devices, "the batch check failed without naming a device")
				continue
			}
			r.settle(key, taken, Registration{Phase: PhaseExists})
			devices = without(devices, taken)
			continue
		}
		r.setPhase(key, names(devices), PhaseRegistering)
		r.finishApplied(ctx, api, entry, st, started)
		return
	}
}

// split refuses a lone device with reason, or halves the batch: the first
// half goes on in this goroutine (returned), the second in a new one.
func (r *Registrar) split(ctx context.Context, key Key, api RegistrationAPI, devices []iot.NamedDevice, reason string) []iot.NamedDevice {
	if len(devices) == 1 {
		r.settle(key, names(devices), Registration{Phase: PhaseRefused, Reason: reason})
		return nil
	}
	half := len(devices) / 2
	go r.runBatch(ctx, key, api, devices[half:])
	return devices[:half]
}

// refuseListed refuses the names and nicknames a successful check still
// lists as invalid (L13582–13613) and returns the others.
func (r *Registrar) refuseListed(key Key, devices []iot.NamedDevice, check *iot.BatchCheck) []iot.NamedDevice {
	badName := setOf(check.InvalidDeviceNameList.InvalidDeviceName)
	badNick := setOf(check.InvalidDeviceNicknameList.InvalidDeviceNickname)
	if len(badName)+len(badNick) == 0 {
		return devices
	}
	var kept []iot.NamedDevice
	for _, d := range devices {
		switch {
		case badName[d.DeviceName]:
			r.settle(key, []string{d.DeviceName}, Registration{Phase: PhaseRefused, Reason: fmt.Sprintf("the platform refused the DeviceName %q", d.DeviceName)})
		case d.Nickname != "" && badNick[d.Nickname]:
			r.settle(key, []string{d.DeviceName}, Registration{Phase: PhaseRefused, Reason: fmt.Sprintf("the platform refused the nickname %q", d.Nickname)})
		default:
			kept = append(kept, d)
		}
	}
	return kept
}

// finishApplied takes a journaled batch from st to its results: it
// registers a checked batch, waits for the creation, reads the results,
// and resolves the journal entry. Names a failed phase lists are taken
// (PhaseExists); the others go back to the queue for a new batch. A batch
// seen from its check (started not zero) teaches the Registrar how long
// batches take.
func (r *Registrar) finishApplied(ctx context.Context, api RegistrationAPI, e JournalEntry, st *iot.BatchRegisterStatus, started time.Time) {
	key, all := e.Key, names(e.Devices)
	for {
		var err error
		switch st.Status {
		case iot.BatchStatusCheck, iot.BatchStatusCreate:
			st, err = r.pollWhile(ctx, key, api, e.ApplyID, all, st.Status)
		case iot.BatchStatusCheckSuccess:
			// Not repeated blindly after a failure: the status tells
			// whether the lost call took effect (CREATE) or not.
			if _, err = api.BatchRegisterDeviceWithApplyID(ctx, key.ProductKey, e.ApplyID); err == nil {
				st = &iot.BatchRegisterStatus{Status: iot.BatchStatusCreate}
			} else if transient(err) {
				r.update(key, all, func(reg *Registration) { reg.Reason = err.Error() })
				if !r.sleep(ctx, r.opts.RetryBackoff) {
					return
				}
				st, err = r.queryStatus(ctx, api, e, all)
			}
		case iot.BatchStatusCreateSuccess:
			if !started.IsZero() {
				r.learn(r.opts.Clock.Since(started))
			}
			if err = r.collect(ctx, api, e); err == nil {
				return
			}
		default: // CHECK_FAILED, CREATE_FAILED: all or nothing (L14263–14288)
			r.resolve(ctx, e)
			r.requeue(key, e.Devices, st.InvalidList.Name)
			return
		}
		switch {
		case ctx.Err() != nil:
			return
		case aliyun.IsNotFound(err):
			// The platform does not know the ApplyId: nothing was
			// registered under it (L4359–4367).
			r.resolve(ctx, e)
			r.requeue(key, e.Devices, nil)
			return
		case err != nil:
			// Kept in the journal: a later start resumes it.
			r.settle(key, all, Registration{Phase: PhaseFailed, ApplyID: e.ApplyID, Reason: err.Error()})
			return
		}
	}
}

// collect reads a created batch's devices and secrets (QueryPageByApplyId,
// 50 a page), resolves its journal entry and settles each name. A name missing from the pages was
// deleted since: it is queued again.
func (r *Registrar) collect(ctx context.Context, api RegistrationAPI, e JournalEntry) error {
	found := map[string]iot.AppliedDevice{}
	for page := 1; ; page++ {
		var list *iot.AppliedDeviceList
		err := r.retry(ctx, e.Key, names(e.Devices), func() (err error) {
			list, err = api.QueryPageByApplyID(ctx, e.ApplyID, iot.Page{CurrentPage: page, PageSize: 50})
			return err
		})
		if err != nil {
			return err
		}
		for _, d := range list.Devices {
			found[d.DeviceName] = d
		}
		if len(list.Devices) == 0 || !list.HasNext() {
			break
		}
	}
	// Every result is in memory: the journal entry is done before any
	// Device is woken to store its result.
	r.resolve(ctx, e)
	var missing []iot.NamedDevice
	for _, d := range e.Devices {
		got, ok := found[d.DeviceName]
		if !ok {
			missing = append(missing, d)
			continue
		}
		r.settle(e.Key, []string{d.DeviceName}, Registration{Phase: PhaseRegistered, ApplyID: e.ApplyID, IotID: got.IotID, DeviceSecret: got.DeviceSecret})
	}
	r.requeue(e.Key, missing, nil)
	return nil
}

// resolve forgets a journal entry, retrying transient failures; an entry
// left behind only costs one status query at the next start.
func (r *Registrar) resolve(ctx context.Context, e JournalEntry) {
	_ = r.retry(ctx, e.Key, nil, func() error { return r.opts.Journal.Resolve(ctx, e.ApplyID) })
}

// queryStatus reads a batch's status once, retrying transient failures.
func (r *Registrar) queryStatus(ctx context.Context, api RegistrationAPI, e JournalEntry, names []string) (*iot.BatchRegisterStatus, error) {
	var st *iot.BatchRegisterStatus
	err := r.retry(ctx, e.Key, names, func() (err error) {
		st, err = api.QueryBatchRegisterDeviceStatus(ctx, e.Key.ProductKey, e.ApplyID)
		return err
	})
	return st, err
}

// pollWhile queries the batch's status while it is in phase: first
// FirstPoll after the phase began, then at twice the interval each time up
// to PollInterval. A small batch is seen done almost as soon as it is, and
// a long phase costs few calls.
func (r *Registrar) pollWhile(ctx context.Context, key Key, api RegistrationAPI, applyID int64, names []string, phase string) (*iot.BatchRegisterStatus, error) {
	wait := min(r.opts.FirstPoll, r.opts.PollInterval)
	for {
		if !r.sleep(ctx, wait) {
			return nil, ctx.Err()
		}
		wait = min(2*wait, r.opts.PollInterval)
		st, err := r.queryStatus(ctx, api, JournalEntry{ApplyID: applyID, Key: key}, names)
		if err != nil {
			return nil, err
		}
		if st.Status != phase {
			return st, nil
		}
	}
}
