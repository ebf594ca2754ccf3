package iotsim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// The state file keeps the cloud across restarts of the command. It is the
// State as JSON; async objects carry their start times, so a job or batch
// that was running resumes its clock. Counters are not kept: they describe
// a run, not the cloud.

// Save writes the state to Options.StateFile atomically: a temporary file in
// the same directory, synced, then renamed over the old one, so a crash
// leaves either the old or the new state, never half of one.
func (s *Simulator) Save() error {
	if s.stateFile == "" {
		return nil
	}
	st := s.Snapshot()
	st.Calls, st.Throttled = nil, nil
	return writeStateFile(s.stateFile, st)
}

func writeStateFile(path string, st State) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// load replaces the state with the state file's.
func (s *Simulator) load() error {
	data, err := os.ReadFile(s.stateFile)
	if err != nil {
		return err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("iotsim: state file %s: %w", s.stateFile, err)
	}
	s.Restore(st)
	return nil
}

// Restore replaces the state with st (counters excluded), e.g. to seed a
// test with a fleet without calling the API.
func (s *Simulator) Restore(st State) {
	w := worldFrom(st)
	s.mu.Lock()
	s.world = w
	s.mu.Unlock()
}
