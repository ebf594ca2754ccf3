package managed

import "testing"

func TestWriteTrackerSpotsVersionsItsOwnWritesReplaced(t *testing.T) {
	var w writeTracker
	if w.stale("a", "10") {
		t.Fatal("nothing written yet, nothing is stale")
	}
	w.wrote("a", "10") // finalizer patch: 10 → 11
	w.wrote("a", "11") // status patch: 11 → 12
	for _, rv := range []string{"10", "11"} {
		if !w.stale("a", rv) {
			t.Errorf("version %s was replaced by Kiot's own write: stale", rv)
		}
	}
	if w.stale("b", "10") {
		t.Error("another object's versions are its own")
	}
	if w.stale("a", "12") {
		t.Error("the version Kiot wrote is fresh")
	}
	if w.stale("a", "10") {
		t.Error("once the cache moved past the writes, the record is forgotten")
	}
}
