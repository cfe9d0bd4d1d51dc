// Package report writes a lint.Report in the formats users and CI systems read.
// Each format is one file with its own test, behind Formatter and Get (conftest's shape).
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mtuguard/mtuguard/lint"
)

// Formatter writes a report.
type Formatter interface {
	Format(w io.Writer, r *lint.Report) error
}

// Options tune formatters that have choices.
type Options struct {
	Color   bool   // ANSI colour in the text format
	Version string // tool version, for SARIF
}

var formats = map[string]func(Options) Formatter{
	"text":   func(o Options) Formatter { return Text{Color: o.Color} },
	"json":   func(Options) Formatter { return JSON{} },
	"sarif":  func(o Options) Formatter { return SARIF{Version: o.Version} },
	"junit":  func(Options) Formatter { return JUnit{} },
	"github": func(Options) Formatter { return GitHub{} },
}

// Get returns the formatter for name.
func Get(name string, o Options) (Formatter, error) {
	if f, ok := formats[name]; ok {
		return f(o), nil
	}
	return nil, fmt.Errorf("unknown format %q; known formats: %s", name, strings.Join(Names(), ", "))
}

// Names lists the formats, sorted.
func Names() []string {
	var out []string
	for n := range formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
