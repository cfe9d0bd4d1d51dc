// Package yamldoc reads YAML and JSON files into documents that remember where every
// field came from, so a finding can name the line to change. It is the one place the
// linter meets untrusted bytes, so every cost is bounded: file size, node count (alias
// expansion included) and nesting depth.
package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Limits bounds what one file may cost. Zero fields mean the defaults.
type Limits struct {
	MaxFileBytes int64 // default 16 MiB
	MaxNodes     int   // YAML nodes produced per file, alias expansion included; default 1,000,000
	MaxDepth     int   // nesting depth; default 1000
}

// DefaultLimits are generous for real manifests and fatal to alias bombs.
func DefaultLimits() Limits {
	return Limits{MaxFileBytes: 16 << 20, MaxNodes: 1_000_000, MaxDepth: 1000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// Document is one YAML or JSON document of a file (or one item of a List).
type Document struct {
	File   string // the path as given or walked, slash-separated
	Index  int    // 0-based index of the document in its file
	Line   int    // 1-based line where the document (or List item) starts
	Object any    // JSON-compatible: map[string]any, []any, string, int64, float64, bool, nil

	src  *source // the whole file, shared by its documents
	item int     // index in a List's items, or -1
	// within, for a view (Within), are the places in the document its paths are under.
	within [][]any
}

// Within is a view of d for an object made from part of it, such as an Argo CD
// Application an ApplicationSet's template renders: the view's paths are looked up under
// each prefix in turn (a generator's own template before spec.template), the first that
// holds the whole path winning, else the nearest parent under the last. Line stays the
// document's, for the comments above it.
func (d *Document) Within(obj any, prefixes ...[]any) *Document {
	v := *d
	v.Object = obj
	v.within = prefixes
	return &v
}

// Copy is another document of the same content and lines, views included: one cluster
// judged twice (two Flux Kustomizations substitute one file) needs a document each.
func (d *Document) Copy() *Document {
	v := *d
	return &v
}

// source is a file's bytes and the node trees of its documents, kept from Parse for LineOf
// until RetainNodes or ReleaseNodes drop them (keeping every document's node tree in memory
// would cost more than the objects), and parsed again if asked for after that.
type source struct {
	data   []byte
	mu     sync.Mutex
	parsed bool
	roots  []*yaml.Node // content node of each document, by Index (nil for skipped ones)
}

func (s *source) root(index int) *yaml.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.parsed {
		s.parsed = true
		// The bytes parsed once already, within limits; node trees do not expand aliases,
		// so parsing them again costs what it cost then.
		dec := yaml.NewDecoder(bytes.NewReader(s.data))
		for {
			var n yaml.Node
			if dec.Decode(&n) != nil {
				break
			}
			var root *yaml.Node
			if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
				root = n.Content[0]
			}
			s.roots = append(s.roots, root)
		}
	}
	if index >= 0 && index < len(s.roots) {
		return s.roots[index]
	}
	return nil
}

