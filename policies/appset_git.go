package policies

import (
	slashpath "path"
	"regexp"
	"sort"
	"strings"
)

// An ApplicationSet's git generator reads a repository the lint run may hold a checkout
// of: its files and directories are found among the run's files. Argo CD names them from
// the repository's root, which the run's paths may extend (`mtuguard lint platform/`), so
// the root is the directory under which the generator's paths match, the shallowest, and
// of equally deep ones the nearest to the ApplicationSet, as value files are found by
// path suffix.

// gitPattern is a git files generator path. Argo CD lists the files with `git ls-files --
// <path>` (util/git/client.go LsFiles; the doublestar globbing is opt-in), a git pathspec:
// a path without wildcards names that file or everything under that directory, and with
// wildcards `*` and `?` match across `/` too ("cluster-config/*/config.json" also matches
// cluster-config/a/b/config.json, Generators-Git-File-Globbing.md).
type gitPattern struct {
	raw     string
	literal string         // the part before the first wildcard
	re      *regexp.Regexp // nil when the path has no wildcard
}

func newGitPattern(p string) gitPattern {
	p = strings.TrimPrefix(slashpath.Clean("/"+p), "/")
	g := gitPattern{raw: p, literal: p}
	i := strings.IndexAny(p, "*?[\\")
	if i < 0 {
		return g
	}
	g.literal = p[:i]
	var b strings.Builder
	b.WriteString(`^`)
	for j := 0; j < len(p); j++ {
		switch c := p[j]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '\\':
			if j+1 < len(p) {
				j++
				b.WriteString(regexp.QuoteMeta(p[j : j+1]))
			}
		case '[':
			end := strings.IndexByte(p[j+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := p[j+1 : j+1+end]
			if end == 0 { // "[]" opens a class holding ']'
				end = strings.IndexByte(p[j+2:], ']') + 1
				if end == 0 {
					b.WriteString(`\[`)
					continue
				}
				class = p[j+1 : j+1+end]
			}
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			j += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	if re, err := regexp.Compile(b.String()); err == nil {
		g.re = re
	} else {
		g.re = regexp.MustCompile("^" + regexp.QuoteMeta(p) + "$")
	}
	return g
}

func (g gitPattern) match(file string) bool {
	if !strings.HasPrefix(file, g.literal) {
		return false
	}
	if g.re == nil {
		return g.raw == "" || file == g.raw || strings.HasPrefix(file, g.raw+"/")
	}
	return g.re.MatchString(file)
}

// gitRoot picks the directory of the run (with a trailing slash, or "") that is the root
// of the repository a generator reads: the shallowest under which one of paths matches
// (match(rel)), then the nearest to from.
func gitRoot(paths []string, match func(rel string) bool, from string) (string, bool) {
	var roots []string
	seen := map[string]bool{}
	for _, p := range paths {
		for i := 0; i <= len(p); i++ {
			if i > 0 && p[i-1] != '/' {
				continue
			}
			root := p[:i]
			if seen[root] || i == len(p) {
				continue
			}
			if match(p[i:]) {
				seen[root] = true
				roots = append(roots, root)
			}
		}
	}
	if len(roots) == 0 {
		return "", false
	}
	sort.Slice(roots, func(i, j int) bool {
		di, dj := strings.Count(roots[i], "/"), strings.Count(roots[j], "/")
		if di != dj {
			return di < dj
		}
		si, sj := SharedDirs(roots[i]+"x", from), SharedDirs(roots[j]+"x", from)
		if si != sj {
			return si > sj
		}
		return roots[i] < roots[j]
	})
	return roots[0], true
}

// runDirectories lists the directories that hold the run's files, and their parents,
// relative to root, in the order Argo CD's repo server walks them (depth first, by name),
// without hidden ones (the repo server skips them unless told otherwise).
func runDirectories(files []string, root string) []string {
	seen := map[string]bool{}
	for _, f := range files {
		rel, ok := strings.CutPrefix(f, root)
		if !ok {
			continue
		}
		for d := slashpath.Dir(rel); d != "." && d != "/" && !seen[d]; d = slashpath.Dir(d) {
			seen[d] = true
		}
	}
	var dirs []string
	for d := range seen {
		if !hiddenPath(d) {
			dirs = append(dirs, d)
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return walkOrder(dirs[i], dirs[j]) })
	return dirs
}

func hiddenPath(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// walkOrder compares paths segment by segment, as a depth-first walk meets them.
func walkOrder(a, b string) bool {
	sa, sb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(sa) && i < len(sb); i++ {
		if sa[i] != sb[i] {
			return sa[i] < sb[i]
		}
	}
	return len(sa) < len(sb)
}

// SharedDirs counts the leading directories two slash paths share.
func SharedDirs(a, b string) int {
	da, db := strings.Split(slashpath.Dir(a), "/"), strings.Split(slashpath.Dir(b), "/")
	n := 0
	for n < len(da) && n < len(db) && da[n] == db[n] {
		n++
	}
	return n
}
