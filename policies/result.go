package policies

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Findings and problems are read straight from the Rego values: converting thousands of
// findings to Go maps and through JSON would cost more than some of the rules.

func decodeFindings(v ast.Value) ([]Finding, error) {
	var out []Finding
	err := eachObject(v, func(o ast.Object) error {
		id, at, err := location(o)
		out = append(out, Finding{
			Rule: str(o, "rule"), Severity: str(o, "severity"), Object: id, Path: at,
			Message: str(o, "message"), Remediation: str(o, "remediation"),
		})
		return err
	})
	return out, err
}

func decodeProblems(v ast.Value) ([]Problem, error) {
	var out []Problem
	err := eachObject(v, func(o ast.Object) error {
		id, at, err := location(o)
		out = append(out, Problem{Object: id, Path: at, Message: str(o, "message")})
		return err
	})
	return out, err
}

// location reads what a finding or problem is about: its object's id and the path in it.
func location(o ast.Object) (int, []any, error) {
	id, err := integer(o, "object")
	if err != nil {
		return 0, nil, err
	}
	at, err := path(o)
	return id, at, err
}

// eachObject calls f on every object of a set or array.
func eachObject(v ast.Value, f func(ast.Object) error) error {
	var err error
	visit := func(t *ast.Term) {
		if err != nil {
			return
		}
		o, ok := t.Value.(ast.Object)
		if !ok {
			err = fmt.Errorf("decode result: %v is not an object", t)
			return
		}
		err = f(o)
	}
	switch c := v.(type) {
	case ast.Set:
		c.Foreach(visit)
	case *ast.Array:
		c.Foreach(visit)
	case nil:
	default:
		return fmt.Errorf("decode result: %T is not a collection", v)
	}
	return err
}

func str(o ast.Object, key string) string {
	if t := o.Get(ast.InternedTerm(key)); t != nil {
		if s, ok := t.Value.(ast.String); ok {
			return string(s)
		}
	}
	return ""
}

func integer(o ast.Object, key string) (int, error) {
	t := o.Get(ast.InternedTerm(key))
	if t == nil {
		return 0, fmt.Errorf("decode result: no %q in %v", key, o)
	}
	n, ok := t.Value.(ast.Number)
	if !ok {
		return 0, fmt.Errorf("decode result: %q is %v, not a number", key, t)
	}
	i, ok := n.Int()
	if !ok {
		return 0, fmt.Errorf("decode result: %q is %v, not a whole number", key, n)
	}
	return i, nil
}

// path reads a finding's path: object keys as strings, list indexes as ints.
func path(o ast.Object) ([]any, error) {
	t := o.Get(ast.InternedTerm("path"))
	if t == nil {
		return nil, nil
	}
	a, ok := t.Value.(*ast.Array)
	if !ok {
		return nil, fmt.Errorf("decode result: path %v is not a list", t)
	}
	out := make([]any, 0, a.Len())
	var err error
	a.Foreach(func(e *ast.Term) {
		switch x := e.Value.(type) {
		case ast.String:
			out = append(out, string(x))
		case ast.Number:
			if i, ok := x.Int(); ok {
				out = append(out, i)
			} else {
				out = append(out, x.String())
			}
		default:
			if err == nil {
				err = fmt.Errorf("decode result: path element %v is neither a key nor an index", e)
			}
		}
	})
	return out, err
}
