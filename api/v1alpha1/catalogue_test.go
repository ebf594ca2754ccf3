package v1alpha1_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
)

// reasonConstants reads every Reason* constant declared in conditions.go.
func reasonConstants(t *testing.T) map[string]string {
	t.Helper()
	reasons := stringConstants(t, "conditions.go", "Reason")
	if len(reasons) < 30 {
		t.Fatalf("found only %d reasons in conditions.go", len(reasons))
	}
	return reasons
}

// stringConstants reads the string constants of file whose names start
// with prefix: name → value.
func stringConstants(t *testing.T, file, prefix string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	constants := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if !strings.HasPrefix(name.Name, prefix) || i >= len(spec.Values) {
				continue
			}
			if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				v, _ := strconv.Unquote(lit.Value)
				constants[name.Name] = v
			}
		}
		return true
	})
	return constants
}

// catalogueRows reads docs/conditions.md's reason table: reason → stalled.
func catalogueRows(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "conditions.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	inReasons := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "## ") {
			inReasons = line == "## Reasons"
			continue
		}
		if !inReasons || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		reason := strings.Trim(strings.TrimSpace(cells[1]), "`")
		rows[reason] = strings.TrimSpace(cells[3]) == "yes"
	}
	return rows
}

// The condition catalogue lists every reason the code declares, no other,
// and marks as Stalled exactly the reasons the engine stalls on.
func TestTheConditionCatalogueMatchesTheCode(t *testing.T) {
	declared, rows := reasonConstants(t), catalogueRows(t)
	values := map[string]bool{}
	for name, v := range declared {
		values[v] = true
		stalled, ok := rows[v]
		if !ok {
			t.Errorf("%s (%q) is missing from docs/conditions.md", name, v)
			continue
		}
		if stalled != iotv1.NeedsPerson(v) {
			t.Errorf("docs/conditions.md marks %q Stalled: %v; the code: %v", v, stalled, iotv1.NeedsPerson(v))
		}
	}
	for reason := range rows {
		if !values[reason] {
			t.Errorf("docs/conditions.md lists %q, which conditions.go does not declare", reason)
		}
	}
	for _, r := range iotv1.StalledReasons() {
		if !values[r] {
			t.Errorf("StalledReasons names %q, which is not a declared reason", r)
		}
	}
}

// The catalogue's Events section names every event reason the code declares.
func TestTheCatalogueNamesEveryEventReason(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "conditions.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Events\n")
	if !ok {
		t.Fatal("docs/conditions.md has no Events section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	events := stringConstants(t, "events.go", "Event")
	if len(events) < 8 {
		t.Fatalf("found only %d event reasons in events.go", len(events))
	}
	for name, v := range events {
		if !strings.Contains(section, "`"+v+"`") {
			t.Errorf("%s (%q) is missing from docs/conditions.md's Events section", name, v)
		}
	}
}