// RetainNodes keeps the node trees of kept, a subset of all, the documents of one Parse,
// and drops the others': a caller that keeps some documents of a file frees the rest.
// LineOf on a dropped document answers the document's own line.
func RetainNodes(all, kept []*Document) {
	if len(all) == 0 || all[0].src == nil {
		return
	}
	src := all[0].src
	keep := map[int]bool{}
	for _, d := range kept {
		keep[d.Index] = true
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(keep) == 0 {
		src.roots, src.parsed = nil, false
		return
	}
	for i := range src.roots {
		if !keep[i] {
			src.roots[i] = nil
		}
	}
}

// ReleaseNodes drops the node trees kept for LineOf and Node, for every document of d's
// file; they are parsed again if asked for. Call it when done with a file.
func (d *Document) ReleaseNodes() {
	if d.src == nil {
		return
	}
	d.src.mu.Lock()
	d.src.roots, d.src.parsed = nil, false
	d.src.mu.Unlock()
}

// root is the document's content node (the List item's, for List items).
func (d *Document) root() *yaml.Node {
	if d.src == nil {
		return nil
	}
	n := d.src.root(d.Index)
	if n != nil && d.item >= 0 {
		if items := lookup(n, "items"); items != nil && items.Kind == yaml.SequenceNode && d.item < len(items.Content) {
			return items.Content[d.item]
		}
	}
	return n
}

// SourceLine returns line n (1-based) of the document's file, without its newline.
func (d *Document) SourceLine(n int) string {
	if d.src == nil {
		return ""
	}
	return string(bytes.TrimRight(nthLine(d.src.data, n), "\r"))
}

// Node is the document's yaml.v3 node, comments included (the List item's, for List
// items); nil for a Document not made by Parse.
func (d *Document) Node() *yaml.Node { return d.root() }

// Error is an input error: what was wrong and where.
type Error struct {
	File string
	Line int // 0 when the error has no place in the file
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Parse splits data into documents. Empty, comment-only and null documents are skipped;
// a `kind: List` (or `*List` with `items`, as kubectl emits) yields one Document per item.
// Every failure is an *Error naming file and, where there is one, the line.
func Parse(file string, data []byte, lim Limits) (docs []*Document, err error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxFileBytes {
		return nil, &Error{File: file, Msg: fmt.Sprintf("file is %d bytes, over the %d-byte limit (raise --max-file-size if it is genuine)", len(data), lim.MaxFileBytes)}
	}
	if err := checkText(file, data); err != nil {
		return nil, err
	}
	// yaml.v3 reports its failures by panicking internally and recovering; should one of
	// its bugs escape, the user gets an input error naming the file, not a crash.
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, &Error{File: file, Msg: fmt.Sprintf("%s (%v); please report this file to mtuguard", internalError, r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	b := &budget{left: lim.MaxNodes, maxNodes: lim.MaxNodes, maxDepth: lim.MaxDepth}
	src := &source{data: data}
	for index := 0; ; index++ {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				src.parsed = true
				return docs, nil
			}
			return nil, withTemplateHint(syntaxError(file, data, err), data)
		}
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			src.roots = append(src.roots, nil)
			continue
		}
		root := n.Content[0]
		src.roots = append(src.roots, root)
		err := b.precheck(root)
		var obj any
		if err == nil {
			obj, err = b.convert(root, 0)
		}
		if err != nil {
			var ce *convertError
			if errors.As(err, &ce) {
				return nil, withTemplateHint(&Error{File: file, Line: ce.line, Msg: ce.msg}, data)
			}
			return nil, withTemplateHint(&Error{File: file, Line: root.Line, Msg: err.Error()}, data)
		}
		if obj == nil {
			continue // `null` or `~` document
		}
		docs = append(docs, expandList(file, index, root, obj, src)...)
	}
}

// withTemplateHint tells the user of a file that fails to read and holds template
// directives (Helm's and Go's {{ }}, Jinja's {% %}) that it is a template, not YAML yet:
// such files fail to parse, or parse into mappings with mappings for keys.
//
// A manifest that carries templates for another tool to render, such as an Argo CD
// ApplicationSet (`name: {{.cluster}}-cilium`), is YAML as it stands, and there the cause
// is an unquoted value starting with {{, which YAML reads as a flow mapping: when the
// error's line holds one, the hint says to quote it as well.
// TemplateHint is in the message of a parse error of a file that looks like a template.
const TemplateHint = "the file looks like a template ({{ }} or {% %})"

func withTemplateHint(e *Error, data []byte) *Error {
	if bytes.Contains(data, []byte("{{")) || bytes.Contains(data, []byte("{%")) {
		e.Msg += "; " + TemplateHint + ", which is YAML only once rendered: lint what it renders to, or list it under ignore: in .mtuguard.yaml"
		if unquotedTemplateValue.Match(nthLine(data, e.Line)) {
			e.Msg += "; if it is a manifest itself, such as an Argo CD ApplicationSet, quote the value that starts with {{ on this line (name: '{{.cluster}}-cilium'): unquoted, YAML reads it as a mapping"
		}
	}
	return e
}

// unquotedTemplateValue matches a line whose mapping value or list item starts with {{
// outside quotes.
var unquotedTemplateValue = regexp.MustCompile(`^\s*(?:-\s+)?(?:[^\s#'"{][^#'"]*?:\s+|-\s+)\{\{`)

// nthLine is the 1-based line n of data, without its newline, or nothing.
func nthLine(data []byte, n int) []byte {
	if n < 1 {
		return nil
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return nil
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	return data
}

// internalError starts the message of a recovered parser panic (the fuzz target looks for it).
const internalError = "internal error reading YAML"

// expandList turns a v1 List into its items, each locatable on its own.
func expandList(file string, index int, root *yaml.Node, obj any, src *source) []*Document {
	m, _ := obj.(map[string]any)
	kind, _ := m["kind"].(string)
	items, isList := m["items"].([]any)
	itemsNode := lookup(root, "items")
	if m["apiVersion"] != "v1" || !strings.HasSuffix(kind, "List") || !isList || itemsNode == nil || itemsNode.Kind != yaml.SequenceNode || len(itemsNode.Content) != len(items) {
		return []*Document{{File: file, Index: index, Line: root.Line, Object: obj, src: src, item: -1}}
	}
	docs := make([]*Document, 0, len(items))
	for i, item := range items {
		if item == nil {
			continue
		}
		n := itemsNode.Content[i]
		docs = append(docs, &Document{File: file, Index: index, Line: n.Line, Object: item, src: src, item: i})
	}
	return docs
}

// LineOf returns the line of the field at path (map keys as string, list indexes as
// int): the key's line for a map entry, the item's line for a list index, or the line of
// the nearest existing parent. It is never below 1 for a Document made by Parse.
func (d *Document) LineOf(path []any) int {
	if len(d.within) > 0 {
		base := *d
		base.within = nil
		for i, prefix := range d.within {
			full := append(append([]any{}, prefix...), path...)
			if line, found := base.lineOf(full); found || i == len(d.within)-1 {
				return line
			}
		}
	}
	line, _ := d.lineOf(path)
	return line
}

// lineOf is LineOf, and whether the whole path is in the document (a path into a block
// string counts as found).
func (d *Document) lineOf(path []any) (int, bool) {
	n := d.root()
	if n == nil {
		return max(d.Line, 1), false
	}
	line := n.Line
	for i, step := range path {
		n = resolveAlias(n)
		if ls, ok := step.(string); ok && strings.HasPrefix(ls, "#L") && n.Kind == yaml.ScalarNode {
			// A line inside a block string that is not YAML (user data, a script).
			off, err := strconv.Atoi(ls[2:])
			if err != nil || off < 1 || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
				return line, false
			}
			return n.Line + off, true
		}
		if n.Kind == yaml.ScalarNode && n.Style&yaml.LiteralStyle != 0 {
			// A block of YAML inside a string (Argo CD helm.values, a values.yaml key of a
			// ConfigMap): find the line within it, offset by where the block starts.
			return embeddedLine(n, path[i:], line), true
		}
		switch s := step.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line, false
			}
			key, val := mapEntry(n, s, 0)
			if key == nil {
				return line, false
			}
			line, n = key.Line, val
		case int:
			if n.Kind != yaml.SequenceNode || s < 0 || s >= len(n.Content) {
				return line, false
			}
			n = n.Content[s]
			line = n.Line
		default:
			return line, false
		}
	}
	return line, true
}

