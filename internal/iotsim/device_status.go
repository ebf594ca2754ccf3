package iotsim

import (
	"cmp"
	"fmt"
)

// Device status: GetDeviceStatus, BatchGetDeviceState, DisableThing,
// EnableThing (L12559–13277), and the simulator's own switch for the
// connection, which on the platform only a real device can flip.

// getDeviceStatus: Data{Status, Timestamp} where Timestamp is when the
// status last changed (L12660–12676).
func getDeviceStatus(c *call) (M, *apiError) {
	_, d, e := c.device()
	if e != nil {
		return nil, e
	}
	return M{"Data": M{"Status": d.Status(), "Timestamp": d.StatusMs}}, nil
}

// maxBatchState is BatchGetDeviceState's limit (L12735–12736).
const maxBatchState = 50

// batchGetDeviceState: IotId.N wins over ProductKey + DeviceName.N
// (L12771–12835); unknown devices are left out.
func batchGetDeviceState(c *call) (M, *apiError) {
	var devices []*Device
	if ids := c.list("IotId"); len(ids) > 0 {
		if len(ids) > maxBatchState {
			return nil, iotErrorf("iot.device.DeviceCountExceeded", "Specify at most %d devices.", maxBatchState)
		}
		for _, id := range ids {
			sub := *c
			sub.p = map[string][]string{"IotId": {id}}
			if _, d, e := sub.device(); e == nil {
				devices = append(devices, d)
			}
		}
	} else {
		p, e := c.product()
		if e != nil {
			return nil, e
		}
		names, e := c.deviceNames(maxBatchState)
		if e != nil {
			return nil, e
		}
		for _, n := range names {
			if d, ok := c.w.byName[deviceKeyOf(p.InstanceID, p.ProductKey, n)]; ok {
				devices = append(devices, d)
			}
		}
	}
	items := make([]M, 0, len(devices))
	for _, d := range devices {
		item := M{"AsAddress": d.IPAddress, "DeviceId": d.IotID, "DeviceName": d.DeviceName,
			"IotId": d.IotID, "Status": d.Status()}
		if d.OnlineMs > 0 {
			item["LastOnlineTime"] = gmtLocal(d.OnlineMs)
		}
		items = append(items, item)
	}
	return M{"DeviceStatusList": M{"DeviceStatus": items}}, nil
}

// disableThing: the device keeps its data but cannot connect (L12979–12982).
// Disabling a disabled device succeeds.
func disableThing(c *call) (M, *apiError) {
	_, d, e := c.device()
	if e != nil {
		return nil, e
	}
	if !d.Disabled {
		d.Disabled = true
		d.StatusMs, d.ModifiedMs = c.nowMs(), c.nowMs()
	}
	return nil, nil
}

// enableThing: back to the connection status the device had.
func enableThing(c *call) (M, *apiError) {
	_, d, e := c.device()
	if e != nil {
		return nil, e
	}
	if d.Disabled {
		d.Disabled = false
		d.StatusMs, d.ModifiedMs = c.nowMs(), c.nowMs()
	}
	return nil, nil
}

// SetDeviceStatus sets the connection of a device, as if it had connected
// ("ONLINE") or disconnected ("OFFLINE"), in every instance that has it
// (normally one). A disabled device stays DISABLE in the API until enabled.
func (s *Simulator) SetDeviceStatus(productKey, deviceName, status string) error {
	return s.SetDeviceStatusIn("", productKey, deviceName, status)
}

// SetDeviceStatusIn is SetDeviceStatus for one instance ("" means all).
func (s *Simulator) SetDeviceStatusIn(instanceID, productKey, deviceName, status string) error {
	if status != "ONLINE" && status != "OFFLINE" {
		return fmt.Errorf("iotsim: status must be ONLINE or OFFLINE, not %q", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UnixMilli()
	found := false
	for _, p := range s.world.products {
		if p.ProductKey != productKey || (instanceID != "" && p.InstanceID != instanceID) {
			continue
		}
		d, ok := s.world.byName[deviceKeyOf(p.InstanceID, productKey, deviceName)]
		if !ok {
			continue
		}
		found = true
		d.ActiveMs = cmp.Or(d.ActiveMs, now)
		if status == "ONLINE" {
			d.OnlineMs = now
			d.IPAddress = cmp.Or(d.IPAddress, "127.0.0.1")
		}
		if d.Connection != status {
			d.Connection = status
			d.StatusMs = now
		}
	}
	if !found {
		return fmt.Errorf("iotsim: no device %s/%s", productKey, deviceName)
	}
	return nil
}
