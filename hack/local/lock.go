package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// errAlreadyRunning says another make local holds the lock.
var errAlreadyRunning = errors.New("already running")

// lock takes an exclusive lock on path for the life of the process, so a
// second make local says so instead of fighting over ports. The kernel
// releases it however the process ends.
func lock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		_ = f.Close()
		pid := strings.TrimSpace(string(holder))
		if _, convErr := strconv.Atoi(pid); convErr != nil {
			pid = "unknown"
		}
		return nil, fmt.Errorf("%w (pid %s)", errAlreadyRunning, pid)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
