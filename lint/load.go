package lint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
)

// StdinName is how documents read from "-" are named in reports.
const StdinName = "<stdin>"

// LoadOptions configure Load.
type LoadOptions struct {
	// Ignore holds doublestar globs (e.g. "vendor/**") matched against the slash paths a
	// directory walk finds, both as walked and relative to the directory named. A file
	// named explicitly is read regardless.
	Ignore  []string
	Limits  yamldoc.Limits
	Stdin   io.Reader // read for the path "-"
	Workers int       // parse concurrency; 0 = GOMAXPROCS
	// Keep, when set, drops documents no rule reads as soon as they are parsed, so a
	// monorepo's Deployments never sit in memory; they are still counted.
	Keep func(*yamldoc.Document) bool
}

// Loaded is what Load read.
type Loaded struct {
	Files     []string            // every file read, sorted
	Documents []*yamldoc.Document // by file, then document order
	Errors    []error             // one per path that could not be read or parsed (*yamldoc.Error)
	// Notes are what the walk left unread on purpose, such as a Helm chart's templates.
	Notes   []error
	Skipped int // documents parsed and dropped by LoadOptions.Keep
}

// maxRetained is how many kept documents' YAML node trees a run holds on to for locating
// findings. Within it, a finding's line costs nothing; past it, a monorepo's node trees
// would outweigh everything else in memory, so their files are parsed again for the lines.
const maxRetained = 10000

// Load reads files, directories (recursively: .yaml, .yml, .json; an explicitly named
// file whatever its extension) and "-" for stdin. A bad file is reported and skipped;
// it never stops the others. When ctx ends, Load stops reading and says so in Errors;
// the files it did not read are not in Files.
func Load(ctx context.Context, paths []string, opts LoadOptions) Loaded {
	var out Loaded
	files, errs, notes, chartOf := discover(ctx, paths, opts.Ignore)
	out.Errors = append(out.Errors, errs...)
	out.Notes = notes
	var templated []string // files of Helm charts that are templates, by chart
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(files)))
	type result struct {
		read    bool
		docs    []*yamldoc.Document
		skipped int
		err     error
	}
	results := make([]result, len(files))
	var retained atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				docs, err := readAndParse(files[i], opts)
				kept := make([]*yamldoc.Document, 0, len(docs))
				for _, d := range docs {
					if opts.Keep == nil || opts.Keep(d) {
						kept = append(kept, d)
					}
				}
				withNodes := kept
				if retained.Add(int64(len(kept))) > maxRetained {
					withNodes = nil // over budget: parsed again if a finding needs a line
				}
				yamldoc.RetainNodes(docs, withNodes)
				results[i] = result{true, kept, len(docs) - len(kept), err}
			}
		}()
	}
dispatch:
	for i := range files {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(jobs)
	wg.Wait()
	for i, f := range files {
		r := results[i]
		if !r.read {
			continue
		}
		out.Files = append(out.Files, f)
		if r.err != nil {
			if e, ok := r.err.(*yamldoc.Error); ok && chartOf[f] != "" && strings.Contains(e.Msg, yamldoc.TemplateHint) {
				templated = append(templated, f)
				continue
			}
			out.Errors = append(out.Errors, r.err)
			continue
		}
		out.Documents = append(out.Documents, r.docs...)
		out.Skipped += r.skipped
	}
	out.Notes = append(out.Notes, chartTemplateNotes(templated, chartOf)...)
	if err := ctx.Err(); err != nil {
		out.Errors = append(out.Errors, fmt.Errorf("stopped before reading every file: %w", err))
	}
	return out
}

// chartTemplateNotes says, per Helm chart, that its files outside templates/ that are
// templates (Cilium's chart keeps its Envoy bootstrap config in files/, rendered with
// tpl) are not read: Helm renders them into the chart's manifests, it never installs
// them as they stand, so they are no input error of a repository vendoring the chart.
func chartTemplateNotes(files []string, chartOf map[string]string) []error {
	var notes []error
	for i := 0; i < len(files); {
		chart := chartOf[files[i]]
		j := i + 1
		for j < len(files) && chartOf[files[j]] == chart {
			j++
		}
		more := ""
		if j-i > 1 {
			more = fmt.Sprintf(" (and %d more of its files)", j-i-1)
		}
		notes = append(notes, &yamldoc.Error{File: files[i], Msg: fmt.Sprintf("a template of the Helm chart in %s%s, rendered by the chart's templates rather than installed: not read; lint the chart's output (helm template %s | mtuguard lint -)", chart, more, chart)})
		i = j
	}
	return notes
}

