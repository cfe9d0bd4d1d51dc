package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/lint/yamldoc"
)

// GitHub writes workflow commands, so GitHub Actions annotates the pull request's lines:
// `::error file=…,line=…,title=RULE::message` (warnings as ::warning, info as ::notice).
// Suppressed findings are left out: an annotation cannot say "suppressed". Input errors
// are annotated too, since they fail the run, and input notes as warnings, since they
// say what the run could not see.
type GitHub struct{}

// Format implements Formatter.
func (GitHub) Format(w io.Writer, r *lint.Report) error {
	var b strings.Builder
	for _, f := range r.Findings {
		cmd := "error"
		switch {
		case f.Suppressed != "":
			continue
		case f.Severity == "warning":
			cmd = "warning"
		case f.Severity != "error":
			cmd = "notice"
		}
		fmt.Fprintf(&b, "::%s file=%s,line=%d,title=%s::%s\n", cmd, escapeProperty(f.File), max(f.Line, 1),
			escapeProperty(f.Rule), escapeData(f.Message+"\nFix: "+f.Remediation))
	}
	annotateInput(&b, "error", "input error", r.InputErrors)
	annotateInput(&b, "warning", "input note", r.Notes)
	_, err := io.WriteString(w, b.String())
	return err
}

// annotateInput writes input errors or notes as cmd annotations on their file and line
// when they have one.
func annotateInput(b *strings.Builder, cmd, title string, errs []error) {
	for _, e := range errs {
		var ye *yamldoc.Error
		if errors.As(e, &ye) && ye.File != "" && ye.File != "-" && !strings.HasPrefix(ye.File, "<") {
			fmt.Fprintf(b, "::%s file=%s,line=%d,title=%s::%s\n", cmd, escapeProperty(ye.File), max(ye.Line, 1), title, escapeData(ye.Msg))
			continue
		}
		fmt.Fprintf(b, "::%s title=%s::%s\n", cmd, title, escapeData(e.Error()))
	}
}

// GitHub's escaping rules for workflow commands (actions/toolkit, command.ts): data
// escapes %, CR and LF; properties also escape : and , which separate them.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
