package fleet

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
)

// classedError is a platform error with a class, as aliyun.ClassOf reads it.
type classedError struct {
	class aliyun.Class
	msg   string
}

func (e *classedError) Error() string       { return e.msg }
func (e *classedError) Class() aliyun.Class { return e.class }

type fakeBatch struct {
	devices   []iot.NamedDevice
	status    string
	invalid   []string
	created   []string
	registers int
}

// fakePlatform is one product of the IoT Platform in memory. Batches move
// one phase per status query, so tests drive them with the clock only.
type fakePlatform struct {
	mu        sync.Mutex
	devices   map[string]iot.DeviceDetail
	batches   map[int64]*fakeBatch
	nextApply int64
	calls     map[string]int
	// refuse: names BatchCheckDeviceNames refuses synchronously.
	refuse map[string]bool
	// loseRegisterAnswers: that many BatchRegisterDeviceWithApplyId calls
	// take effect but answer a transient error, as a lost response would.
	loseRegisterAnswers int
	// detailGate, when set, holds BatchQueryDeviceDetail until closed;
	// registerGate, BatchRegisterDeviceWithApplyId (of the batch holdApply
	// only, when that is set).
	detailGate, registerGate chan struct{}
	holdApply                int64
	// detailSizes are the names per BatchQueryDeviceDetail call, in order.
	detailSizes []int
	// loseDirectAnswers: that many RegisterDevice calls take effect but
	// answer a transient error, as a lost response would.
	loseDirectAnswers int
	// directGate, when set, holds RegisterDevice until closed.
	directGate chan struct{}
}

func newFakePlatform() *fakePlatform {
	return &fakePlatform{devices: map[string]iot.DeviceDetail{}, batches: map[int64]*fakeBatch{},
		nextApply: 1000, calls: map[string]int{}, refuse: map[string]bool{}}
}

func (f *fakePlatform) count(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

func (f *fakePlatform) detailNames() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.detailSizes)
}

func (f *fakePlatform) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakePlatform) addDevice(name, nickname string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addLocked(name, nickname)
}

func (f *fakePlatform) addLocked(name, nickname string) {
	f.devices[name] = iot.DeviceDetail{DeviceName: name, Nickname: nickname, IotID: "iot-" + name,
		DeviceSecret: iot.Secret("secret-" + name), Status: iot.DeviceStatusUnactive}
}

func (f *fakePlatform) edit(name string, change func(*iot.DeviceDetail)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.devices[name]
	change(&d)
	f.devices[name] = d
}

func (f *fakePlatform) remove(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.devices, name)
}

func (f *fakePlatform) BatchCheckDeviceNames(_ context.Context, _ string, devices []iot.NamedDevice) (*iot.BatchCheck, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["BatchCheckDeviceNames"]++
	for _, d := range devices {
		if f.refuse[d.DeviceName] {
			return nil, &aliyun.Error{Action: "BatchCheckDeviceNames", Code: "iot.device.InvalidFormattedDeviceName"}
		}
	}
	f.nextApply++
	f.batches[f.nextApply] = &fakeBatch{devices: slices.Clone(devices), status: iot.BatchStatusCheck}
	return &iot.BatchCheck{ApplyID: iot.FlexInt(f.nextApply)}, nil
}

func (f *fakePlatform) RegisterDevice(_ context.Context, in iot.RegisterDeviceInput) (*iot.DeviceCredentials, error) {
	f.mu.Lock()
	gate := f.directGate
	f.calls["RegisterDevice"]++
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse[in.DeviceName] {
		return nil, &aliyun.Error{Action: "RegisterDevice", Code: "iot.device.InvalidFormattedDeviceName"}
	}
	if _, taken := f.devices[in.DeviceName]; taken {
		return nil, &classedError{aliyun.ClassAlreadyExists, "iot.device.AlreadyExistedDeviceName"}
	}
	f.addLocked(in.DeviceName, in.Nickname)
	if f.loseDirectAnswers > 0 {
		f.loseDirectAnswers--
		return nil, &classedError{aliyun.ClassRetryable, "connection reset"}
	}
	d := f.devices[in.DeviceName]
	return &iot.DeviceCredentials{IotID: d.IotID, DeviceName: in.DeviceName, DeviceSecret: d.DeviceSecret}, nil
}

func (f *fakePlatform) batch(applyID int64) (*fakeBatch, error) {
	b, ok := f.batches[applyID]
	if !ok {
		return nil, &classedError{aliyun.ClassNotFound, "iot.device.DeviceApplyIsNotFound"}
	}
	return b, nil
}

