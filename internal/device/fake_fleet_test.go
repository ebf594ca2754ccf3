package device

import (
	"context"
	"slices"
	"strings"

	"github.com/kiot-dev/kiot/internal/iot"
)

// The fake platform's bulk reads, which the fleet.Observer makes.

func (f *fakeAPI) QueryDevice(_ context.Context, in iot.DeviceListInput) (*iot.DeviceList, error) {
	if err := f.call("QueryDevice"); err != nil {
		return nil, err
	}
	var all []iot.DeviceSummary
	for _, d := range f.devices {
		if d.ProductKey == in.ProductKey {
			all = append(all, iot.DeviceSummary{IotID: d.IotID, ProductKey: d.ProductKey, DeviceName: d.DeviceName,
				DeviceSecret: d.DeviceSecret, DeviceStatus: d.Status, Nickname: d.Nickname})
		}
	}
	slices.SortFunc(all, func(a, b iot.DeviceSummary) int { return strings.Compare(a.DeviceName, b.DeviceName) })
	start := min((in.CurrentPage-1)*in.PageSize, len(all))
	end := min(start+in.PageSize, len(all))
	list := &iot.DeviceList{Devices: all[start:end]}
	list.Total, list.PageSize, list.Page = iot.FlexInt(len(all)), iot.FlexInt(in.PageSize), iot.FlexInt(in.CurrentPage)
	return list, nil
}

func (f *fakeAPI) BatchQueryDeviceDetail(_ context.Context, productKey string, names []string) ([]iot.DeviceDetail, error) {
	if err := f.call("BatchQueryDeviceDetail"); err != nil {
		return nil, err
	}
	var out []iot.DeviceDetail
	for _, n := range names {
		if d, err := f.find(iot.DeviceRef{ProductKey: productKey, DeviceName: n}); err == nil {
			out = append(out, *d)
		}
	}
	return out, nil
}
