package policies

import (
	"context"
	"sync"
)

// partSize is how many network policies one part of a parallel evaluation judges: large
// enough that re-deriving the cluster's settings per part costs nothing noticeable, small
// enough that one big cluster still spreads over every core.
var partSize = 256 // a variable so tests can force many small parts

// EvalParallel is Eval over a whole repository, split into parts that workers evaluate at
// once. Network policies are judged per cluster, in parts that carry the context NeededFor
// names (the cluster's Cilium config, its blanket and host policies); everything else is
// judged in one part with the policies ICMP004 may name. The result equals Eval's
// (TestEvalParallelMatchesEval), and no part holds the whole repository's policies as
// Rego values at once unless a cluster turns allow-icmp-frag-needed off.
func (e *Engine) EvalParallel(ctx context.Context, in Input, workers int) (Result, error) {
	parts := split(in)
	if workers <= 1 || len(parts) <= 1 {
		return e.Eval(ctx, in)
	}
	results := make([]Result, len(parts))
	errs := make([]error, len(parts))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(parts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i], errs[i] = e.Eval(ctx, parts[i].input)
			}
		}()
	}
	for i := range parts {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var res Result
	for i, p := range parts {
		if errs[i] != nil {
			return Result{}, errs[i]
		}
		for _, f := range results[i].Findings {
			if id, ok := p.original(f.Object); ok {
				f.Object = id
				res.Findings = append(res.Findings, f)
			}
		}
		for _, pr := range results[i].Problems {
			if id, ok := p.original(pr.Object); ok {
				pr.Object = id
				res.Problems = append(res.Problems, pr)
			}
		}
	}
	res.sort()
	return res, nil
}

// part is one independent evaluation: its input numbers objects afresh, ids maps them
// back, and only findings on focused objects are kept from it.
type part struct {
	input   Input
	ids     []int // part id -> id in the whole input
	focused []bool
}

// add puts o into the part under the next id, remembering its id in the whole input.
func (p *part) add(o Object, focus bool) {
	p.ids = append(p.ids, o.ID)
	p.focused = append(p.focused, focus)
	o.ID = len(p.input.Objects)
	p.input.Objects = append(p.input.Objects, o)
	if focus {
		p.input.Focus = append(p.input.Focus, o.ID)
	}
}

func (p *part) original(id int) (int, bool) {
	if id < 0 || id >= len(p.ids) || !p.focused[id] {
		return 0, false
	}
	return p.ids[id], true
}

// split divides in, whose objects are judged as a whole repository (no Focus).
func split(in Input) []*part {
	if in.Focus != nil {
		return nil
	}
	configs := map[string][]Object{}  // cluster -> its Cilium config layers
	context := map[string][]Object{}  // cluster -> policies other policies' verdicts read
	policies := map[string][]Object{} // cluster -> its policies
	var clusters []string
	icmp004 := map[string]bool{} // clusters whose config may switch allow-icmp-frag-needed off
	for _, o := range in.Objects {
		switch {
		case o.Kind == KindCiliumConfig:
			configs[o.Cluster] = append(configs[o.Cluster], o)
			if mentionsFragNeeded(o.Cilium) {
				icmp004[o.Cluster] = true
			}
		case isPolicy(o.Kind):
			if _, seen := policies[o.Cluster]; !seen {
				clusters = append(clusters, o.Cluster)
			}
			policies[o.Cluster] = append(policies[o.Cluster], o)
			if NeededFor(KindCiliumNetworkPolicy, Classified{Kind: o.Kind}, o.Object) {
				context[o.Cluster] = append(context[o.Cluster], o)
			}
		}
	}
	rest := newPart(in.Config)
	for _, o := range in.Objects {
		switch {
		case !isPolicy(o.Kind):
			rest.add(o, true)
		case icmp004[o.Cluster]:
			rest.add(o, false)
		}
	}
	var parts []*part
	if len(rest.input.Focus) > 0 {
		parts = append(parts, rest)
	}
	for _, c := range clusters {
		ps := policies[c]
		for start := 0; start < len(ps); start += partSize {
			chunk := ps[start:min(start+partSize, len(ps))]
			p := newPart(in.Config)
			for _, o := range configs[c] {
				p.add(o, false)
			}
			inChunk := map[int]bool{}
			for _, o := range chunk {
				inChunk[o.ID] = true
			}
			for _, o := range context[c] {
				if !inChunk[o.ID] {
					p.add(o, false)
				}
			}
			for _, o := range chunk {
				p.add(o, true)
			}
			parts = append(parts, p)
		}
	}
	return parts
}

func newPart(cfg Config) *part {
	return &part{input: Input{Config: cfg, Focus: []int{}}}
}

// mentionsFragNeeded: a layer sets allow-icmp-frag-needed (the cilium-config key, or Helm
// extraConfig), whatever its value. Only then may ICMP004 read the cluster's policies.
func mentionsFragNeeded(v *CiliumValues) bool {
	if v == nil {
		return false
	}
	const key = "allow-icmp-frag-needed"
	if v.Form == "configmap" {
		_, ok := v.Values[key]
		return ok
	}
	extra, _ := v.Values["extraConfig"].(map[string]any)
	_, ok := extra[key]
	return ok
}
