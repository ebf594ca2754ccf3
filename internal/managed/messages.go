package managed

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ShortList names at most ten items, then how many more: condition and
// event messages stay readable however many devices are involved.
func ShortList(names []string) string {
	const shown = 10
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}

// MaxMessageBytes bounds condition messages and event notes. They carry the
// platform's own text, which has no bound of its own: a long answer would
// fill the object's status (and events/v1 refuses notes over 1 KiB).
const MaxMessageBytes = 1024

// truncatedMark ends a message that was cut.
const truncatedMark = " …(truncated)"

// BoundMessage returns msg cut to at most MaxMessageBytes bytes, on a
// character boundary, marked as cut.
func BoundMessage(msg string) string {
	if len(msg) <= MaxMessageBytes {
		return msg
	}
	cut := MaxMessageBytes - len(truncatedMark)
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + truncatedMark
}
