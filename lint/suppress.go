package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
)

// Inline suppression, in YAML comments (the webhook never sees comments; it has the
// mtuguard.dev/ignore annotation):
//
//	mtu: "9001"  # mtuguard:ignore MTU001 migrating in CHG-42      the finding's own line
//	# mtuguard:ignore MTU001,MTU004 migrating in CHG-42            alone on the line above
//	mtu: "9001"
//
//	# mtuguard:ignore-document MTU004 staging stays at 9001        among the comment lines
//	apiVersion: v1                                                 at the top of a document
//
// The line above counts only when it holds nothing but the comment, so a trailing
// directive never leaks onto the next line. The document form is separate and explicit:
// a comment meant for the first field must not silently widen to the whole document.
// Raw lines are read rather than yaml.v3 comments so a directive also works inside a
// block scalar (a shell comment in node-pool user data, where MTU002/MTU007 point).
var directive = regexp.MustCompile(`(?:^|\s)#\s*mtuguard:(ignore|ignore-document)\s+([A-Za-z0-9*]+(?:\s*,\s*[A-Za-z0-9*]+)*)(?:\s+(.*?))?\s*$`)

var commentOnly = regexp.MustCompile(`^\s*#`)

// inlineSuppression reports why rule is suppressed at line of doc by a directive, or ""
// when it is not.
func inlineSuppression(doc *yamldoc.Document, line int, rule string) string {
	if why := lineDirective(doc, line, rule); why != "" {
		return why
	}
	return documentDirective(doc, rule)
}

func lineDirective(doc *yamldoc.Document, line int, rule string) string {
	for _, n := range []int{line, line - 1} {
		text := doc.SourceLine(n)
		if n != line && !commentOnly.MatchString(text) {
			continue
		}
		if kind, reason, ok := match(text, rule); ok && kind == "ignore" {
			return fmt.Sprintf("ignored by a mtuguard:ignore comment at %s:%d (%s)", doc.File, n, reason)
		}
	}
	return ""
}

// documentDirective looks at the document's first line and the comment (and blank)
// lines right above it, up to the `---` or the previous document's content.
func documentDirective(doc *yamldoc.Document, rule string) string {
	for n := doc.Line; n >= 1; n-- {
		text := doc.SourceLine(n)
		if n != doc.Line && strings.TrimSpace(text) != "" && !commentOnly.MatchString(text) {
			break
		}
		if kind, reason, ok := match(text, rule); ok && kind == "ignore-document" {
			return fmt.Sprintf("ignored by a mtuguard:ignore-document comment at %s:%d (%s)", doc.File, n, reason)
		}
	}
	return ""
}

// match reports whether text holds a directive naming rule (or *), its kind and reason.
func match(text, rule string) (kind, reason string, ok bool) {
	m := directive.FindStringSubmatch(text)
	if m == nil {
		return "", "", false
	}
	for _, id := range strings.Split(m[2], ",") {
		id = strings.TrimSpace(id)
		if id == "*" || strings.EqualFold(id, rule) {
			reason = m[3]
			if reason == "" {
				reason = "no reason given"
			}
			return m[1], reason, true
		}
	}
	return "", "", false
}
