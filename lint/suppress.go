package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
)

// inlineIgnore matches `# mtuguard:ignore MTU001,ICMP003 reason…` in a YAML comment.
var inlineIgnore = regexp.MustCompile(`#\s*mtuguard:ignore\s+([A-Za-z0-9*,]+)\s*(.*)$`)

// inlineSuppression reports why rule is suppressed by a comment on the finding's line or
// on the line just above it, or "" when it is not.
func inlineSuppression(doc *yamldoc.Document, line int, rule string) string {
	for _, n := range []int{line, line - 1} {
		m := inlineIgnore.FindStringSubmatch(doc.SourceLine(n))
		if m == nil {
			continue
		}
		for _, id := range strings.Split(m[1], ",") {
			if id == "*" || strings.EqualFold(id, rule) {
				reason := strings.TrimSpace(m[2])
				if reason == "" {
					reason = "no reason given"
				}
				return fmt.Sprintf("ignored by a mtuguard:ignore comment at %s:%d (%s)", doc.File, n, reason)
			}
		}
	}
	return ""
}
