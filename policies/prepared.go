package policies

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Prepared is an object already turned into its Rego value, for callers that put the same
// object into many inputs: the webhook's cluster context, admission after admission.
type Prepared struct {
	fields [][2]*ast.Term // the members of the object's value; the id is added per input
	kind   string         // normalised; picks the rules an evaluation focused on the object runs
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
func (p *Prepared) term(id int) *ast.Term {
	fields := make([][2]*ast.Term, 0, len(p.fields)+1)
	fields = append(fields, p.fields...)
	fields = append(fields, [2]*ast.Term{ast.StringTerm("id"), ast.InternedTerm(id)})
	return ast.ObjectTerm(fields...)
}

// Settings are the per-cluster settings the rules derive from a set of prepared objects'
// Cilium configs, kept to stand in for that derivation in later evaluations.
type Settings struct{ value *ast.Term }

// settingsRules are what Settings holds: each cluster's effective Cilium settings, and the
// policy model's view of them with Cilium's defaults filled in. The rules read them from
// input.mtuguard_settings when it is there (cilium.settings, netpol.setups).
var settingsRules = map[string]string{
	"cilium": "data.mtuguard.lib.cilium.derived_settings",
	"netpol": "data.mtuguard.lib.netpol.derived_setups",
}

// derivedQuery evaluates every settings rule, each into its own variable.
func derivedQuery() string {
	var parts []string
	for name, rule := range settingsRules {
		parts = append(parts, fmt.Sprintf("%s := %s", name, rule))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// DeriveSettings evaluates the Cilium settings of objects, which EvalPrepared may reuse for
// as long as the Cilium configs among its objects are these, with the same ids.
func (e *Engine) DeriveSettings(ctx context.Context, cfg Config, objects []*Prepared) (*Settings, error) {
	input, err := preparedInput(cfg, objects, nil)
	if err != nil {
		return nil, err
	}
	rs, err := e.derived.Eval(ctx, rego.EvalParsedInput(input), rego.EvalGenerateJSON(asValue))
	if err != nil {
		return nil, fmt.Errorf("evaluate settings: %w", err)
	}
	if len(rs) == 0 {
		return nil, errors.New("evaluate settings: no result")
	}
	value := ast.NewObject()
	for name := range settingsRules {
		v, ok := rs[0].Bindings[name].(ast.Value)
		if !ok {
			return nil, fmt.Errorf("evaluate settings: %s is undefined", settingsRules[name])
		}
		value.Insert(ast.StringTerm(name), ast.NewTerm(v))
	}
	return &Settings{value: ast.NewTerm(value)}, nil
}

// EvalPrepared is Eval over prepared objects, ids assigned in order, findings reported on
// focus only. With settings, the rules read them instead of deriving the Cilium settings
// again: pass them only when the Cilium configs among objects are the ones they were
// derived from, at the same positions.
func (e *Engine) EvalPrepared(ctx context.Context, cfg Config, objects []*Prepared, focus []int, settings *Settings) (Result, error) {
	input, err := preparedInput(cfg, objects, focus)
	if err != nil {
		return Result{}, err
	}
	if settings != nil {
		input.(ast.Object).Insert(ast.StringTerm(settingsKey), settings.value)
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

// settingsKey carries Settings in the input; only the settings rules read it.
const settingsKey = "mtuguard_settings"

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
