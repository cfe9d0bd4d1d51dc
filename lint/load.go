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
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
)

// StdinName is how documents read from "-" are named in reports.
const StdinName = "<stdin>"

// LoadOptions configure Load.
type LoadOptions struct {
	Ignore  []string // doublestar globs, matched against slash paths as walked (e.g. "vendor/**")
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
	Errors    []error             // one per file that could not be read or parsed
	Skipped   int                 // documents parsed and dropped by LoadOptions.Keep
}

// Load reads files, directories (recursively: .yaml, .yml, .json; an explicitly named
// file whatever its extension) and "-" for stdin. A bad file is reported and skipped;
// it never stops the others.
func Load(ctx context.Context, paths []string, opts LoadOptions) Loaded {
	var out Loaded
	files, errs := discover(paths, opts.Ignore)
	out.Errors = append(out.Errors, errs...)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type result struct {
		docs    []*yamldoc.Document
		skipped int
		err     error
	}
	results := make([]result, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				docs, err := readAndParse(files[i], opts)
				kept := docs[:0]
				for _, d := range docs {
					if opts.Keep == nil || opts.Keep(d) {
						kept = append(kept, d)
					}
				}
				results[i] = result{kept, len(docs) - len(kept), err}
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for i, f := range files {
		out.Files = append(out.Files, f)
		if results[i].err != nil {
			out.Errors = append(out.Errors, results[i].err)
			continue
		}
		out.Documents = append(out.Documents, results[i].docs...)
		out.Skipped += results[i].skipped
	}
	return out
}

func readAndParse(file string, opts LoadOptions) ([]*yamldoc.Document, error) {
	limits := opts.Limits
	if limits.MaxFileBytes <= 0 {
		limits.MaxFileBytes = yamldoc.DefaultLimits().MaxFileBytes
	}
	var r io.Reader
	if file == StdinName {
		if opts.Stdin == nil {
			return nil, &yamldoc.Error{File: file, Msg: "no standard input"}
		}
		r = opts.Stdin
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, &yamldoc.Error{File: file, Msg: describeOSError(err)}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Size() > limits.MaxFileBytes {
			return nil, &yamldoc.Error{File: file, Msg: fmt.Sprintf("file is %d bytes, over the %d-byte limit (raise --max-file-size if it is genuine)", st.Size(), limits.MaxFileBytes)}
		}
		r = f
	}
	// Read one byte past the limit so a growing file or stdin cannot slip past it.
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxFileBytes+1))
	if err != nil {
		return nil, &yamldoc.Error{File: file, Msg: describeOSError(err)}
	}
	return yamldoc.Parse(file, data, limits)
}

// discover expands paths into the files to read, sorted and de-duplicated.
func discover(paths []string, ignore []string) ([]string, []error) {
	var errs []error
	seen := map[string]bool{}
	var files []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(StdinName)
			continue
		}
		p = filepath.ToSlash(filepath.Clean(p))
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &yamldoc.Error{File: p, Msg: describeOSError(err)})
			continue
		}
		if !st.IsDir() {
			add(p) // named explicitly: read whatever its extension
			continue
		}
		walked, werrs := walk(p, ignore)
		errs = append(errs, werrs...)
		for _, f := range walked {
			add(f)
		}
	}
	sort.Strings(files)
	return files, errs
}

// walk lists a directory's YAML and JSON files. It follows symlinks to files and to
// directories, but never into a directory it is already inside (a loop).
func walk(root string, ignore []string) ([]string, []error) {
	var files []string
	var errs []error
	var visit func(dir string, ancestors map[string]bool)
	visit = func(dir string, ancestors map[string]bool) {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			errs = append(errs, &yamldoc.Error{File: dir, Msg: describeOSError(err)})
			return
		}
		if ancestors[real] {
			errs = append(errs, &yamldoc.Error{File: dir, Msg: "symlink loop: this directory contains itself; skipped"})
			return
		}
		ancestors[real] = true
		defer delete(ancestors, real)
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, &yamldoc.Error{File: dir, Msg: describeOSError(err)})
			return
		}
		for _, e := range entries {
			p := dir + "/" + e.Name()
			if dir == "." {
				p = e.Name()
			}
			if ignored(p, root, ignore) {
				continue
			}
			isDir := e.IsDir()
			if e.Type()&fs.ModeSymlink != 0 {
				st, err := os.Stat(p)
				if err != nil {
					errs = append(errs, &yamldoc.Error{File: p, Msg: "dangling symlink: " + describeOSError(err)})
					continue
				}
				isDir = st.IsDir()
			}
			switch {
			case isDir && strings.HasPrefix(e.Name(), ".") && e.Name() != "." && e.Name() != "..":
				// .git, .github, .terraform: not configuration for this cluster
			case isDir:
				visit(p, ancestors)
			case isManifest(e.Name()):
				files = append(files, p)
			}
		}
	}
	visit(root, map[string]bool{})
	return files, errs
}

func isManifest(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// ignored matches a path against the globs as walked and relative to the walk root.
func ignored(p, root string, globs []string) bool {
	rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	for _, g := range globs {
		for _, candidate := range []string{p, rel} {
			if ok, _ := doublestar.Match(g, candidate); ok {
				return true
			}
		}
	}
	return false
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
