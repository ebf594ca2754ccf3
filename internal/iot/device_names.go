package iot

// Validate checks one name (and nickname) against the rules
// BatchCheckDeviceNames applies (L13495–13564). The platform refuses the
// whole call for one bad name, and its answer lists the bad names only in
// the failed response's Data, which an error does not carry; a caller that
// batches many devices checks each here first, so that one bad name is
// refused alone and the others still go through.
func (d NamedDevice) Validate() error {
	ch := check("BatchCheckDeviceNames")
	ch.deviceName("DeviceName", d.DeviceName)
	if d.Nickname != "" {
		ch.text("DeviceNickname", d.Nickname, 4, 64, nameChars, "004 L13551–13564")
	}
	return ch.err()
}
