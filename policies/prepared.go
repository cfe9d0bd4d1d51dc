package policies

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Prepared is an object already turned into its Rego value, for callers that put the same
// object into many inputs: the webhook's cluster context, admission after admission.
type Prepared struct {
	fields [][2]*ast.Term // the members of the object's value; the id is added per input
	kind   string         // normalised; picks the rules an evaluation focused on the object runs
	// last is the value built for the last id asked: the webhook puts a context object at
	// the same position admission after admission, and building it anew each time was a
	// fifth of an admission's allocations.
	last atomic.Pointer[idTerm]
}

type idTerm struct {
	id   int
	term *ast.Term
}

// Prepare converts o once; its id is its position in each input it is put in.
func Prepare(o Object) (*Prepared, error) {
	v, err := ast.InterfaceToValue(o.plain())
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", o.Kind, err)
	}
	p := &Prepared{kind: o.Kind}
	v.(ast.Object).Foreach(func(k, v *ast.Term) {
		p.fields = append(p.fields, [2]*ast.Term{k, v})
	})
	return p, nil
}

// term is the object's value with id as its position in the input.
// Evaluation never changes an input's values, so one term serves every input at that id.
func (p *Prepared) term(id int) *ast.Term {
	if last := p.last.Load(); last != nil && last.id == id {
		return last.term
	}
	fields := make([][2]*ast.Term, 0, len(p.fields)+1)
	fields = append(fields, p.fields...)
	fields = append(fields, [2]*ast.Term{ast.StringTerm("id"), ast.InternedTerm(id)})
	t := ast.ObjectTerm(fields...)
	p.last.Store(&idTerm{id, t})
	return t
}

// Derived is what the rules derive from a set of prepared objects that an evaluation
// focused on other objects only reads, kept to stand in for that derivation in later
// evaluations with the same context.
type Derived struct{ value *ast.Term }

// derivedRules are what Derived holds: each cluster's effective Cilium settings, the policy
// model's view of them with Cilium's defaults filled in, and the ICMP allowances that
// policies selecting a whole namespace or the nodes give others. The rules read them from
// input.mtuguard_derived when it is there (cilium.settings, netpol.setups, netpol.blankets,
// netpol.host_allowances), adding the focused objects' own allowances.
var derivedRules = map[string]string{
	"cilium":          "data.mtuguard.lib.cilium.derived_settings",
	"netpol":          "data.mtuguard.lib.netpol.derived_setups",
	"blankets":        "data.mtuguard.lib.netpol.derived_blankets",
	"host_allowances": "data.mtuguard.lib.netpol.derived_host_allowances",
}

// derivedQuery evaluates every derived rule, each into its own variable.
func derivedQuery() string {
	var parts []string
	for name, rule := range derivedRules {
		parts = append(parts, fmt.Sprintf("%s := %s", name, rule))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// Derive evaluates what the rules derive from objects (Derived), which EvalPrepared may
// reuse for as long as its unfocused objects are these, with the same ids.
func (e *Engine) Derive(ctx context.Context, cfg Config, objects []*Prepared) (*Derived, error) {
	input, err := preparedInput(cfg, objects, nil)
	if err != nil {
		return nil, err
	}
	rs, err := e.derived.Eval(ctx, rego.EvalParsedInput(input), rego.EvalGenerateJSON(asValue))
	if err != nil {
		return nil, fmt.Errorf("evaluate derived context: %w", err)
	}
	if len(rs) == 0 {
		return nil, errors.New("evaluate derived context: no result")
	}
	value := ast.NewObject()
	for name := range derivedRules {
		v, ok := rs[0].Bindings[name].(ast.Value)
		if !ok {
			return nil, fmt.Errorf("evaluate derived context: %s is undefined", derivedRules[name])
		}
		value.Insert(ast.StringTerm(name), ast.NewTerm(v))
	}
	return &Derived{value: ast.NewTerm(value)}, nil
}

// EvalPrepared is Eval over prepared objects, ids assigned in order, findings reported on
// focus only. With derived, the rules read it instead of deriving it again: pass it only
// when it was derived from the unfocused objects (and perhaps the focused ones too), at
// the same positions.
func (e *Engine) EvalPrepared(ctx context.Context, cfg Config, objects []*Prepared, focus []int, derived *Derived) (Result, error) {
	input, err := preparedInput(cfg, objects, focus)
	if err != nil {
		return Result{}, err
	}
	if derived != nil {
		input.(ast.Object).Insert(ast.StringTerm(derivedKey), derived.value)
	}
	return e.evalVerdicts(ctx, *e.verdictsFor(objects, focus), rego.EvalParsedInput(input), rego.EvalGenerateJSON(asValue))
}

// verdictsFor is the query of the rules that report on the focused objects' kind when they
// share one, else of every rule.
func (e *Engine) verdictsFor(objects []*Prepared, focus []int) *rego.PreparedEvalQuery {
	if len(focus) == 0 {
		return &e.verdicts
	}
	kind := objects[focus[0]].kind
	for _, id := range focus[1:] {
		if objects[id].kind != kind {
			return &e.verdicts
		}
	}
	if q, ok := e.verdictsOn[kind]; ok {
		return q
	}
	return &e.verdicts
}

// derivedKey carries Derived in the input; only the rules in derivedRules' packages read it.
const derivedKey = "mtuguard_derived"

func preparedInput(cfg Config, objects []*Prepared, focus []int) (ast.Value, error) {
	terms := make([]*ast.Term, len(objects))
	for i, p := range objects {
		terms[i] = p.term(i)
	}
	config, err := ast.InterfaceToValue(cfg.regoValue())
	if err != nil {
		return nil, fmt.Errorf("convert config: %w", err)
	}
	doc := ast.NewObject(
		[2]*ast.Term{ast.StringTerm("config"), ast.NewTerm(config)},
		[2]*ast.Term{ast.StringTerm("objects"), ast.ArrayTerm(terms...)},
	)
	if focus != nil {
		ids := make([]*ast.Term, len(focus))
		for i, id := range focus {
			ids[i] = ast.InternedTerm(id)
		}
		doc.Insert(ast.StringTerm("focus"), ast.ArrayTerm(ids...))
	}
	return doc, nil
}
