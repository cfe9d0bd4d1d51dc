package report

import (
	"encoding/json"
	"io"

	"github.com/mtuguard/mtuguard/lint"
)

// JSON is the machine format; its shape is a stable contract (DESIGN.md).
type JSON struct{}

// JSONReport is the document JSON writes.
type JSONReport struct {
	Findings []JSONFinding `json:"findings"`
	Errors   []string      `json:"inputErrors"`
	Notes    []string      `json:"inputNotes"` // input the run could not see; never fails it
	Summary  JSONSummary   `json:"summary"`
}

// JSONFinding is one finding.
type JSONFinding struct {
	Rule        string         `json:"rule"`
	Severity    string         `json:"severity"`
	Message     string         `json:"message"`
	Remediation string         `json:"remediation"`
	File        string         `json:"file"`
	Line        int            `json:"line"`
	Object      lint.ObjectRef `json:"object"`
	Cluster     string         `json:"cluster,omitempty"`
	Suppressed  string         `json:"suppressed,omitempty"`
}

// JSONSummary counts what the run saw and found.
type JSONSummary struct {
	Files       int `json:"files"`
	Objects     int `json:"objects"`
	Errors      int `json:"errors"`
	Warnings    int `json:"warnings"`
	Infos       int `json:"infos"`
	Suppressed  int `json:"suppressed"`
	InputErrors int `json:"inputErrors"`
	InputNotes  int `json:"inputNotes"`
}

// Format implements Formatter.
func (JSON) Format(w io.Writer, r *lint.Report) error {
	out := JSONReport{Findings: []JSONFinding{}, Errors: []string{}, Notes: []string{}}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, JSONFinding{
			Rule: f.Rule, Severity: f.Severity, Message: f.Message, Remediation: f.Remediation,
			File: f.File, Line: f.Line, Object: f.Ref, Cluster: f.Cluster, Suppressed: f.Suppressed,
		})
	}
	for _, e := range r.InputErrors {
		out.Errors = append(out.Errors, e.Error())
	}
	for _, n := range r.Notes {
		out.Notes = append(out.Notes, n.Error())
	}
	c := r.Counts()
	out.Summary = JSONSummary{Files: len(r.Files), Objects: r.Objects, Errors: c.Errors, Warnings: c.Warnings,
		Infos: c.Infos, Suppressed: c.Suppressed, InputErrors: len(r.InputErrors), InputNotes: len(r.Notes)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
