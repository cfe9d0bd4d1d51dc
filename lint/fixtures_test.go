package lint_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

var (
	engineOnce sync.Once
	engine     *policies.Engine
	engineErr  error
)

func testEngine(t testing.TB) *policies.Engine {
	t.Helper()
	engineOnce.Do(func() { engine, engineErr = policies.NewEngine(context.Background()) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// TestRuleFixtures runs every fixture under testdata/rules/<ID>/ (Polaris style: the
// expected outcome is in the name). fail-* must yield the rule, pass-* must not, and every
// catalogued rule needs at least one of each. A fixture directory's .mtuguard.yaml, else
// the rule directory's, is the config.
func TestRuleFixtures(t *testing.T) {
	e := testEngine(t)
	root := filepath.Join("..", "testdata", "rules")
	for _, rule := range policies.Catalogue() {
		t.Run(rule.ID, func(t *testing.T) {
			dir := filepath.Join(root, rule.ID)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatalf("%s has no fixtures: %v", rule.ID, err)
			}
			ruleCfg := fixtureConfig(t, dir, policies.Config{})
			seen := map[string]int{}
			for _, entry := range entries {
				name := entry.Name()
				outcome, _, ok := strings.Cut(name, "-")
				if !ok || (outcome != "pass" && outcome != "fail") {
					continue
				}
				seen[outcome]++
				path := filepath.Join(dir, name)
				cfg := ruleCfg
				if entry.IsDir() {
					cfg = fixtureConfig(t, path, ruleCfg)
				}
				t.Run(name, func(t *testing.T) {
					rep, err := lint.Run(context.Background(), e, []string{path}, lint.Options{Config: cfg})
					if err != nil {
						t.Fatal(err)
					}
					for _, ie := range rep.InputErrors {
						t.Errorf("fixture is not valid input: %v", ie)
					}
					var got []lint.Finding
					for _, f := range rep.Findings {
						if f.Rule == rule.ID && f.Suppressed == "" {
							got = append(got, f)
						}
					}
					switch {
					case outcome == "fail" && len(got) == 0:
						t.Errorf("expected %s to fire; findings: %+v", rule.ID, rep.Findings)
					case outcome == "pass" && len(got) > 0:
						t.Errorf("expected no %s; got %s:%d: %s", rule.ID, got[0].File, got[0].Line, got[0].Message)
					}
					for _, f := range got {
						if f.Line < 1 {
							t.Errorf("%s: finding without a line: %+v", f.File, f)
						}
					}
				})
			}
			if seen["pass"] == 0 || seen["fail"] == 0 {
				t.Errorf("%s needs at least one pass-* and one fail-* fixture (has %d pass, %d fail)", rule.ID, seen["pass"], seen["fail"])
			}
		})
	}
}

func fixtureConfig(t *testing.T, dir string, fallback policies.Config) policies.Config {
	t.Helper()
	path := filepath.Join(dir, ".mtuguard.yaml")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fallback
	}
	cfg, err := policies.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
