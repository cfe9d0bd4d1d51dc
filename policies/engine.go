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

// Engine evaluates the embedded rules. It compiles and prepares its queries once;
// Eval is safe for concurrent use.
type Engine struct {
	verdicts rego.PreparedEvalQuery // findings and problems, in one evaluation
	// verdictsOn[kind] are the verdicts of the rules that report on that kind, for
	// evaluations focused on objects of one kind (an admission).
	verdictsOn map[string]*rego.PreparedEvalQuery
	derived    rego.PreparedEvalQuery // what Derived holds, for EvalPrepared to reuse
	budget     rego.PreparedEvalQuery // Budget: the byte-budget arithmetic
	clusters   rego.PreparedEvalQuery // Settings: each cluster's ClusterSettings
}

// Input is what the rules see (DESIGN.md "The Rego input contract").
type Input struct {
	Config  Config
	Objects []Object
	Focus   []int // objects findings may be reported on; nil means all
}

// Object is one object in scope, with its normalised kind.
type Object struct {
	ID      int            `json:"id"`
	Cluster string         `json:"cluster"`
	Source  Source         `json:"source"`
	Kind    string         `json:"kind"`
	Object  map[string]any `json:"object"`
	Cilium  *CiliumValues  `json:"cilium,omitempty"`
	Pools   []NodePool     `json:"nodepools,omitempty"`
}

// Source is where an object was read from; empty at admission time.
type Source struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// CiliumValues locates Cilium settings inside an object of kind CiliumConfig.
type CiliumValues struct {
	Form   string         `json:"form"` // "configmap" (cilium-config data) or "helm" (chart values)
	At     []any          `json:"at"`   // path of the settings within Object
	Values map[string]any `json:"values"`
	// Order ranks layers of one cluster: higher wins, as later -f files and Flux/Argo
	// precedence do; equal orders fall back to the object order.
	Order int `json:"order,omitempty"`
	// Subchart: the values an umbrella chart's values file passes Cilium's chart as its
	// dependency (At names the key): layered like a values file of Cilium's own.
	Subchart bool `json:"-"`
}

