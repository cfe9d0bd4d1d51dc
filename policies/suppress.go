package policies

import (
	"fmt"
	"strings"
)

// Suppression annotations (DESIGN.md "Suppression").
const (
	AnnotationIgnore       = "mtuguard.dev/ignore"        // "MTU001,ICMP003" or "*"
	AnnotationIgnoreReason = "mtuguard.dev/ignore-reason" // why, shown in reports
)

// Verdict is a finding after the config and the object's annotations have had their say.
// Suppressed findings are kept and counted, never silently dropped.
type Verdict struct {
	Finding
	Suppressed string `json:"suppressed,omitempty"` // why it does not count; "" when it does
}

// Apply sets severities from the config's `rules` and marks findings suppressed by the
// config (`off`) or by their object's annotations.
func (c Config) Apply(findings []Finding, annotations func(object int) map[string]string) []Verdict {
	out := make([]Verdict, 0, len(findings))
	for _, f := range findings {
		v := Verdict{Finding: f}
		if sev, ok := c.Rules[f.Rule]; ok {
			if sev == "off" {
				v.Suppressed = fmt.Sprintf("rule %s is off in the mtuguard config", f.Rule)
			} else {
				v.Severity = sev
			}
		}
		if v.Suppressed == "" && annotations != nil {
			v.Suppressed = annotationSuppression(f.Rule, annotations(f.Object))
		}
		out = append(out, v)
	}
	return out
}

func annotationSuppression(rule string, ann map[string]string) string {
	list, ok := ann[AnnotationIgnore]
	if !ok {
		return ""
	}
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		if id == "*" || strings.EqualFold(id, rule) {
			reason := ann[AnnotationIgnoreReason]
			if reason == "" {
				reason = "no reason given"
			}
			return fmt.Sprintf("ignored by annotation %s (%s)", AnnotationIgnore, reason)
		}
	}
	return ""
}
