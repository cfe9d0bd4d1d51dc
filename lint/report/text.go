package report

import (
	"fmt"
	"io"
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
		fmt.Fprintf(&b, "%s:%d: %s %s: %s\n", f.File, f.Line, t.paint(ansiBold, f.Rule), t.severity(f.Severity), f.Message)
		if f.Remediation != "" {
			fmt.Fprintf(&b, "    %s %s\n", t.paint(ansiCyan, "fix:"), f.Remediation)
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
	fmt.Fprintln(&b, t.paint(ansiDim, summary))
	_, err := io.WriteString(w, b.String())
	return err
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