// embeddedLine maps a path inside a literal block scalar to a file line. The block's
// content starts on the line after its indicator (`|`), one line per line.
func embeddedLine(n *yaml.Node, path []any, fallback int) int {
	docs, err := Parse("", []byte(n.Value), Limits{MaxNodes: 100_000})
	if err != nil && strings.Contains(n.Value, "{{") {
		// A template (an Argo CD ApplicationSet's helm.values): `id: {{id}}` is a flow map
		// to YAML until rendered, so read it with the braces blanked, line for line.
		blanked := strings.NewReplacer("{{", "__", "}}", "__").Replace(n.Value)
		docs, err = Parse("", []byte(blanked), Limits{MaxNodes: 100_000})
	}
	if err != nil || len(docs) == 0 {
		return fallback
	}
	return n.Line + docs[0].LineOf(path)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// maxMergeDepth stops mapEntry in a mapping that merges itself; Parse refuses such
// documents, this only keeps LineOf safe on any node tree.
const maxMergeDepth = 100

// mapEntry finds key in a mapping node, looking through `<<` merges like the decoder
// does: the mapping's own key first, then the merge sources in order.
func mapEntry(m *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode || depth > maxMergeDepth {
		return nil, nil
	}
	var merge *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		c := m.Content[i]
		if isMerge(c) {
			merge = m.Content[i+1]
			continue
		}
		if c.Kind == yaml.ScalarNode && (c.Value == key || c.Tag != "!!str" && keyMatches(c, key)) {
			return c, m.Content[i+1]
		}
	}
	if merge != nil {
		for _, src := range mergeSources(merge) {
			if k, v := mapEntry(src, key, depth+1); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// keyMatches compares a non-string key (`1.0:`, `true:`) in its converted form.
func keyMatches(k *yaml.Node, key string) bool {
	s, err := keyString(k)
	return err == nil && s == key
}

func mergeSources(n *yaml.Node) []*yaml.Node {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		out := make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, resolveAlias(c))
		}
		return out
	}
	return []*yaml.Node{n}
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	_, v := mapEntry(resolveAlias(m), key, 0)
	return resolveAlias(v)
}
