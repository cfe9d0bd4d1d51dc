package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mtuguard/mtuguard/lint"
)

// Text is the default human format: `file:line: RULE severity: message`, then the
// remediation, and a summary line.
type Text struct {
	Color bool
}

const (
	ansiReset  = "\033[0m"
	ansiBold   = "\033[1m"
	ansiDim    = "\033[2m"
	ansiRed    = "\033[31m"
	ansiYellow = "\033[33m"
	ansiCyan   = "\033[36m"
)

// Format implements Formatter.
func (t Text) Format(w io.Writer, r *lint.Report) error {
	var b strings.Builder
	for _, f := range r.Findings {
		if f.Suppressed != "" {
			continue
		}
		fmt.Fprintf(&b, "%s:%d: %s %s: %s\n", f.File, f.Line, t.paint(ansiBold, f.Rule), t.severity(f.Severity), indent(f.Message, "    "))
		if f.Remediation != "" {
			// A multi-line fix (a YAML or shell snippet) keeps its shape, indented under "fix:".
			fmt.Fprintf(&b, "    %s %s\n", t.paint(ansiCyan, "fix:"), indent(f.Remediation, "        "))
		}
	}
	c := r.Counts()
	summary := fmt.Sprintf("%d files, %d objects: %d errors, %d warnings", len(r.Files), r.Objects, c.Errors, c.Warnings)
	if c.Infos > 0 {
		summary += fmt.Sprintf(", %d info", c.Infos)
	}
	if c.Suppressed > 0 {
		summary += fmt.Sprintf(", %d suppressed", c.Suppressed)
	}
	if len(r.InputErrors) > 0 {
		summary += fmt.Sprintf(", %d input errors", len(r.InputErrors))
	}
	if len(r.Notes) > 0 {
		summary += fmt.Sprintf(", %d input notes", len(r.Notes)) // printed on stderr, as input errors are
	}
	fmt.Fprintln(&b, t.paint(ansiDim, summary))
	t.suppressed(&b, r.Findings)
	_, err := io.WriteString(w, b.String())
	return err
}

// indent starts every line of s after the first with prefix, so continuation lines stay
// under their finding.
func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// suppressed lists suppressed findings under the summary with their reasons, so a
// suppression stays visible; findings sharing a reason (a rule turned off in the
// config) share a line.
func (t Text) suppressed(b *strings.Builder, findings []lint.Finding) {
	type group struct {
		reason string
		rules  []string
		places []string
	}
	var groups []*group
	byReason := map[string]*group{}
	for _, f := range findings {
		if f.Suppressed == "" {
			continue
		}
		g := byReason[f.Suppressed]
		if g == nil {
			g = &group{reason: f.Suppressed}
			byReason[f.Suppressed] = g
			groups = append(groups, g)
		}
		if !slices.Contains(g.rules, f.Rule) {
			g.rules = append(g.rules, f.Rule)
		}
		g.places = append(g.places, fmt.Sprintf("%s:%d", f.File, f.Line))
	}
	for _, g := range groups {
		places := g.places
		if len(places) > 3 {
			places = append(places[:3:3], fmt.Sprintf("%d more", len(g.places)-3))
		}
		fmt.Fprintln(b, t.paint(ansiDim, fmt.Sprintf("  suppressed %s at %s: %s", strings.Join(g.rules, ", "), strings.Join(places, ", "), g.reason)))
	}
}

func (t Text) severity(s string) string {
	switch s {
	case "error":
		return t.paint(ansiRed, s)
	case "warning":
		return t.paint(ansiYellow, s)
	}
	return s
}

func (t Text) paint(code, s string) string {
	if !t.Color {
		return s
	}
	return code + s + ansiReset
}
