package fleet

import (
	"context"
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// resume takes a journaled batch up where a previous process left it. The
// status says whether BatchRegisterDeviceWithApplyId ran: CHECK_SUCCESS
// means it did not (so it is called now, once), CREATE or CREATE_SUCCESS
// that it did (so only the results are read). Nothing is ever checked or
// registered twice under a new ApplyId while this one may still create.
func (r *Registrar) resume(ctx context.Context, api RegistrationAPI, e JournalEntry) {
	all := names(e.Devices)
	st, err := r.queryStatus(ctx, api, e, all)
	switch {
	case ctx.Err() != nil:
		return
	case aliyun.IsNotFound(err):
		r.resolve(ctx, e)
		r.requeue(e.Key, e.Devices, nil)
		return
	case err != nil:
		r.settle(e.Key, all, Registration{Phase: PhaseFailed, ApplyID: e.ApplyID, Reason: err.Error()})
		return
	}
	r.finishApplied(ctx, api, e, st, time.Time{})
}
