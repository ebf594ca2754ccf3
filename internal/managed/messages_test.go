package managed

import (
	"fmt"
	"testing"
)

func TestShortListNamesTenThenCountsTheRest(t *testing.T) {
	if got := ShortList([]string{"a", "b"}); got != "a, b" {
		t.Errorf("ShortList(a, b) = %q", got)
	}
	var names []string
	for i := range 13 {
		names = append(names, fmt.Sprint(i))
	}
	if got, want := ShortList(names), "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 3 more"; got != want {
		t.Errorf("ShortList(13 names) = %q, want %q", got, want)
	}
}