func readAndParse(file string, opts LoadOptions) ([]*yamldoc.Document, error) {
	limits := opts.Limits
	if limits.MaxFileBytes <= 0 {
		limits.MaxFileBytes = yamldoc.DefaultLimits().MaxFileBytes
	}
	var r io.Reader
	if file == StdinName {
		if opts.Stdin == nil {
			return nil, &yamldoc.Error{File: file, Msg: "no standard input to read"}
		}
		r = opts.Stdin
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, &yamldoc.Error{File: file, Msg: describeOSError(err)}
		}
		defer f.Close()
		// Refuse a big file from its size, without reading it.
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limits.MaxFileBytes {
			return nil, &yamldoc.Error{File: file, Msg: fmt.Sprintf("file is %d bytes, over the %d-byte limit (raise --max-file-size if it is genuine)", st.Size(), limits.MaxFileBytes)}
		}
		r = f
	}
	// Read one byte past the limit so a growing file, a pipe or stdin cannot slip past it.
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxFileBytes+1))
	if err != nil {
		return nil, &yamldoc.Error{File: file, Msg: describeOSError(err)}
	}
	if int64(len(data)) > limits.MaxFileBytes {
		return nil, &yamldoc.Error{File: file, Msg: fmt.Sprintf("input is over the %d-byte limit (raise --max-file-size if it is genuine)", limits.MaxFileBytes)}
	}
	return yamldoc.Parse(file, data, limits)
}

// discover expands paths into the files to read, sorted and de-duplicated, with what the
// walk skipped on purpose as notes.
// chartOf maps each file the walk found inside a Helm chart to the chart's directory.
func discover(ctx context.Context, paths []string, ignore []string) ([]string, []error, []error, map[string]string) {
	var errs []error
	seen := map[string]bool{}
	var files []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	w := &walker{ctx: ctx, ignore: ignore, visits: map[string]int{}, chartOf: map[string]string{}}
	for _, p := range paths {
		if p == "-" {
			add(StdinName)
			continue
		}
		if p == "" {
			errs = append(errs, &yamldoc.Error{File: `""`, Msg: "an empty path names no file"})
			continue
		}
		p = filepath.ToSlash(filepath.Clean(p))
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &yamldoc.Error{File: p, Msg: describeStatError(p, err)})
			continue
		}
		if !st.IsDir() {
			add(p) // named explicitly: read whatever its extension or type (a pipe, /dev/stdin)
			continue
		}
		w.root = p
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			real, err = filepath.Abs(real)
		}
		if err != nil {
			errs = append(errs, &yamldoc.Error{File: p, Msg: describeStatError(p, err)})
			continue
		}
		w.visit(p, real, map[string]bool{})
		for _, f := range w.files {
			add(f)
		}
		w.files = w.files[:0]
	}
	errs = append(errs, w.errs...)
	sort.Strings(files)
	return files, errs, chartNotes(w.charts), w.chartOf
}

// maxChartNotes is how many charts get a note of their own; a monorepo of charts gets
// one more note counting the rest rather than one per chart on every run.
const maxChartNotes = 5

// chartNotes says, per Helm chart found by the walk, that its templates are not read.
func chartNotes(charts []string) []error {
	var notes []error
	for i, dir := range charts {
		if i == maxChartNotes-1 && len(charts) > maxChartNotes {
			rest := charts[i:]
			named := strings.Join(rest[:min(3, len(rest))], ", ")
			if len(rest) > 3 {
				named += ", …"
			}
			notes = append(notes, &yamldoc.Error{File: rest[0] + "/templates", Msg: fmt.Sprintf("the templates of %d more Helm charts (%s) are not read either: lint their rendered output", len(rest), named)})
			break
		}
		notes = append(notes, &yamldoc.Error{File: dir + "/templates", Msg: fmt.Sprintf("the templates of the Helm chart in %s are not read: they become manifests only when rendered; to check what the chart installs, lint its output (helm template %s | mtuguard lint -)", dir, dir)})
	}
	return notes
}

// walker lists directories' YAML and JSON files. It follows symlinks to files and to
// directories, since a directory's path places its objects in a cluster (a shared
// directory linked into two clusters' trees belongs to both). A symlink back into a
// directory it is inside is a loop, an error; and no directory is entered through more
// than maxVisits paths, so symlinks fanning out level after level cannot make the walk
// exponential.
type walker struct {
	ctx    context.Context
	ignore []string
	root   string         // the directory named, for root-relative ignore globs
	visits map[string]int // real path of a directory → times entered
	files  []string
	errs   []error
	charts []string // directories of Helm charts, whose templates the walk leaves unread
	// chart is the innermost Helm chart directory being walked, "" outside charts;
	// chartOf maps the files found inside one to it.
	chart   string
	chartOf map[string]string
}