func (f *fakePlatform) BatchRegisterDeviceWithApplyID(_ context.Context, _ string, applyID int64) (int64, error) {
	f.mu.Lock()
	gate := f.registerGate
	if f.holdApply != 0 && f.holdApply != applyID {
		gate = nil
	}
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["BatchRegisterDeviceWithApplyId"]++
	b, err := f.batch(applyID)
	if err != nil {
		return 0, err
	}
	b.registers++
	if b.status == iot.BatchStatusCheckSuccess {
		b.status = iot.BatchStatusCreate
	}
	if f.loseRegisterAnswers > 0 {
		f.loseRegisterAnswers--
		return 0, &classedError{aliyun.ClassRetryable, "connection reset"}
	}
	return applyID, nil
}

func (f *fakePlatform) taken(b *fakeBatch) []string {
	var out []string
	for _, d := range b.devices {
		if _, ok := f.devices[d.DeviceName]; ok {
			out = append(out, d.DeviceName)
		}
	}
	return out
}

func (f *fakePlatform) QueryBatchRegisterDeviceStatus(_ context.Context, _ string, applyID int64) (*iot.BatchRegisterStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["QueryBatchRegisterDeviceStatus"]++
	b, err := f.batch(applyID)
	if err != nil {
		return nil, err
	}
	switch b.status {
	case iot.BatchStatusCheck:
		b.status, b.invalid = iot.BatchStatusCheckSuccess, f.taken(b)
		if len(b.invalid) > 0 {
			b.status = iot.BatchStatusCheckFailed
		}
	case iot.BatchStatusCreate:
		b.status, b.invalid = iot.BatchStatusCreateSuccess, f.taken(b)
		if len(b.invalid) > 0 {
			b.status = iot.BatchStatusCreateFailed
			break
		}
		for _, d := range b.devices {
			f.addLocked(d.DeviceName, d.Nickname)
			b.created = append(b.created, d.DeviceName)
		}
	}
	st := &iot.BatchRegisterStatus{Status: b.status}
	st.InvalidList.Name = b.invalid
	return st, nil
}

func (f *fakePlatform) QueryPageByApplyID(_ context.Context, applyID int64, page iot.Page) (*iot.AppliedDeviceList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["QueryPageByApplyId"]++
	b, err := f.batch(applyID)
	if err != nil {
		return nil, err
	}
	var all []iot.AppliedDevice
	for _, n := range b.created {
		if d, ok := f.devices[n]; ok {
			all = append(all, iot.AppliedDevice{IotID: d.IotID, DeviceName: n, DeviceSecret: d.DeviceSecret})
		}
	}
	from, to := window(len(all), page.CurrentPage, page.PageSize)
	return &iot.AppliedDeviceList{PageInfo: pageInfo(len(all), page), Devices: all[from:to]}, nil
}

func (f *fakePlatform) QueryDevice(_ context.Context, in iot.DeviceListInput) (*iot.DeviceList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["QueryDevice"]++
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range f.devices {
			if !yield(n) {
				return
			}
		}
	})
	from, to := window(len(names), in.CurrentPage, in.PageSize)
	list := &iot.DeviceList{PageInfo: pageInfo(len(names), in.Page)}
	for _, n := range names[from:to] {
		d := f.devices[n]
		list.Devices = append(list.Devices, iot.DeviceSummary{IotID: d.IotID, DeviceName: n, DeviceSecret: d.DeviceSecret, DeviceStatus: d.Status, Nickname: d.Nickname})
	}
	if to < len(names) {
		list.NextToken = "token-" + strconv.Itoa(to)
	}
	return list, nil
}

func (f *fakePlatform) BatchQueryDeviceDetail(_ context.Context, _ string, names []string) ([]iot.DeviceDetail, error) {
	f.mu.Lock()
	f.calls["BatchQueryDeviceDetail"]++
	f.detailSizes = append(f.detailSizes, len(names))
	gate := f.detailGate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []iot.DeviceDetail
	for _, n := range names {
		if d, ok := f.devices[n]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func window(total, page, size int) (from, to int) {
	from = min((max(page, 1)-1)*size, total)
	return from, min(from+size, total)
}

func pageInfo(total int, page iot.Page) iot.PageInfo {
	count := (total + page.PageSize - 1) / page.PageSize
	return iot.PageInfo{Page: iot.FlexInt(max(page.CurrentPage, 1)), PageSize: iot.FlexInt(page.PageSize), PageCount: iot.FlexInt(count), Total: iot.FlexInt(total)}
}
