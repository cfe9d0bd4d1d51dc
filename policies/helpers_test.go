package policies

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

type astModule = ast.Module

func mustParse(t *testing.T, src string) *ast.Module {
	t.Helper()
	m, err := ast.ParseModuleWithOpts("x.rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
