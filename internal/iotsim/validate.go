package iotsim

import "unicode/utf8"

// The documented character sets and lengths (API-DIGEST §4, the table of
// name and format constraints). Lengths count characters.

func charsetOK(s string, minLen, maxLen int, extra string) bool {
	n := utf8.RuneCountInString(s)
	if n < minLen || n > maxLen {
		return false
	}
	for _, r := range s {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			continue
		}
		ok := false
		for _, e := range extra {
			if r == e {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// validProductName: 4–30 letters, digits and underscores (L7897–7907). The
// seeds' own example "Street light" breaks the rule (ambiguity 6); the
// documented rule wins.
func validProductName(s string) bool { return charsetOK(s, 4, 30, "_") }

// validDeviceName: 4–32 letters, digits and - _ @ . : (L10655–10670).
func validDeviceName(s string) bool { return charsetOK(s, 4, 32, "-_@.:") }

// validNickname: 4–64 letters, digits and underscores (RegisterDevice
// L10680–10690, BatchCheckDeviceNames L13551–13564).
func validNickname(s string) bool { return charsetOK(s, 4, 64, "_") }

// validShortNickname is BatchUpdateDeviceNickname's 4–32 (L14052–14065);
// a Chinese character counts as two.
func validShortNickname(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_':
			n++
		case r >= 0x4E00 && r <= 0x9FFF:
			n += 2
		default:
			return false
		}
	}
	return n >= 4 && n <= 32
}

// validProductTagKey: 1–30 letters, digits and periods (L9381–9389).
func validProductTagKey(s string) bool { return charsetOK(s, 1, 30, ".") }

// validTagValue: 1–128 letters, digits, _ and - (product L9391–9399, group
// L19550–19554).
func validTagValue(s string) bool { return charsetOK(s, 1, 128, "_-") }

// validGroupName: 4–30 letters, digits and underscores (L18221–18226).
func validGroupName(s string) bool { return charsetOK(s, 4, 30, "_") }

// validGroupTagKey: 2–30 letters, digits and periods (L19545–19548).
func validGroupTagKey(s string) bool { return charsetOK(s, 2, 30, ".") }

// validDevicePropKey: the seeds give no rule for device tag keys
// (SaveDeviceProp, 004 L15039–15215, bounds only the size and count), so
// the simulator applies the platform's documented tag-key rule, the product
// tag key's: 1–30 letters, digits and periods (004 L9381–9389; API-DIGEST
// "Name and format constraints"). The Device CRD admits exactly these keys
// (api/v1alpha1 DeviceSpec.Properties); a test holds the two together.
func validDevicePropKey(s string) bool { return validProductTagKey(s) }
