package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/lint/report"
)

// addOutputFlags declares --format and --output. Both are repeatable and take comma
// lists; a format may name its own file (NAME=FILE, or NAME:FILE as golangci-lint v1
// wrote it), and the --output values go, in order, to the formats that do not.
func addOutputFlags(f *pflag.FlagSet, fl *lintFlags) {
	f.StringSliceVarP(&fl.formats, "format", "f", []string{"text"},
		"output format: "+strings.Join(report.Names(), ", ")+".\nRepeatable or comma-separated; NAME=FILE writes that format to FILE")
	f.StringSliceVarP(&fl.output, "output", "o", nil,
		"where the formats go, in order: one FILE (or - for stdout) per --format that names no file.\nRepeatable or comma-separated (default: stdout)")
}

// outputHelp is the lint and audit commands' help on several formats in one run.
const outputHelp = `Several formats in one run: at most one goes to stdout, the others to files.
  --format text --format sarif=results.sarif       text to the terminal, SARIF to a file
  --format text,sarif --output -,results.sarif     the same, pairing --output with --format
  --format json --output findings.json             one format to a file
Files are written after the run, also when it finds errors or input errors.`

// output is one format going to one place ("" = stdout).
type output struct {
	format report.Formatter
	path   string
}

type outputs []output

// parseOutputs turns the flags into outputs. Ambiguity is an error rather than a guess:
// a finding report written to the wrong file is worse than a usage message.
func parseOutputs(fl lintFlags) (outputs, error) {
	type spec struct{ name, path string }
	var specs []spec
	var free []int // formats without their own file, which --output values go to
	for _, v := range fl.formats {
		name, path, named := cutFormat(v)
		if named && path == "" {
			return nil, fmt.Errorf("--format %s: no file after %q", v, v[len(name):len(name)+1])
		}
		if !named {
			free = append(free, len(specs))
		}
		specs = append(specs, spec{name: name, path: path})
	}
	if len(fl.output) > 0 {
		if len(fl.output) != len(free) {
			return nil, fmt.Errorf("%d --output values for %d formats without a file: give one per --format, in order (- for stdout), e.g. --format text,sarif --output -,results.sarif; or name the file in the format: --format sarif=results.sarif",
				len(fl.output), len(free))
		}
		for i, p := range fl.output {
			if p == "" {
				return nil, errors.New("--output: empty file name (use - for stdout)")
			}
			specs[free[i]].path = p
		}
	}
	var out outputs
	toStdout, files := 0, map[string]bool{}
	for _, sp := range specs {
		path := sp.path
		if path == "-" {
			path = ""
		}
		switch {
		case path == "":
			toStdout++
		case files[filepath.Clean(path)]:
			return nil, fmt.Errorf("two formats write to %s", path)
		default:
			files[filepath.Clean(path)] = true
		}
		f, err := report.Get(sp.name, report.Options{Color: path == "" && sp.name == "text" && colorTerminal(), Version: versionString()})
		if err != nil {
			return nil, err
		}
		out = append(out, output{format: f, path: path})
	}
	if toStdout > 1 {
		return nil, errors.New("only one format can write to stdout; give the others a file: --format sarif=results.sarif, or --output -,results.sarif")
	}
	return out, nil
}

// cutFormat splits NAME=FILE or NAME:FILE; format names contain neither separator.
func cutFormat(v string) (name, path string, named bool) {
	if i := strings.IndexAny(v, "=:"); i >= 0 {
		return v[:i], v[i+1:], true
	}
	return v, "", false
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
