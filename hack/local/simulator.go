package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kiot-dev/kiot/internal/iotsim"
)

// simulator is the IoT Platform simulator on loopback, with the documented
// quotas on, as the operator would meet the real platform.
type simulator struct {
	server *http.Server
	log    *os.File
	// addr is where it listens (the port chosen when asked for :0).
	addr string
}

func startSimulator(dir, listen string) (*simulator, error) {
	logFile, err := os.Create(filepath.Join(dir, "iot-sim.log"))
	if err != nil {
		return nil, err
	}
	sim, err := iotsim.New(iotsim.Options{Quotas: true, Logger: slog.New(slog.NewTextHandler(logFile, nil))})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("the simulator cannot listen on %s (is another simulator running? stop it or pass --sim-listen): %w", listen, err)
	}
	s := &simulator{server: &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}, log: logFile, addr: ln.Addr().String()}
	go func() { _ = s.server.Serve(ln) }()
	return s, nil
}

func (s *simulator) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.server.Shutdown(ctx)
	_ = s.log.Close()
}