const maxVisits = 1000

// visit walks dir, whose path with every symlink resolved is real.
func (w *walker) visit(dir, real string, ancestors map[string]bool) {
	if w.ctx.Err() != nil {
		return
	}
	if ancestors[real] {
		w.errs = append(w.errs, &yamldoc.Error{File: dir, Msg: "symlink loop: it leads back to a directory it is in; skipped"})
		return
	}
	if w.visits[real]++; w.visits[real] > maxVisits {
		if w.visits[real] == maxVisits+1 {
			w.errs = append(w.errs, &yamldoc.Error{File: dir, Msg: fmt.Sprintf("directory reached through more than %d symlinked paths; skipped from here (symlinks fanning out?)", maxVisits)})
		}
		return
	}
	ancestors[real] = true
	defer delete(ancestors, real)
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.errs = append(w.errs, &yamldoc.Error{File: dir, Msg: describeOSError(err)})
		return
	}
	chart := slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == "Chart.yaml" })
	if chart {
		outer := w.chart
		w.chart = dir
		defer func() { w.chart = outer }()
	}
	for _, e := range entries {
		name := e.Name()
		p := join(dir, name)
		if w.ignored(p) {
			continue
		}
		if chart && name == "templates" {
			// Go templates, not manifests, until Helm renders them: read as YAML they are
			// syntax errors, or objects with the chart's placeholders for values.
			w.charts = append(w.charts, dir)
			continue
		}
		mode := e.Type()
		childReal := filepath.Join(real, name)
		if mode&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				// Only where a manifest or a directory was meant: a broken link to a
				// README is none of our business.
				if isManifest(name) || filepath.Ext(name) == "" {
					w.errs = append(w.errs, &yamldoc.Error{File: p, Msg: describeStatError(p, err)})
				}
				continue
			}
			mode = st.Mode().Type()
			if mode.IsDir() {
				// Resolved from the real parent, so the cost does not grow with the
				// number of symlinks already followed to get here.
				if childReal, err = resolveLink(childReal, real); err != nil {
					w.errs = append(w.errs, &yamldoc.Error{File: p, Msg: describeStatError(p, err)})
					continue
				}
			}
		}
		switch {
		case mode.IsDir() && strings.HasPrefix(name, "."):
			// .git, .github, .terraform: tools' trees, not configuration for a cluster
		case mode.IsDir():
			w.visit(p, childReal, ancestors)
		case !isManifest(name):
		case mode.IsRegular():
			w.files = append(w.files, p)
			if w.chart != "" {
				w.chartOf[p] = w.chart
			}
		default:
			// A FIFO would block the read forever; a device could be endless.
			w.errs = append(w.errs, &yamldoc.Error{File: p, Msg: "not a regular file; skipped (name it explicitly to read it)"})
		}
	}
}

// resolveLink is the real path of the symlink link, which sits in the real directory dir.
func resolveLink(link, dir string) (string, error) {
	target, err := os.Readlink(link)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	if target, err = filepath.EvalSymlinks(target); err != nil {
		return "", err
	}
	return filepath.Abs(target)
}

func join(dir, name string) string {
	switch {
	case dir == ".":
		return name
	case strings.HasSuffix(dir, "/"):
		return dir + name
	}
	return dir + "/" + name
}

// ignored matches a walked path against the globs as walked and relative to the root.
func (w *walker) ignored(p string) bool {
	rel := p
	switch {
	case w.root == ".":
	case strings.HasSuffix(w.root, "/"):
		rel = strings.TrimPrefix(p, w.root)
	default:
		rel = strings.TrimPrefix(p, w.root+"/")
	}
	for _, g := range w.ignore {
		if ok, _ := doublestar.Match(g, p); ok {
			return true
		}
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
	}
	return false
}

func isManifest(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// describeStatError explains why a path cannot be followed, telling a dangling symlink
// and a symlink loop from a missing path.
func describeStatError(p string, err error) string {
	if errors.Is(err, syscall.ELOOP) {
		return "symlink loop: the symlinks never reach a file; skipped"
	}
	if errors.Is(err, fs.ErrNotExist) {
		if st, lerr := os.Lstat(p); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			return fmt.Sprintf("dangling symlink (to %s, which does not exist); skipped", target)
		}
	}
	return describeOSError(err)
}

func describeOSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}
