package managed

import (
	"fmt"
	"strings"
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
