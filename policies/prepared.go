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
}

// Prepare converts o once; its id is its position in each input it is put in.
func Prepare(o Object) (*Prepared, error) {
	v, err := ast.InterfaceToValue(o.plain())
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", o.Kind, err)
	}
	p := &Prepared{}
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

// settingsRules are what Settings stands for: each cluster's effective Cilium settings, and
// the policy model's view of them with Cilium's defaults filled in.
var settingsRules = map[string]string{
	"cilium": "data.mtuguard.lib.cilium.settings",
	"netpol": "data.mtuguard.lib.netpol.setups",
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

// withSettings substitutes Settings, read from the input, for every rule they stand for.
func withSettings(query string) string {
	var mods []string
	for name, rule := range settingsRules {
		mods = append(mods, fmt.Sprintf("with %s as input.%s.%s", rule, settingsKey, name))
	}
	sort.Strings(mods)
	return query + " " + strings.Join(mods, " ")
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
	q := e.verdicts
	if settings != nil {
		q = e.verdictsWithSettings
		input.(ast.Object).Insert(ast.StringTerm(settingsKey), settings.value)
	}
	return e.evalVerdicts(ctx, q, rego.EvalParsedInput(input), rego.EvalGenerateJSON(asValue))
}

// settingsKey carries Settings into the query that substitutes them (verdictsWithSettings);
// no rule reads it.
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
