package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/mtuguard/mtuguard/lint"
)

// GitHub writes workflow commands, so GitHub Actions annotates the pull request's lines:
// ::error file=…,line=…,title=RULE::message.
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
		fmt.Fprintf(&b, "::%s file=%s,line=%d,title=%s::%s\n", cmd, escapeProperty(f.File), f.Line,
			escapeProperty(f.Rule+" "+f.Severity), escapeData(f.Message+"\nFix: "+f.Remediation))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// GitHub's escaping rules for workflow command data and properties.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
