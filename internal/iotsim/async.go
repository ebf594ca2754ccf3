package iotsim

import "time"

// advance applies the ends of asynchronous phases that are due. It runs
// under s.mu before every operation and snapshot, so what a call reads is
// always consistent with the clock, with no goroutine or timer per object:
// an object's phase is a function of its start time and Timing, which also
// makes a reloaded state resume where it stopped.
func (s *Simulator) advance(now time.Time) {
	nowMs := now.UnixMilli()
	w := s.world
	if len(w.pendingBatches) > 0 {
		kept := w.pendingBatches[:0]
		for _, b := range w.pendingBatches {
			if w.batches[b.ApplyID] == b && s.advanceBatch(b, nowMs) {
				kept = append(kept, b)
			}
		}
		clear(w.pendingBatches[len(kept):])
		w.pendingBatches = kept
	}
	if len(w.pendingJobs) > 0 {
		kept := w.pendingJobs[:0]
		for _, j := range w.pendingJobs {
			if w.jobs[j.JobID] == j && s.advanceJob(j, nowMs) {
				kept = append(kept, j)
			}
		}
		clear(w.pendingJobs[len(kept):])
		w.pendingJobs = kept
	}
}

func timeMs(ms int64) time.Time { return time.UnixMilli(ms) }
