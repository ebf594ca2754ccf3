package main

import (
	"testing"
	"time"

	"github.com/kiot-dev/kiot/internal/iotsim"
)

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"--listen", "127.0.0.1:0", "--access-key", "testid:testsecret",
		"--access-key", "ram:ramsecret:1990000000000000", "--quotas", "off", "--instance", "iot-ent-1:ap-southeast-1",
		"--job-running", "50ms", "--state-file", "/tmp/x.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := []iotsim.AccessKey{{ID: "testid", Secret: "testsecret", UID: iotsim.DefaultUID}, {ID: "ram", Secret: "ramsecret", UID: "1990000000000000"}}
	if len(cfg.opts.AccessKeys) != 2 || cfg.opts.AccessKeys[0] != want[0] || cfg.opts.AccessKeys[1] != want[1] {
		t.Fatalf("%+v", cfg.opts.AccessKeys)
	}
	if cfg.opts.Quotas || cfg.opts.Timing.JobRunning != 50*time.Millisecond || cfg.opts.Instances[0].Region != "ap-southeast-1" || cfg.opts.StateFile != "/tmp/x.json" {
		t.Fatalf("%+v", cfg.opts)
	}
	if cfg, _ := parseFlags(nil); !cfg.opts.Quotas || cfg.listen != "127.0.0.1:18080" {
		t.Fatal("defaults: documented quotas on 127.0.0.1:18080")
	}
	for _, bad := range [][]string{{"--quotas", "some"}, {"--access-key", "nosecret"}, {"--instance", "noregion"}, {"stray"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Fatalf("accepted %v", bad)
		}
	}
}
