package testbed

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BuildOperator builds the operator (the repository's main package) into
// dir/manager and returns its path. Build it once and hand the path to
// every Start.
func BuildOperator(repoRoot, dir string) (string, error) {
	bin := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of the operator: %w\n%s", err, out)
	}
	return bin, nil
}

// RepoRoot is the nearest directory upwards from the working directory
// that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testbed: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Operator is the operator as an OS process. Every incarnation appends to
// one log file, after a line that says which one it is.
type Operator struct {
	bin, kubeconfig, logPath string
	args                     []string
	supervise                time.Duration
	// name is the replica's POD_NAME (its User-Agent and Lease identity);
	// elect runs it with leader election, beside other replicas.
	name  string
	elect bool

	mu          sync.Mutex
	cmd         *exec.Cmd
	done        chan struct{}
	killedByUs  bool
	stopped     bool
	starts      int
	kills       int
	crashes     int
	peakRSSKiB  int64
	metricsAddr string
}

func newOperator(bin, kubeconfig, logPath string, args []string, supervise time.Duration, name string, elect bool) *Operator {
	return &Operator{bin: bin, kubeconfig: kubeconfig, logPath: logPath, args: args, supervise: supervise, name: name, elect: elect}
}

// Name is the replica's name: its POD_NAME, which its User-Agent and its
// Lease identity start with.
func (o *Operator) Name() string { return o.name }

// Start starts the operator; an error if it is running.
func (o *Operator) Start() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.startLocked()
}

func (o *Operator) startLocked() error {
	if o.cmd != nil {
		return errors.New("testbed: the operator is already running")
	}
	if o.stopped {
		return errors.New("testbed: the bed is stopped")
	}
	metrics, err := freeAddr()
	if err != nil {
		return err
	}
	probes, err := freeAddr()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(o.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }() // the child has its own descriptor
	o.starts++
	fmt.Fprintf(logFile, "=== testbed: operator start #%d at %s\n", o.starts, time.Now().Format(time.RFC3339Nano))
	args := append([]string{
		"--kubeconfig=" + o.kubeconfig,
		"--metrics-bind-address=" + metrics,
		// Loopback: the bed scrapes plain HTTP without a token.
		"--metrics-secure=false",
		"--health-probe-bind-address=" + probes,
		"--leader-elect=" + strconv.FormatBool(o.elect),
		"--leader-election-namespace=" + operatorNamespace,
	}, o.args...)
	cmd := exec.Command(o.bin, args...)
	cmd.Env = append(os.Environ(), "POD_NAME="+o.name)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the operator: %w", err)
	}
	o.cmd, o.done, o.killedByUs, o.metricsAddr = cmd, make(chan struct{}), false, metrics
	go o.reap(cmd, o.done)
	return nil
}

// reap waits for one incarnation, records its peak memory, and starts a new
// one after the supervise pause when it exited on its own.
func (o *Operator) reap(cmd *exec.Cmd, done chan struct{}) {
	_ = cmd.Wait()
	o.mu.Lock()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > o.peakRSSKiB {
		o.peakRSSKiB = ru.Maxrss // KiB on Linux
	}
	crashed := !o.killedByUs && !o.stopped
	if o.cmd == cmd {
		o.cmd = nil
	}
	if crashed {
		o.crashes++
		o.note(fmt.Sprintf("operator exited on its own (%s); starting it again in %s", cmd.ProcessState, o.supervise))
		time.AfterFunc(o.supervise, func() {
			o.mu.Lock()
			defer o.mu.Unlock()
			if o.cmd == nil && !o.stopped {
				_ = o.startLocked()
			}
		})
	}
	o.mu.Unlock()
	close(done)
}

// Kill sends SIGKILL to the running operator and waits until it is gone.
// It does not start it again: call Start.
func (o *Operator) Kill() error {
	o.mu.Lock()
	cmd, done := o.cmd, o.done
	if cmd == nil {
		o.mu.Unlock()
		return errors.New("testbed: the operator is not running")
	}
	o.killedByUs = true
	o.kills++
	o.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	return nil
}

// Pause stops the running operator (SIGSTOP) for d, then lets it go on
// (SIGCONT): a long GC, a frozen node or a VM migration, as the process
// sees it. It returns once the process runs again.
func (o *Operator) Pause(d time.Duration) error {
	o.mu.Lock()
	cmd := o.cmd
	o.mu.Unlock()
	if cmd == nil {
		return errors.New("testbed: the operator is not running")
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	time.Sleep(d)
	return cmd.Process.Signal(syscall.SIGCONT)
}

// Restart kills the operator and starts it again.
func (o *Operator) Restart() error {
	if err := o.Kill(); err != nil {
		return err
	}
	return o.Start()
}

// Stop ends the operator for good (SIGTERM, then SIGKILL after 5s).
func (o *Operator) Stop() {
	o.mu.Lock()
	o.stopped = true
	cmd, done := o.cmd, o.done
	o.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// Running reports whether an incarnation is running now.
func (o *Operator) Running() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cmd != nil
}

// Kills counts the SIGKILLs sent by Kill; Crashes counts the exits the
// operator made on its own (each followed by a new start).
func (o *Operator) Kills() int   { o.mu.Lock(); defer o.mu.Unlock(); return o.kills }
func (o *Operator) Crashes() int { o.mu.Lock(); defer o.mu.Unlock(); return o.crashes }

// MetricsURL is the Prometheus endpoint of the running incarnation.
func (o *Operator) MetricsURL() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return "http://" + o.metricsAddr + "/metrics"
}

// LogPath is the file every incarnation logs to.
func (o *Operator) LogPath() string { return o.logPath }

// PeakRSS is the largest resident set, in bytes, any incarnation reached so
// far (the running one included).
func (o *Operator) PeakRSS() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	peak := o.peakRSSKiB
	if o.cmd != nil {
		if hwm := vmHWM(o.cmd.Process.Pid); hwm > peak {
			peak = hwm
		}
	}
	return peak * 1024
}

// vmHWM is a live process's peak resident set in KiB (0 if unknown).
func vmHWM(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}

// note appends a line of the test bed's own to the operator log.
func (o *Operator) note(line string) {
	f, err := os.OpenFile(o.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "=== testbed: %s\n", line)
	_ = f.Close()
}

// freeAddr is a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}
