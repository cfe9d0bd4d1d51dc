package policies

import (
	"context"
	"reflect"
	"slices"
	"testing"
)

// Prepared objects and reused settings must judge each object exactly as Eval does.
func TestEvalPreparedMatchesEval(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	for _, root := range []string{"../testdata/rules", "../testdata/examples"} {
		in := fixtureInput(t, root)
		prepared := make([]*Prepared, len(in.Objects))
		for i, o := range in.Objects {
			p, err := Prepare(o)
			if err != nil {
				t.Fatal(err)
			}
			prepared[i] = p
		}
		settings, err := e.DeriveSettings(ctx, in.Config, prepared)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := e.Eval(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		judged := len(whole.Findings) + len(whole.Problems)
		for _, f := range whole.Findings {
			if r, _ := LookupRule(f.Rule); !slices.Contains(r.Kinds, in.Objects[f.Object].Kind) {
				t.Errorf("%s reports on a %s, which its METADATA custom.kinds %v lacks: admissions of that kind would miss it", f.Rule, in.Objects[f.Object].Kind, r.Kinds)
			}
		}
		// Each object alone, as an admission focuses (the rules of its kind only), and
		// groups of 8, as several objects of a Flux release are (mostly every rule).
		var focuses [][]int
		for id := range in.Objects {
			focuses = append(focuses, []int{id})
		}
		const group = 8
		for first := 0; first < len(in.Objects); first += group {
			var focus []int
			for id := first; id < min(first+group, len(in.Objects)); id++ {
				focus = append(focus, id)
			}
			focuses = append(focuses, focus)
		}
		for _, focus := range focuses {
			want := whole.only(focus)
			for _, s := range []*Settings{nil, settings} {
				got, err := e.EvalPrepared(ctx, in.Config, prepared, focus, s)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s objects %v, settings reused %v: got %+v, want %+v", root, focus, s != nil, got, want)
				}
			}
		}
		if judged == 0 {
			t.Fatalf("%s: no findings to compare", root)
		}
	}
}

// only is r restricted to the given objects, as an evaluation focused on them reports.
func (r Result) only(ids []int) Result {
	var out Result
	for _, f := range r.Findings {
		if slices.Contains(ids, f.Object) {
			out.Findings = append(out.Findings, f)
		}
	}
	for _, p := range r.Problems {
		if slices.Contains(ids, p.Object) {
			out.Problems = append(out.Problems, p)
		}
	}
	return out
}

// Settings stand in for the derivation: settings of another cluster setup change the verdict.
func TestEvalPreparedReadsSettings(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	cfg := Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}
	config := func(ipv6 string) *Prepared {
		p, err := Prepare(Object{Cluster: "a", Kind: KindCiliumConfig, Object: map[string]any{},
			Cilium: &CiliumValues{Form: "configmap", At: []any{"data"}, Values: map[string]any{"cluster-id": "1", "cluster-name": "a", "mtu": "8500", "enable-ipv6": ipv6}}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	policy, err := Prepare(Object{Cluster: "a", Kind: KindCiliumNetworkPolicy, Object: map[string]any{
		"metadata": map[string]any{"name": "p", "namespace": "x"},
		"spec":     map[string]any{"endpointSelector": map[string]any{}, "ingress": []any{map[string]any{"fromEndpoints": []any{map[string]any{}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	ipv4Only, err := e.DeriveSettings(ctx, cfg, []*Prepared{config("false")})
	if err != nil {
		t.Fatal(err)
	}
	withIPv6 := config("true")
	derived, err := e.EvalPrepared(ctx, cfg, []*Prepared{withIPv6, policy}, []int{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reused, err := e.EvalPrepared(ctx, cfg, []*Prepared{withIPv6, policy}, []int{1}, ipv4Only)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(derived, reused) {
		t.Fatalf("settings were not read: both %+v", derived)
	}
}
