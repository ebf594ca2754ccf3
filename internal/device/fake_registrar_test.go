package device

import (
	"context"

	"github.com/kiot-dev/kiot/internal/fleet"
	"github.com/kiot-dev/kiot/internal/iot"
)

// fakeRegistrar stands in for fleet.Registrar (tested on its own in
// internal/fleet): a name's batch finishes at once on the fake platform,
// unless the test holds it (pending until release) or refuses it.
type fakeRegistrar struct {
	api       *fakeAPI
	hold      map[string]bool
	refuse    map[string]string
	regs      map[string]fleet.Registration // kept until Forget, as the Registrar does
	registers int                           // names asked for the first time
	notify    func(fleet.Key, string)
}

func newFakeRegistrar(api *fakeAPI) *fakeRegistrar {
	return &fakeRegistrar{api: api, hold: map[string]bool{}, refuse: map[string]string{}, regs: map[string]fleet.Registration{}}
}

func (r *fakeRegistrar) Register(_ fleet.RegistrationAPI, key fleet.Key, name, nickname string) fleet.Registration {
	if reg, ok := r.regs[name]; ok {
		return reg
	}
	r.registers++
	var reg fleet.Registration
	switch {
	case r.hold[name]:
		reg = fleet.Registration{Phase: fleet.PhaseQueued}
	case r.refuse[name] != "":
		return fleet.Registration{Phase: fleet.PhaseRefused, Reason: r.refuse[name]}
	default:
		reg = r.finish(key.ProductKey, name, nickname)
	}
	r.regs[name] = reg
	return reg
}

// finish runs the batch of one name on the fake platform.
func (r *fakeRegistrar) finish(productKey, name, nickname string) fleet.Registration {
	if _, err := r.api.find(iot.DeviceRef{ProductKey: productKey, DeviceName: name}); err == nil {
		return fleet.Registration{Phase: fleet.PhaseExists, ApplyID: 7}
	}
	d := r.api.register(productKey, name, nickname)
	return fleet.Registration{Phase: fleet.PhaseRegistered, ApplyID: 7, IotID: d.IotID, DeviceSecret: d.DeviceSecret}
}

// release finishes a held registration and wakes its waiters.
func (r *fakeRegistrar) release(key fleet.Key, name, nickname string) {
	delete(r.hold, name)
	r.regs[name] = r.finish(key.ProductKey, name, nickname)
	if r.notify != nil {
		r.notify(key, name)
	}
}

func (r *fakeRegistrar) Peek(_ fleet.Key, name string) fleet.Registration { return r.regs[name] }

func (r *fakeRegistrar) Forget(_ fleet.Key, name string) {
	if reg, ok := r.regs[name]; ok && reg.Final() {
		delete(r.regs, name)
	}
}

// Registration goes through the Registrar: a Device calling these itself
// would be a defect.

func (f *fakeAPI) RegisterDevice(context.Context, iot.RegisterDeviceInput) (*iot.DeviceCredentials, error) {
	f.t.Error("a Device called RegisterDevice itself")
	return nil, f.call("RegisterDevice")
}

func (f *fakeAPI) BatchCheckDeviceNames(context.Context, string, []iot.NamedDevice) (*iot.BatchCheck, error) {
	f.t.Error("a Device called BatchCheckDeviceNames itself")
	return nil, f.call("BatchCheckDeviceNames")
}

func (f *fakeAPI) BatchRegisterDeviceWithApplyID(context.Context, string, int64) (int64, error) {
	f.t.Error("a Device called BatchRegisterDeviceWithApplyId itself")
	return 0, f.call("BatchRegisterDeviceWithApplyId")
}

func (f *fakeAPI) QueryBatchRegisterDeviceStatus(context.Context, string, int64) (*iot.BatchRegisterStatus, error) {
	f.t.Error("a Device called QueryBatchRegisterDeviceStatus itself")
	return nil, f.call("QueryBatchRegisterDeviceStatus")
}

func (f *fakeAPI) QueryPageByApplyID(context.Context, int64, iot.Page) (*iot.AppliedDeviceList, error) {
	f.t.Error("a Device called QueryPageByApplyId itself")
	return nil, f.call("QueryPageByApplyId")
}
