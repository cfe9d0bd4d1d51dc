package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/lint/report"
)

// addOutputFlags declares --format (repeatable, NAME or NAME=FILE) and --output.
func addOutputFlags(f *pflag.FlagSet, fl *lintFlags) {
	f.StringArrayVarP(&fl.formats, "format", "f", []string{"text"},
		"output format, repeatable: "+strings.Join(report.Names(), ", ")+"; NAME=FILE writes that format to FILE\n(e.g. --format text --format sarif=results.sarif)")
	f.StringVarP(&fl.output, "output", "o", "", "write the last --format that names no file to this file instead of stdout\n(--format text --format json -o r.json: text to the terminal, JSON to r.json)")
}

// output is one format going to one place ("" = stdout).
type output struct {
	format report.Formatter
	path   string
}

type outputs []output

// parseOutputs turns the flags into outputs; at most one may go to stdout.
func parseOutputs(fl lintFlags) (outputs, error) {
	var out outputs
	toStdout := 0
	last := -1 // --output goes to the last format that names no file
	for i, spec := range fl.formats {
		if !strings.Contains(spec, "=") {
			last = i
		}
	}
	for i, spec := range fl.formats {
		name, path, _ := strings.Cut(spec, "=")
		if i == last && fl.output != "" {
			path = fl.output
		}
		if path == "" || path == "-" {
			path = ""
			toStdout++
		}
		f, err := report.Get(name, report.Options{Color: path == "" && name == "text" && colorTerminal(), Version: versionString()})
		if err != nil {
			return nil, err
		}
		out = append(out, output{format: f, path: path})
	}
	if toStdout > 1 {
		return nil, errors.New("only one --format can write to stdout; give the others a file: --format sarif=results.sarif")
	}
	return out, nil
}

func (out outputs) write(stdout io.Writer, rep *lint.Report) error {
	for _, o := range out {
		if o.path == "" {
			if err := o.format.Format(stdout, rep); err != nil {
				return err
			}
			continue
		}
		file, err := os.Create(o.path)
		if err != nil {
			return err
		}
		if err := o.format.Format(file, rep); err != nil {
			file.Close()
			return fmt.Errorf("%s: %w", o.path, err)
		}
		if err := file.Close(); err != nil {
			return err
		}
	}
	return nil
}

// colorTerminal: only on a terminal, and never with NO_COLOR (https://no-color.org).
func colorTerminal() bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return term.IsTerminal(int(os.Stdout.Fd()))
}
