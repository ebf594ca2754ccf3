package fleet

import "github.com/kiot-dev/kiot/internal/iot"

// Observation is one device as the platform last showed it.
type Observation struct {
	DeviceName string
	IotID      string
	Nickname   string
	// Status is ONLINE, OFFLINE, UNACTIVE or DISABLE (L11649–11659).
	Status string
	// DeviceSecret comes with every read the Observer makes: QueryDevice
	// (L12201–12205) and BatchQueryDeviceDetail (L11863–11867) both return it.
	DeviceSecret iot.Secret
}

// Enabled reports whether the device may connect (not DISABLE).
func (o Observation) Enabled() bool { return o.Status != iot.DeviceStatusDisable }

func fromSummary(d iot.DeviceSummary) Observation {
	return Observation{DeviceName: d.DeviceName, IotID: d.IotID, Nickname: d.Nickname, Status: d.DeviceStatus, DeviceSecret: d.DeviceSecret}
}

func fromDetail(d iot.DeviceDetail) Observation {
	return Observation{DeviceName: d.DeviceName, IotID: d.IotID, Nickname: d.Nickname, Status: d.Status, DeviceSecret: d.DeviceSecret}
}
