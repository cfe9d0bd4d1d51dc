package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mtuguard/mtuguard/lint"
)

// JUnit is JUnit XML for CI systems that render test reports (GitLab, Jenkins, Azure):
// a test suite per file, a test case per object and rule, failures for error and warning
// findings, skipped cases for suppressed ones.
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// Format implements Formatter.
func (JUnit) Format(w io.Writer, r *lint.Report) error {
	bySuite := map[string]*junitSuite{}
	for _, f := range r.Findings {
		s := bySuite[f.File]
		if s == nil {
			s = &junitSuite{Name: f.File}
			bySuite[f.File] = s
		}
		c := junitCase{Name: fmt.Sprintf("%s %s", f.Rule, objectName(f.Ref)), Classname: f.File, File: f.File, Line: f.Line}
		if f.Suppressed != "" {
			c.Skipped = &junitSkipped{Message: f.Suppressed}
			s.Skipped++
		} else if f.Severity == "error" || f.Severity == "warning" {
			c.Failure = &junitFailure{Message: f.Message, Type: f.Severity,
				Text: fmt.Sprintf("%s:%d: %s %s: %s\nFix: %s", f.File, f.Line, f.Rule, f.Severity, f.Message, f.Remediation)}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	doc := junitSuites{Name: "mtuguard"}
	for _, s := range bySuite {
		doc.Suites = append(doc.Suites, *s)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
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

func objectName(ref lint.ObjectRef) string {
	parts := []string{ref.Kind}
	if ref.Namespace != "" {
		parts = append(parts, ref.Namespace)
	}
	if ref.Name != "" {
		parts = append(parts, ref.Name)
	}
	return strings.Join(parts, "/")
}
