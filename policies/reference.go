package policies

import (
	"fmt"
	"strings"
)

//go:generate go test -run TestReferenceUpToDate -update .

// Reference renders the rule reference (policies/README.md) from the rules' METADATA, so
// the docs, `mtuguard rules` and SARIF can never disagree with the rules.
func Reference() string {
	var b strings.Builder
	b.WriteString("<!-- Generated from the rules' METADATA by `make generate` (or `go generate ./policies`); do not edit. -->\n")
	b.WriteString("# mtuguard rule reference\n\n")
	b.WriteString("Each rule is a Rego rule in `policies/rules/`, named by its ID, with OPA METADATA that this page, `mtuguard rules` and SARIF output are generated from. IDs are stable.\n\n")
	b.WriteString("| ID | severity | fires on | title |\n|---|---|---|---|\n")
	for _, r := range Catalogue() {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Severity, r.AppliesTo, r.Title)
	}
	for _, r := range Catalogue() {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n## %s: %s\n\n", strings.ToLower(r.ID), r.ID, r.Title)
		fmt.Fprintf(&b, "**Severity:** %s · **Fires on:** %s · **Package:** `%s`\n\n", r.Severity, r.AppliesTo, strings.TrimPrefix(r.Package, "data."))
		fmt.Fprintf(&b, "%s\n\n**Remediation:** %s\n", oneParagraph(r.Description), oneParagraph(r.Remediation))
	}
	b.WriteString("\n## Suppressing a finding\n\n" +
		"- Annotate the object with `mtuguard.dev/ignore: \"ID,ID\"` (or `\"*\"`) and `mtuguard.dev/ignore-reason: \"…\"` (linter and webhook).\n" +
		"- In a file (linter only): `# mtuguard:ignore ID[,ID…] reason` at the end of the finding's line, or alone on the line above it; " +
		"`# mtuguard:ignore-document ID[,ID…] reason` among the comment lines at the top of a YAML document covers the whole document (Helm values have no annotations).\n" +
		"- Set `rules: {ID: \"off\"}` in `.mtuguard.yaml`.\n\n" +
		"Suppressed findings are still reported, as suppressed, with the reason.\n")
	return b.String()
}

// Text renders one rule in full for `mtuguard rules ID`.
func (r Rule) Text() string {
	return fmt.Sprintf("%s: %s\nseverity: %s\nfires on: %s\n\n%s\n\nRemediation:\n%s\n\nDocs: %s\n",
		r.ID, r.Title, r.Severity, r.AppliesTo, r.Description, r.Remediation, r.DocsURL)
}

func oneParagraph(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
