package product

import (
	"reflect"
	"testing"

	"github.com/kiot-dev/kiot/internal/iot"
)

func TestTagChanges(t *testing.T) {
	actual := map[string]string{"keep": "1", "change": "old", "drop": "x", "drop2": "y"}
	desired := map[string]string{"keep": "1", "change": "new", "add": "z"}
	create, update, remove := tagChanges(actual, desired)
	if want := []iot.Tag{{TagKey: "add", TagValue: "z"}}; !reflect.DeepEqual(create, want) {
		t.Errorf("create = %v, want %v", create, want)
	}
	if want := []iot.Tag{{TagKey: "change", TagValue: "new"}}; !reflect.DeepEqual(update, want) {
		t.Errorf("update = %v, want %v", update, want)
	}
	if want := []string{"drop", "drop2"}; !reflect.DeepEqual(remove, want) {
		t.Errorf("remove = %v, want %v", remove, want)
	}
	if c, u, r := tagChanges(desired, desired); c != nil || u != nil || r != nil {
		t.Errorf("equal maps need no call: %v %v %v", c, u, r)
	}
}
