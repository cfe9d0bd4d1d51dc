package report

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

// SARIF is SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps): one run,
// every rule from the Rego METADATA, results located by relative file and line. The
// document is validated against the SARIF schema before it is written.
type SARIF struct {
	Version string // tool version
}

const informationURI = "https://github.com/mtuguard/mtuguard"

// Format implements Formatter.
func (s SARIF) Format(w io.Writer, r *lint.Report) error {
	doc := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("mtuguard", informationURI)
	if s.Version != "" {
		run.Tool.Driver.WithVersion(s.Version)
	}
	for _, rule := range policies.Catalogue() {
		run.AddRule(rule.ID).
			WithName(ruleName(rule.Title)).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(rule.Title)).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(rule.Description)).
			WithHelp(sarif.NewMultiformatMessageString().WithText(rule.Remediation)).
			WithHelpURI(rule.DocsURL).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level(rule.Severity)))
	}
	run.Results = []*sarif.Result{} // `results: []` when clean, as the issue and GitHub expect
	for _, f := range r.Findings {
		res := run.CreateResultForRule(f.Rule).
			WithLevel(level(f.Severity)).
			WithMessage(sarif.NewTextMessage(f.Message + "\nFix: " + f.Remediation)).
			AddLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
				WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(f.File))).
				WithRegion(sarif.NewRegion().WithStartLine(max(f.Line, 1)))))
		if f.Suppressed != "" {
			res.WithSuppressions([]*sarif.Suppression{sarif.NewSuppression().WithKind("inSource").WithJustification(f.Suppressed)})
		}
	}
	doc.AddRun(run)
	if err := doc.Validate(); err != nil {
		return err
	}
	return doc.PrettyWrite(w)
}

// level maps a severity to SARIF's result levels.
func level(severity string) string {
	switch severity {
	case "error":
		return "error"
	case "warning":
		return "warning"
	}
	return "note"
}

// ruleName is the rule's PascalCase name, as SARIF viewers show it.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// artifactURI is the file relative to the working directory, slash-separated: code
// scanning matches results to repository paths.
func artifactURI(file string) string {
	if filepath.IsAbs(file) {
		if wd, err := filepath.Abs("."); err == nil {
			if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
				file = rel
			}
		}
	}
	return filepath.ToSlash(file)
}
