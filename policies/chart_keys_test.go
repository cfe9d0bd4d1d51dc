package policies

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/mtuguard/mtuguard/policies/upstream"
)

// TestChartKeysMatchUpstream: ciliumChartKeys are the chart's own top-level properties
// (values.schema.json of the pinned Cilium module), and nothing else but legacy `tunnel`
// and `highScaleIPcache`.
func TestChartKeysMatchUpstream(t *testing.T) {
	mod, err := upstream.ModuleDir(upstream.Cilium)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(mod, "install/kubernetes/cilium/values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	want := setOf("tunnel", "highScaleIPcache")
	for k := range schema.Properties {
		want[k] = true
	}
	for k := range want {
		if !ciliumChartKeys[k] {
			t.Errorf("chart key %q missing from ciliumChartKeys", k)
		}
	}
	for k := range ciliumChartKeys {
		if !want[k] {
			t.Errorf("ciliumChartKeys has %q, which the chart does not declare", k)
		}
	}
}

// TestRuleReadKeysMatchRego: ruleReadKeys are exactly the top-level keys lib/cilium.rego
// reads Helm values from, so an overlay is claimed exactly when a rule could see it; and
// ruleReadConfigKeys the cilium-config keys it reads, so a deferred one is noted.
func TestRuleReadKeysMatchRego(t *testing.T) {
	p := parsed()
	if p.err != nil {
		t.Fatal(p.err)
	}
	compiler, err := Compile(p.modules)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rego.New(rego.Query(`x := {p[0] | some p in data.mtuguard.lib.cilium.helm_paths} | {"extraConfig"}`),
		rego.Compiler(compiler)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatal(err, rs)
	}
	var got []string
	for _, k := range rs[0].Bindings["x"].([]any) {
		got = append(got, k.(string))
	}
	var want []string
	for k := range ruleReadKeys {
		want = append(want, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("Rego reads %v, ruleReadKeys has %v", got, want)
	}
	for k := range ruleReadKeys {
		if !ciliumChartKeys[k] {
			t.Errorf("rule key %q is not a chart key", k)
		}
	}
	rs, err = rego.New(rego.Query(`x := {k | some k in data.mtuguard.lib.cilium.read_keys; not startswith(k, "helm:")}`),
		rego.Compiler(compiler)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatal(err, rs)
	}
	got = got[:0]
	for _, k := range rs[0].Bindings["x"].([]any) {
		got = append(got, k.(string))
	}
	want = slices.Sorted(maps.Keys(ruleReadConfigKeys))
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("Rego reads the cilium-config keys %v, ruleReadConfigKeys has %v", got, want)
	}
}

func TestChartValuesShaped(t *testing.T) {
	for _, c := range []struct {
		name string
		obj  map[string]any
		want bool
	}{
		{"cluster overlay", map[string]any{"cluster": map[string]any{"name": "prod", "id": 1}}, true},
		{"ipam overlay", map[string]any{"ipam": map[string]any{"mode": "eni"}}, true},
		{"MTU with a generic key", map[string]any{"MTU": 8500, "resources": map[string]any{}}, true},
		{"legacy tunnel", map[string]any{"tunnel": "vxlan"}, true},
		{"only keys no rule reads", map[string]any{"image": map[string]any{"tag": "v1"}, "resources": map[string]any{}}, false},
		{"another chart's key", map[string]any{"cluster": map[string]any{"name": "x"}, "controller": map[string]any{}}, false},
		{"a Kubernetes object", map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "cluster": map[string]any{}}, false},
		{"empty", map[string]any{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ChartValuesShaped(c.obj); got != c.want {
				t.Errorf("ChartValuesShaped = %v, want %v", got, c.want)
			}
		})
	}
}
