package kiotmetrics_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	// Their metrics register on controller-runtime's registry when loaded,
	// as in the operator.
	_ "github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/kiotmetrics"
	_ "github.com/kiot-dev/kiot/internal/managed"
	_ "sigs.k8s.io/controller-runtime/pkg/controller"
)

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// registered is every metric name on the operator's registry, with the
// fleet collector added as controllers.SetupAll adds it.
func registered(t *testing.T) map[string]bool {
	t.Helper()
	if err := metrics.Registry.Register(&kiotmetrics.Collector{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { metrics.Registry.Unregister(&kiotmetrics.Collector{}) })
	ch := make(chan *prometheus.Desc)
	go func() {
		metrics.Registry.(prometheus.Collector).Describe(ch)
		close(ch)
	}()
	names := map[string]bool{}
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

var metricRef = regexp.MustCompile(`\b(?:kiot|controller_runtime|workqueue)_[a-z_]+\b`)

// unknown returns the metric names text mentions that are not registered;
// a histogram's series (_bucket, _sum, _count) count as their histogram.
func unknown(names map[string]bool, text string) []string {
	var out []string
	for _, ref := range metricRef.FindAllString(text, -1) {
		base := ref
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if trimmed, ok := strings.CutSuffix(ref, suffix); ok && names[trimmed] {
				base = trimmed
			}
		}
		if !names[base] {
			out = append(out, ref)
		}
	}
	return out
}

func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestTheMetricsPageListsEveryKiotMetricAndNoOther(t *testing.T) {
	names := registered(t)
	page := readRepoFile(t, "docs/metrics.md")
	kiot := 0
	for name := range names {
		if !strings.HasPrefix(name, "kiot_") {
			continue
		}
		kiot++
		if !strings.Contains(page, "| `"+name+"` |") {
			t.Errorf("docs/metrics.md has no table row for %s", name)
		}
	}
	if kiot < 14 {
		t.Fatalf("only %d kiot_ metrics registered: the registry was not read", kiot)
	}
	if bad := unknown(names, page); len(bad) > 0 {
		t.Errorf("docs/metrics.md names metrics that do not exist: %v", bad)
	}
}

func TestTheGrafanaDashboardParsesAndQueriesOnlyMetricsThatExist(t *testing.T) {
	names := registered(t)
	var dashboard struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal([]byte(readRepoFile(t, "config/grafana/kiot.json")), &dashboard); err != nil {
		t.Fatal(err)
	}
	if len(dashboard.Panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	used := map[string]bool{}
	for _, p := range dashboard.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			if len(metricRef.FindAllString(target.Expr, -1)) == 0 {
				t.Errorf("panel %q queries no Kiot or controller-runtime metric: %s", p.Title, target.Expr)
			}
			if bad := unknown(names, target.Expr); len(bad) > 0 {
				t.Errorf("panel %q queries metrics that do not exist: %v", p.Title, bad)
			}
			for _, ref := range metricRef.FindAllString(target.Expr, -1) {
				used[ref] = true
			}
		}
	}
	// The fleet is what the dashboard is for.
	for _, name := range []string{"kiot_resources", "kiot_resources_stalled", "kiot_devices", "kiot_distributejobs", "kiot_iot_quota_use_ratio"} {
		if !used[name] {
			t.Errorf("the dashboard does not show %s", name)
		}
	}
}