// Finding is a rule's verdict on one object (DESIGN.md finding contract).
type Finding struct {
	Rule        string `json:"rule"`
	Severity    string `json:"severity"`
	Object      int    `json:"object"`
	Path        []any  `json:"path"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
}

// Problem is a setting the rules could not read (wrong type, unknown value): an input
// error, since Cilium itself would refuse it.
type Problem struct {
	Object  int    `json:"object"`
	Path    []any  `json:"path"`
	Message string `json:"message"`
}

// Result is one evaluation's output.
type Result struct {
	Findings []Finding
	Problems []Problem
}

// unsafeBuiltins can reach the network or the host; the rules never need them, and a
// policy must not be able to exfiltrate what it reads.
var unsafeBuiltins = []string{"http.send", "net.lookup_ip_addr", "opa.runtime", "trace", "print"}

// NewEngine compiles the embedded policies and prepares the queries.
func NewEngine(ctx context.Context) (*Engine, error) {
	p := parsed()
	if p.err != nil {
		return nil, fmt.Errorf("embedded policies: %w", p.err)
	}
	modules := map[string]*ast.Module{}
	for name, m := range p.modules {
		modules[name] = m
	}
	all, err := findingsModule(p.catalogue)
	if err != nil {
		return nil, err
	}
	modules["findings.rego"] = all
	compiler, err := Compile(modules)
	if err != nil {
		return nil, err
	}
	e := &Engine{verdictsOn: map[string]*rego.PreparedEvalQuery{}}
	queries := map[string]*rego.PreparedEvalQuery{
		verdictsQuery:                      &e.verdicts,
		derivedQuery():                     &e.derived,
		"data.mtuguard.lib.budget.explain": &e.budget,
		settingsQuery:                      &e.clusters,
	}
	for _, kind := range normalisedKinds {
		e.verdictsOn[kind] = &rego.PreparedEvalQuery{}
		queries[verdictsOnQuery(kind)] = e.verdictsOn[kind]
	}
	for query, dst := range queries {
		pq, err := rego.New(rego.Query(query), rego.Compiler(compiler)).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("prepare %s: %w", query, err)
		}
		*dst = pq
	}
	return e, nil
}

// Compile type-checks modules the way `opa check --strict` does, without network builtins.
func Compile(modules map[string]*ast.Module) (*ast.Compiler, error) {
	caps := ast.CapabilitiesForThisVersion()
	unsafe := map[string]struct{}{}
	for _, name := range unsafeBuiltins {
		unsafe[name] = struct{}{}
	}
	kept := caps.Builtins[:0:0]
	for _, b := range caps.Builtins {
		if _, bad := unsafe[b.Name]; !bad {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(caps).WithEnablePrintStatements(false)
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", c.Errors)
	}
	return c, nil
}

// findingsModule unions every catalogued rule into data.mtuguard.findings.all, so one
// query evaluates them all, and into data.mtuguard.findings.on[kind] for each kind the rule
// reports on; the lists come from METADATA, never from a hand-kept list.
func findingsModule(rules []Rule) (*ast.Module, error) {
	var b strings.Builder
	b.WriteString("package mtuguard.findings\n\n")
	for _, r := range rules {
		// The rule's own severity (ICMP004's case-dependent one) wins over the default.
		finding := fmt.Sprintf("object.union({%q: %q, %q: %q}, f) if some f in %s.%s", "rule", r.ID, "severity", r.Severity, r.Package, r.ID)
		fmt.Fprintf(&b, "all contains %s\n\n", finding)
		for _, kind := range r.Kinds {
			fmt.Fprintf(&b, "on.%s contains %s\n\n", kind, finding)
		}
	}
	return ast.ParseModuleWithOpts("findings.rego", b.String(), ast.ParserOptions{RegoVersion: ast.RegoV1})
}

// verdictsQuery asks for findings and problems together, in one expression, so the
// settings, specs and indexes both read are computed once (also under `with`).
const verdictsQuery = `verdicts := {"findings": data.mtuguard.findings.all, "problems": data.mtuguard.lib.problems.all}`

// verdictsOnQuery is verdictsQuery for objects of one kind. A kind without problem rules
// has no data.mtuguard.lib.problems.on[kind]: the comprehension makes that an empty set.
func verdictsOnQuery(kind string) string {
	return fmt.Sprintf(`verdicts := {"findings": {f | some f in data.mtuguard.findings.on.%s}, "problems": {p | some p in data.mtuguard.lib.problems.on.%s}}`, kind, kind)
}

// Eval runs every rule over in.
func (e *Engine) Eval(ctx context.Context, in Input) (Result, error) {
	value, err := in.regoValue()
	if err != nil {
		return Result{}, err
	}
	return e.evalVerdicts(ctx, e.verdicts, rego.EvalParsedInput(value), rego.EvalGenerateJSON(asValue))
}

func (e *Engine) evalVerdicts(ctx context.Context, q rego.PreparedEvalQuery, opts ...rego.EvalOption) (Result, error) {
	rs, err := q.Eval(ctx, opts...)
	if err != nil {
		return Result{}, fmt.Errorf("evaluate policies: %w", err)
	}
	var res Result
	if len(rs) == 0 {
		return res, nil
	}
	verdicts, _ := rs[0].Bindings["verdicts"].(ast.Object)
	if verdicts == nil {
		return Result{}, errors.New("evaluate policies: no verdicts")
	}
	findings, problems := verdicts.Get(ast.StringTerm("findings")), verdicts.Get(ast.StringTerm("problems"))
	if findings == nil || problems == nil {
		return Result{}, errors.New("evaluate policies: verdicts without findings or problems")
	}
	if res.Findings, err = decodeFindings(findings.Value); err != nil {
		return Result{}, err
	}
	if res.Problems, err = decodeProblems(problems.Value); err != nil {
		return Result{}, err
	}
	res.sort()
	return res, nil
}

// sort orders findings and problems by object, so every evaluation reports alike.
func (r *Result) sort() {
	sortFindings(r.Findings)
	sort.SliceStable(r.Problems, func(i, j int) bool { return r.Problems[i].Object < r.Problems[j].Object })
}

// asValue hands results over as Rego values, for decodeFindings and decodeProblems.
func asValue(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }

func (e *Engine) evalInto(ctx context.Context, q rego.PreparedEvalQuery, input ast.Value, dst any) error {
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return fmt.Errorf("evaluate policies: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil
	}
	return fromValue(rs[0].Expressions[0].Value, dst)
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Object != b.Object {
			return a.Object < b.Object
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

// regoValue is the input as the rules see it; each object's id is its position.
func (in Input) regoValue() (ast.Value, error) {
	prepared := make([]*Prepared, len(in.Objects))
	for i, o := range in.Objects {
		p, err := Prepare(o)
		if err != nil {
			return nil, err
		}
		prepared[i] = p
	}
	return preparedInput(in.Config, prepared, in.Focus)
}

// plain is the object as Rego sees it, less its id (its position, added per input),
// built directly: a JSON round trip per object would dominate the webhook's latency.
func (o *Object) plain() map[string]any {
	m := map[string]any{
		"cluster": o.Cluster, "kind": o.Kind, "object": o.Object,
		"source": map[string]any{"file": o.Source.File, "line": o.Source.Line},
	}
	if o.Pools != nil {
		m["nodepools"] = poolsValue(o.Pools)
	}
	if o.Cilium != nil {
		m["cilium"] = map[string]any{"form": o.Cilium.Form, "at": o.Cilium.At, "values": o.Cilium.Values, "order": o.Cilium.Order}
	}
	return m
}

// settingValue is one setting as the rules read it; optional keys only when set.
func settingValue(s PoolSetting) map[string]any {
	v := map[string]any{"interface": s.Interface, "mtu": s.MTU, "persistent": s.Persistent, "method": s.Method, "at": s.At}
	if s.File != "" {
		v["file"] = s.File
	}
	if s.Early {
		v["early"] = true
	}
	if s.Ignored != "" {
		v["ignored"] = s.Ignored
	}
	return v
}

func poolsValue(pools []NodePool) []any {
	out := make([]any, len(pools))
	for i, p := range pools {
		settings := make([]any, len(p.Settings))
		for j, s := range p.Settings {
			settings[j] = settingValue(s)
		}
		pool := map[string]any{"name": p.Name, "path": p.Path, "family": p.Family, "settings": settings}
		if len(p.Reloads) > 0 {
			reloads := make([]any, len(p.Reloads))
			for k, m := range p.Reloads {
				reloads[k] = m
			}
			pool["reloads"] = reloads
		}
		if p.Unknown != "" {
			pool["unknown"] = p.Unknown
		}
		if p.Labels != nil {
			labels := make(map[string]any, len(p.Labels))
			for k, v := range p.Labels {
				labels[k] = v
			}
			pool["labels"] = labels
		}
		if p.NodeClass != "" {
			pool["nodeclass"] = p.NodeClass
		}
		out[i] = pool
	}
	return out
}
