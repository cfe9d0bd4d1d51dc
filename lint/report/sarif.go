package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

// SARIF is SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps): one run,
// every rule from the Rego METADATA, results located by relative file and line.
//
// The model below holds only the properties mtuguard fills. SARIF libraries for Go
// (go-sarif v3) emit every optional property with a sentinel value ("byteOffset": -1,
// empty arrays), which bloats the file without telling a viewer anything; the output is
// instead checked against the official OASIS schema (testdata/sarif) in the tests.
type SARIF struct {
	Version string // tool version
}

const (
	sarifSchema    = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	informationURI = "https://github.com/mtuguard/mtuguard"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"` // never omitted: `results: []` says the run was clean
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	HelpURI              string          `json:"helpUri"`
	DefaultConfiguration sarifConfig     `json:"defaultConfiguration"`
	Properties           sarifProperties `json:"properties"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifProperties struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation  `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifLogicalLocation names the Kubernetes object, which a file with several documents
// needs to tell findings apart.
type sarifLogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// Format implements Formatter.
func (s SARIF) Format(w io.Writer, r *lint.Report) error {
	driver := sarifDriver{Name: "mtuguard", Version: s.Version, InformationURI: informationURI, Rules: []sarifRule{}}
	index := map[string]int{}
	for _, rule := range policies.Catalogue() {
		index[rule.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{
			ID:               rule.ID,
			Name:             ruleName(rule.Title),
			ShortDescription: sarifText{Text: rule.Title},
			FullDescription:  sarifText{Text: oneLine(rule.Description)},
			Help: sarifText{
				Text:     oneLine(rule.Description) + "\n\nRemediation: " + oneLine(rule.Remediation),
				Markdown: oneLine(rule.Description) + "\n\n**Remediation:** " + oneLine(rule.Remediation) + "\n\n[" + rule.ID + " in the rule reference](" + rule.DocsURL + ")",
			},
			HelpURI:              rule.DocsURL,
			DefaultConfiguration: sarifConfig{Level: level(rule.Severity)},
			Properties:           sarifProperties{Tags: []string{"cilium", strings.ToLower(rule.Family)}},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, f := range r.Findings {
		loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: artifactURI(f.File)},
			Region:           sarifRegion{StartLine: max(f.Line, 1)},
		}}
		if name := objectName(f.Ref); name != "" {
			loc.LogicalLocations = []sarifLogicalLocation{{FullyQualifiedName: name, Kind: "resource"}}
		}
		res := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: -1,
			Level:     level(f.Severity),
			Message:   sarifText{Text: f.Message + "\nFix: " + f.Remediation},
			Locations: []sarifLocation{loc},
		}
		if i, ok := index[f.Rule]; ok {
			res.RuleIndex = i
		}
		if f.Suppressed != "" {
			res.Suppressions = []sarifSuppression{{Kind: suppressionKind(f.Suppressed), Justification: f.Suppressed}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // messages quote YAML and shell; keep `<`, `>` and `&` readable
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
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

// suppressionKind: SARIF tells suppressions in the analysed file (a comment, an object
// annotation) from those outside it (the config's `rules: {ID: off}`).
func suppressionKind(reason string) string {
	if strings.Contains(reason, "mtuguard config") {
		return "external"
	}
	return "inSource"
}

// ruleName is the rule's PascalCase name, as SARIF viewers show it.
func ruleName(title string) string {
	var b strings.Builder
	title = strings.NewReplacer("'", "", "’", "").Replace(title) // "router's" is one word
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// artifactURI is the file relative to the working directory, slash-separated and
// percent-encoded: code scanning matches results to repository paths, and a file name
// with a space (or `<stdin>`) is not a URI as it stands.
func artifactURI(file string) string {
	if filepath.IsAbs(file) {
		if wd, err := filepath.Abs("."); err == nil {
			if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
				file = rel
			}
		}
	}
	p := path.Clean(filepath.ToSlash(file))
	return (&url.URL{Path: p}).String()
}

// oneLine joins METADATA's wrapped lines: viewers reflow text themselves.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
