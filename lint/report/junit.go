package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/lint/yamldoc"
)

// JUnit is JUnit XML for CI systems that render test reports (GitLab, Jenkins, Azure
// Pipelines, CircleCI): a test suite per file and a test case per object and rule, failing
// for error and warning findings, skipped when suppressed; input errors are errored cases.
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"` // GitLab links a case to the file
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// Format implements Formatter.
func (JUnit) Format(w io.Writer, r *lint.Report) error {
	suites := map[string]*junitSuite{}
	suite := func(file string) *junitSuite {
		s := suites[file]
		if s == nil {
			s = &junitSuite{Name: file}
			suites[file] = s
		}
		return s
	}
	// One case per object and rule: a rule that fires twice on one object (two deny
	// rules in a policy) is one failing case listing both.
	type group struct {
		file, name string
		findings   []lint.Finding
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, f := range r.Findings {
		name := f.Rule + " " + caseObject(f)
		key := f.File + "\x00" + name
		g := byKey[key]
		if g == nil {
			g = &group{file: f.File, name: name}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.findings = append(g.findings, f)
	}
	for _, g := range groups {
		s := suite(g.file)
		c := junitCase{Name: g.name, Classname: g.file, File: g.file, Line: g.findings[0].Line}
		var failing, suppressed []lint.Finding
		for _, f := range g.findings {
			switch {
			case f.Suppressed != "":
				suppressed = append(suppressed, f)
			case f.Severity == "error" || f.Severity == "warning":
				failing = append(failing, f)
			}
		}
		switch {
		case len(failing) > 0:
			c.Line = failing[0].Line
			c.Failure = &junitProblem{Message: failing[0].Message, Type: worst(failing)}
			var text []string
			for _, f := range failing {
				text = append(text, fmt.Sprintf("%s:%d: %s %s: %s\nFix: %s", f.File, f.Line, f.Rule, f.Severity, f.Message, f.Remediation))
			}
			c.Failure.Text = strings.Join(text, "\n\n")
			s.Failures++
		case len(suppressed) == len(g.findings):
			c.Skipped = &junitSkipped{Message: suppressed[0].Suppressed}
			s.Skipped++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	for _, e := range r.InputErrors {
		file, line := "mtuguard", 0
		var ye *yamldoc.Error
		if errors.As(e, &ye) {
			file, line = ye.File, ye.Line
		}
		s := suite(file)
		s.Cases = append(s.Cases, junitCase{Name: "input error", Classname: file, File: file, Line: line,
			Error: &junitProblem{Message: e.Error(), Type: "input", Text: e.Error()}})
		s.Tests++
		s.Errors++
	}
	doc := junitSuites{Name: "mtuguard"}
	for _, s := range suites {
		doc.Suites = append(doc.Suites, *s)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	sort.Slice(doc.Suites, func(i, j int) bool { return doc.Suites[i].Name < doc.Suites[j].Name })
	if doc.Suites == nil {
		// A clean run is one passing case, so CI shows that the check ran.
		doc.Suites = []junitSuite{{Name: "mtuguard", Tests: 1, Cases: []junitCase{{Name: fmt.Sprintf("%d files, %d objects", len(r.Files), r.Objects), Classname: "mtuguard"}}}}
		doc.Tests = 1
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// caseObject names the object of a test case; Helm values have no name, so their
// cluster tells two values documents of one file apart.
func caseObject(f lint.Finding) string {
	name := objectName(f.Ref)
	if f.Ref.Name == "" && f.Cluster != "" {
		name += " (cluster " + f.Cluster + ")"
	}
	return name
}

func worst(fs []lint.Finding) string {
	for _, f := range fs {
		if f.Severity == "error" {
			return "error"
		}
	}
	return fs[0].Severity
}

func objectName(ref lint.ObjectRef) string {
	var parts []string
	for _, p := range []string{ref.Kind, ref.Namespace, ref.Name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}
