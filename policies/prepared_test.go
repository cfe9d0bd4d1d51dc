package policies

import (
	"context"
	"reflect"
	"runtime"
	"slices"
	"sync"
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
		derivedAll, err := e.Derive(ctx, in.Config, prepared)
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
		// Every focus is an evaluation of its own: check them on every core.
		check := func(focus []int) {
			want := whole.only(focus)
			// As the webhook derives: from the context only, the focused objects last.
			var context, focused []*Prepared
			for id, p := range prepared {
				if slices.Contains(focus, id) {
					focused = append(focused, p)
				} else {
					context = append(context, p)
				}
			}
			derivedContext, err := e.Derive(ctx, in.Config, context)
			if err != nil {
				t.Error(err)
				return
			}
			reordered, refocus := append(context, focused...), make([]int, len(focused))
			for i := range focused {
				refocus[i] = len(context) + i
			}
			for _, c := range []struct {
				name    string
				objects []*Prepared
				focus   []int
				derived *Derived
			}{
				{"derived in the evaluation", prepared, focus, nil},
				{"derived from every object", prepared, focus, derivedAll},
				{"derived from the context", reordered, refocus, derivedContext},
			} {
				if c.derived == derivedContext && slices.ContainsFunc(focused, func(p *Prepared) bool { return p.kind == KindCiliumConfig }) {
					continue // an admitted Cilium config changes what is derived: the webhook derives afresh
				}
				got, err := e.EvalPrepared(ctx, in.Config, c.objects, c.focus, c.derived)
				if err != nil {
					t.Error(err)
					return
				}
				if c.derived == derivedContext {
					got = renumbered(got, context, focus)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s objects %v, %s: got %+v, want %+v", root, focus, c.name, got, want)
				}
			}
		}
		jobs := make(chan []int)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for focus := range jobs {
					check(focus)
				}
			}()
		}
		for _, focus := range focuses {
			jobs <- focus
		}
		close(jobs)
		wg.Wait()
		if judged == 0 {
			t.Fatalf("%s: no findings to compare", root)
		}
	}
}

// renumbered maps the ids of a result on context+focused objects back to the ids of focus.
func renumbered(r Result, context []*Prepared, focus []int) Result {
	id := func(i int) int { return focus[i-len(context)] }
	for i := range r.Findings {
		r.Findings[i].Object = id(r.Findings[i].Object)
	}
	for i := range r.Problems {
		r.Problems[i].Object = id(r.Problems[i].Object)
	}
	return r
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

// Derived stands in for the derivation: the settings of another cluster setup change the verdict.
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
	ipv4Only, err := e.Derive(ctx, cfg, []*Prepared{config("false")})
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

// An admitted policy's own allowances count with the derived context's: a policy whose
// `specs` allow the MTU signals for the whole namespace, or for the nodes, in one spec
// and put them in default-deny in another is judged as a whole evaluation judges it.
func TestEvalPreparedAddsFocusedAllowances(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	cfg := Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}
	allowWorldICMP := map[string]any{"fromEntities": []any{"world"}, "icmps": []any{map[string]any{"fields": []any{
		map[string]any{"type": 3, "family": "IPv4"}, map[string]any{"type": "PacketTooBig", "family": "IPv6"}}}}}
	fromCluster := map[string]any{"fromEntities": []any{"cluster"}}
	policies := map[string]Object{
		"namespace": {Cluster: "a", Kind: KindCiliumNetworkPolicy, Object: map[string]any{
			"metadata": map[string]any{"name": "p", "namespace": "x"},
			"specs": []any{
				map[string]any{"endpointSelector": map[string]any{}, "ingress": []any{allowWorldICMP}},
				map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "a"}}, "ingress": []any{fromCluster}},
			}}},
		"nodes": {Cluster: "a", Kind: KindCiliumClusterwideNetworkPolicy, Object: map[string]any{
			"metadata": map[string]any{"name": "h"},
			"specs": []any{
				map[string]any{"nodeSelector": map[string]any{}, "ingress": []any{allowWorldICMP}},
				map[string]any{"nodeSelector": map[string]any{"matchLabels": map[string]any{"role": "edge"}}, "ingress": []any{fromCluster}},
			}}},
	}
	config := Object{Cluster: "a", Kind: KindCiliumConfig, Object: map[string]any{},
		Cilium: &CiliumValues{Form: "configmap", At: []any{"data"}, Values: map[string]any{"cluster-name": "a", "enable-host-firewall": "true", "enable-ipv6": "true"}}}
	for name, policy := range policies {
		whole, err := e.Eval(ctx, Input{Config: cfg, Objects: []Object{config, withID(policy, 1)}, Focus: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		var prepared []*Prepared
		for _, o := range []Object{config, policy} {
			p, err := Prepare(o)
			if err != nil {
				t.Fatal(err)
			}
			prepared = append(prepared, p)
		}
		derived, err := e.Derive(ctx, cfg, prepared[:1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.EvalPrepared(ctx, cfg, prepared, []int{1}, derived)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, whole) || len(got.Findings) != 0 {
			t.Errorf("%s: derived context gives %+v, a whole evaluation %+v; want no findings from either", name, got, whole)
		}
	}
}

func withID(o Object, id int) Object {
	o.ID = id
	return o
}
