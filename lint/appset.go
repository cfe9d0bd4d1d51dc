package lint

import (
	"errors"
	"slices"
	"sync"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// An Argo CD ApplicationSet whose template installs Cilium's chart stands for the
// Applications it generates (policies.ExpandApplicationSet): each is linted as an
// Application of its own, one cluster each, its findings pointing into the
// ApplicationSet's template and naming the generated Application.

// expandApplicationSets replaces each ApplicationSet among ordered with views of it, one
// per Cilium Application it generates, classified, and returns the run's files its git
// generators read.
func (inv *inventory) expandApplicationSets(ordered []*yamldoc.Document, classes []policies.Classified, run *runFiles) ([]*yamldoc.Document, []policies.Classified, map[string]bool) {
	read := map[string]bool{}
	docs, cls := expandEach(ordered, classes, func(doc *yamldoc.Document, obj map[string]any, out *expanded) bool {
		if !policies.IsApplicationSet(obj) {
			return false
		}
		e := policies.ExpandApplicationSet(obj, policies.AppSetRun{Files: run.files, Read: run.read, From: doc.File})
		for _, is := range e.Issues {
			err := &yamldoc.Error{File: doc.File, Line: doc.LineOf(is.Path), Msg: is.Msg}
			if is.Note {
				inv.notes = append(inv.notes, err)
			} else {
				inv.errors = append(inv.errors, err)
			}
		}
		for _, f := range e.Read {
			read[f] = true
		}
		_, appSet, _ := policies.Meta(obj)
		for _, app := range e.Apps {
			view := doc.Within(app.Object, app.Template...)
			g := generatedApp{what: "Application", name: app.Name, of: "of ApplicationSet " + appSet, appSet: obj, template: app.Template}
			c, err := policies.Classify(app.Object)
			if err != nil {
				var fe *policies.FieldError
				line := view.LineOf(nil)
				if errors.As(err, &fe) {
					line = view.LineOf(fe.Path)
				}
				inv.appError(g, &yamldoc.Error{File: doc.File, Line: line, Msg: err.Error()}, false)
				continue
			}
			if c.Kind != policies.KindCiliumConfig {
				continue // its chart, named by a parameter, is not Cilium's
			}
			inv.generated[view] = g
			out.add(view, c)
		}
		return true
	})
	return docs, cls, read
}

// runFiles is what a run's ApplicationSets read of its files: the list (stdin is no
// repository's file), and each file's first document, read again from disk since loading
// dropped the documents no rule reads (a git generator's config.json). Reads are cached,
// and safe from the goroutine an expansion runs in.
type runFiles struct {
	files []string
	load  LoadOptions

	mu    sync.Mutex
	cache map[string]readResult
}

type readResult struct {
	doc any
	err error
}

func newRunFiles(loaded Loaded, load LoadOptions) *runFiles {
	files := slices.DeleteFunc(slices.Clone(loaded.Files), func(f string) bool { return f == StdinName })
	return &runFiles{files: files, load: load, cache: map[string]readResult{}}
}

func (r *runFiles) read(file string) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if res, ok := r.cache[file]; ok {
		return res.doc, res.err
	}
	docs, err := readAndParse(file, r.load)
	res := readResult{err: err}
	if len(docs) > 0 {
		res.doc = docs[0].Object
	}
	yamldoc.RetainNodes(docs, nil)
	r.cache[file] = res
	return res.doc, res.err
}
