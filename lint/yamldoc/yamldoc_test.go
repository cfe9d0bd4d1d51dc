package yamldoc

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const multi = `# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: cilium-config
data:
  mtu: "9001"
  list: [a, b]
---
# an empty document
---
null
---
{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
 "spec": {"ingress": [{"icmps": [{"fields": [{"type": 3}]}]}]}}
---
base: &base
  MTU: 8500
  cluster:
    name: a
override:
  <<: *base
  cluster:
    name: b
items:
  - one
  - two: 2
`

func TestParseAndLineOf(t *testing.T) {
	docs, err := Parse("f.yaml", []byte(multi), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents, want 3 (empty and null skipped)", len(docs))
	}
	if docs[0].Index != 0 || docs[1].Index != 3 || docs[2].Index != 4 || docs[1].Line != 14 || docs[2].File != "f.yaml" {
		t.Errorf("index/line: %d %d %d, line %d", docs[0].Index, docs[1].Index, docs[2].Index, docs[1].Line)
	}
	for _, tc := range []struct {
		name string
		doc  int
		path []any
		line int
	}{
		{"document", 0, nil, 2},
		{"key line", 0, []any{"data", "mtu"}, 7},
		{"missing key: parent", 0, []any{"data", "missing"}, 6},
		{"missing deeper: parent", 0, []any{"data", "missing", "more", 3}, 6},
		{"flow list item", 0, []any{"data", "list", 1}, 8},
		{"index out of range", 0, []any{"data", "list", 7}, 8},
		{"negative index", 0, []any{"data", "list", -1}, 8},
		{"index into a mapping", 0, []any{"data", 0}, 6},
		{"key into a list", 0, []any{"data", "list", "x"}, 8},
		{"through a scalar", 0, []any{"metadata", "name", "deeper"}, 5},
		{"odd step type", 0, []any{"data", 1.5}, 6},
		{"JSON", 1, []any{"spec", "ingress", 0, "icmps", 0, "fields", 0, "type"}, 15},
		{"JSON key line", 1, []any{"spec"}, 15},
		{"through a << merge, to the anchor's key", 2, []any{"override", "MTU"}, 18},
		{"own key over merged", 2, []any{"override", "cluster", "name"}, 24},
		{"block list item", 2, []any{"items", 1}, 27},
		{"key in a block list item", 2, []any{"items", 1, "two"}, 27},
		{"missing item", 2, []any{"items", 5}, 25},
	} {
		if got := docs[tc.doc].LineOf(tc.path); got != tc.line {
			t.Errorf("%s: doc %d %v: line %d, want %d", tc.name, tc.doc, tc.path, got, tc.line)
		}
	}
	m := docs[2].Object.(map[string]any)["override"].(map[string]any)
	if m["MTU"] != int64(8500) || m["cluster"].(map[string]any)["name"] != "b" {
		t.Errorf("merge: %v", m)
	}
	if docs[0].Object.(map[string]any)["data"].(map[string]any)["mtu"] != "9001" {
		t.Error("a quoted number must stay a string")
	}
	if n := docs[1].Node(); n == nil || n.Kind != yaml.MappingNode || n.Line != 14 {
		t.Errorf("Node(): %+v", n)
	}
}

func TestLineOfWithoutNodes(t *testing.T) {
	// Documents built by hand (tests, the webhook) have no nodes: the document's line.
	if got := (&Document{Line: 4}).LineOf([]any{"a"}); got != 4 {
		t.Errorf("line %d", got)
	}
	if got := (&Document{}).LineOf(nil); got != 1 {
		t.Errorf("line %d, want 1", got)
	}
}

func TestListExpansion(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		lines     []int
	}{
		{"List", "apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n  data:\n    a: b\n- kind: Secret\n", []int{4, 7}},
		{"ConfigMapList with a null item", "apiVersion: v1\nkind: ConfigMapList\nmetadata: {}\nitems:\n- kind: ConfigMap\n  data:\n    a: b\n-\n- {kind: ConfigMap}\n", []int{5, 9}},
		{"JSON List", "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n {\"kind\": \"ConfigMap\", \"data\": {\n   \"a\": \"b\"}},\n {\"kind\": \"Secret\"}]}\n", []int{2, 4}},
		{"not v1", "apiVersion: example.com/v1\nkind: WidgetList\nitems:\n- a: 1\n", []int{1}},
		{"items not a list", "apiVersion: v1\nkind: List\nitems: {a: 1}\n", []int{1}},
		{"kind not a List", "apiVersion: v1\nkind: ConfigMap\nitems:\n- a: 1\n", []int{1}},
		{"empty List", "apiVersion: v1\nkind: List\nitems: []\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := Parse("l.yaml", []byte("---\n"+tc.src), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			for _, d := range docs {
				lines = append(lines, d.Line-1) // the leading "---"
				if d.Index != 0 {
					t.Errorf("Index %d, want the source document's 0", d.Index)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tc.lines) {
				t.Errorf("lines %v, want %v", lines, tc.lines)
			}
		})
	}
	docs, _ := Parse("l.yaml", []byte("apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n  data:\n    a: b\n- kind: Secret\n"), Limits{})
	if got := docs[0].LineOf([]any{"data", "a"}); got != 6 {
		t.Errorf("LineOf relative to the item: %d, want 6", got)
	}
	if got := docs[1].LineOf([]any{"missing"}); got != 7 {
		t.Errorf("missing field of an item: %d, want the item's line 7", got)
	}
	if docs[1].Node().Line != 7 || docs[0].Object.(map[string]any)["kind"] != "ConfigMap" {
		t.Error("item node or object")
	}
}

func TestSkippedDocuments(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# only a comment\n", "---\n", "---\n---\n...\n", "null\n", "~\n", "--- null\n--- # c\n---\n~\n", "\xef\xbb\xbf# BOM then a comment\n"} {
		docs, err := Parse("e.yaml", []byte(src), Limits{})
		if err != nil || len(docs) != 0 {
			t.Errorf("%q: %d documents, %v", src, len(docs), err)
		}
	}
	docs, err := Parse("e.yaml", []byte("---\n# c\n---\nnull\n---\na: 1\n"), Limits{})
	if err != nil || len(docs) != 1 || docs[0].Index != 2 || docs[0].Line != 6 {
		t.Fatalf("%v %+v", err, docs)
	}
	if docs[0].LineOf([]any{"a"}) != 6 {
		t.Error("line after skipped documents")
	}
	// Top-level scalars and lists are documents too (the caller decides what they mean).
	docs, _ = Parse("s.yaml", []byte("hello\n---\n[1, 2]\n"), Limits{})
	if len(docs) != 2 || docs[0].Object != "hello" {
		t.Errorf("%+v", docs)
	}
}

// bomb is a billion laughs: 9 levels of 9 aliases, 9^9 strings when expanded.
func bomb() string {
	s := "a0: &a0 [x,x,x,x,x,x,x,x,x]\n"
	for i := 1; i < 10; i++ {
		s += fmt.Sprintf("a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ","))
	}
	return s
}

func deepMap(levels int) string {
	var b strings.Builder
	b.WriteString("a:\n")
	for i := 1; i < levels; i++ {
		b.WriteString(strings.Repeat(" ", i) + "b:\n")
	}
	return b.String()
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, data, want string
		line                   int
		lim                    Limits
	}{
		{name: "unclosed flow list", data: "a: 1\nb: [1, 2\n", want: "invalid YAML: did not find expected ',' or ']'", line: 2},
		{name: "bad indentation", data: "a:\n  b: 1\n c: 2\n", want: "did not find expected key (check this line's indentation", line: 3},
		{name: "bad indentation, deeper", data: "x: 1\ny: 2\nz: 3\nw: &a\n  - 1\n a: 3\n", want: "did not find expected key", line: 6},
		{name: "list after a mapping", data: "a: 1\n- b\n", want: "did not find expected key", line: 2},
		{name: "mapping after a list", data: "- a\nb: 1\n", want: "did not find expected '-' indicator", line: 2},
		{name: "value with a colon", data: "a: 1\nb: 2\nc: d: e\n", want: `mapping values are not allowed in this context (check the indentation, or quote a value that contains ": ")`, line: 3},
		{name: "on the first line", data: "a: [1, 2]]\n", want: "invalid YAML: did not find expected key", line: 1},
		{name: "token on the first line", data: "a: @x\n", want: "found character that cannot start any token", line: 1},
		{name: "unclosed quote", data: "a: 1\nb: 'x\nc: 2\n", want: "found unexpected end of stream (is a quote", line: 2},
		{name: "JSON", file: "x.json", data: "{\"a\": 1,\n \"b\": [1, 2}\n", want: "invalid JSON: did not find expected ',' or ']'", line: 2},
		{name: "unknown anchor", data: "a: 1\nb: *nope\nc: *nopeno\n", want: "unknown anchor 'nope' referenced", line: 2},
		{name: "duplicate key", data: "data:\n  mtu: \"1\"\n  mtu: \"2\"\n", want: `duplicate key "mtu" (first at line 2)`, line: 3},
		{name: "duplicate key in flow", data: "{a: 1,\n b: 2,\n a: 3}\n", want: `duplicate key "a" (first at line 1)`, line: 3},
		{name: "duplicate after conversion", data: "1: a\n\"1\": b\n", want: `duplicate key "1" (first at line 1)`, line: 2},
		{name: "duplicate merge key", data: "b: &b {x: 1}\nc:\n  <<: *b\n  <<: *b\n", want: `duplicate key "<<" (first at line 3)`, line: 4},
		{name: "duplicate in a later document", data: "a: 1\n---\na: 1\nb: 2\nb: 3\n", want: `duplicate key "b" (first at line 4)`, line: 5},
		{name: "merge of a scalar", data: "a: &a 1\nb:\n  <<: *a\n", want: "a << merge takes a mapping", line: 3},
		{name: "merge of an alias to a list", data: "a: &a [{x: 1}]\nb:\n  <<: *a\n", want: "a << merge takes a mapping", line: 3},
		{name: "complex key", data: "? [a, b]\n: c\n", want: "a mapping key must be a scalar", line: 1},
		{name: "alias cycle", data: "a: &a [1, *a]\n", want: "alias *a refers to a node that contains it", line: 1},
		{name: "merge cycle", data: "a: &a\n  x: 1\n  <<: *a\n", want: "refers to a node that contains it", line: 3},
		{name: "bad explicit int", data: "a: 1\nb: !!int abc\n", want: "cannot decode !!str `abc` as a !!int", line: 2},
		{name: "YAML 1.1 bool with an explicit tag", data: "b: !!bool yes\n", want: "cannot decode !!str `yes` as a !!bool", line: 1},
		{name: "bad base64", data: "b: !!binary '%%%'\n", want: "!!binary value contains invalid base64 data", line: 1},
		{name: "alias bomb", data: bomb(), want: "YAML aliases expand beyond 1000000 nodes (an alias bomb?); raise --max-yaml-nodes if this file is genuine", line: 7},
		{name: "merge bomb", data: "a: &a {x: [1,2,3,4,5,6,7,8,9,10]}\nb: &b {<<: *a}\nc: [" + strings.TrimSuffix(strings.Repeat("*b,", 100), ",") + "]\n", want: "YAML aliases expand beyond 500 nodes", line: 3, lim: Limits{MaxNodes: 500}},
		{name: "too many nodes", data: "[" + strings.Repeat("1,", 200) + "1]", want: "YAML has more than 100 nodes; raise --max-yaml-nodes", line: 1, lim: Limits{MaxNodes: 100}},
		{name: "binary", data: "a: 1\n\x00\x01", want: "binary file (NUL byte): a binary or non-UTF-8 file is not YAML or JSON", line: 2},
		{name: "control character", data: "a: 1\nb: 2\x01\n", want: "binary file (control character U+0001", line: 2},
		{name: "DEL", data: "a: \x7f\n", want: "control character U+007F", line: 1},
		{name: "C1 control", data: "a: 1\n\n b: \u0086\n", want: "control character U+0086", line: 3},
		{name: "invalid UTF-8", data: "a: 1\nb: caf\xe9\n", want: "not valid UTF-8 (byte 0xe9): a binary or non-UTF-8 file", line: 2},
		{name: "UTF-16", data: "\xff\xfea\x00:\x00 \x001\x00", want: "not valid UTF-8 (a UTF-16 byte-order mark)", line: 1},
		{name: "too deep (block)", data: deepMap(1100), want: "YAML nests deeper than 1000 levels", line: 1002},
		{name: "too deep (flow)", data: strings.Repeat("[", 2000) + strings.Repeat("]", 2000), want: "YAML nests deeper than 1000 levels", line: 1},
		{name: "too deep for yaml.v3", data: "a: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", want: "invalid YAML: exceeded max depth of 10000"},
		{name: "too deep for yaml.v3 (block)", data: strings.Repeat("- ", 20_000) + "x\n", want: "exceeded max depth"},
		{name: "too deep through aliases", data: "a: &a [[[[1]]]]\nb: &b [[[[*a]]]]\nc: [[[[*b]]]]\n", want: "nests deeper than 10 levels", line: 1, lim: Limits{MaxDepth: 10}},
		{name: "Jinja template", data: "spec:\n  blocks:\n    {% for c in cidrs %}\n    - cidr: {{ c }}\n    {% endfor %}\n", want: "found character that cannot start any token (quote a value that starts with @, ` or %, and indent with spaces, not tabs); the file looks like a template ({{ }} or {% %}), which is YAML only once rendered", line: 3},
		{name: "Helm template", data: "metadata:\n  {{- include \"x.labels\" . | nindent 4 }}\n", want: "did not find expected node content; the file looks like a template", line: 2},
		{name: "Helm template that parses", data: "metadata:\n  labels:\n    {{ .Values.labels }}\n", want: "a mapping key must be a scalar (a string), not a list or mapping; the file looks like a template", line: 3},
		{name: "ApplicationSet with an unquoted template value", data: "spec:\n  template:\n    metadata:\n      name: {{.cluster}}-cilium\n", want: "the file looks like a template ({{ }} or {% %}), which is YAML only once rendered: lint what it renders to, or list it under ignore: in .mtuguard.yaml; if it is a manifest itself, such as an Argo CD ApplicationSet, quote the value that starts with {{ on this line (name: '{{.cluster}}-cilium')", line: 4},
		{name: "too big", data: strings.Repeat("a: b\n", 100), want: "file is 500 bytes, over the 64-byte limit (raise --max-file-size if it is genuine)", lim: Limits{MaxFileBytes: 64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = "x.yaml"
			}
			docs, err := Parse(file, []byte(tc.data), tc.lim)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error; %d documents", err, err, len(docs))
			}
			if docs != nil {
				t.Errorf("documents returned with an error")
			}
			if e.File != file || !strings.Contains(e.Msg, tc.want) || e.Line != tc.line {
				t.Errorf("got %q (line %d)\nwant %q at line %d", e.Error(), e.Line, tc.want, tc.line)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	if s := (&Error{File: "a.yaml", Line: 3, Msg: "bad"}).Error(); s != "a.yaml:3: bad" {
		t.Error(s)
	}
	if s := (&Error{File: "a.yaml", Msg: "bad"}).Error(); s != "a.yaml: bad" {
		t.Error(s)
	}
}

// TestAliasBombBounded: the bomb fails before it allocates its expansion (the time it
// takes is BenchmarkParseAliasBomb's to report; here only what it allocates is checked).
func TestAliasBombBounded(t *testing.T) {
	data := []byte(bomb())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse("bomb.yaml", data, Limits{})
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("alias bomb parsed")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("the bomb allocated %d bytes before failing", alloc)
	}
	// Below the limit, aliases expand into independent values.
	docs, err := Parse("ok.yaml", []byte("a: &a {x: [1]}\nb: *a\nc: [*a, *a]\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := docs[0].Object.(map[string]any)
	if !reflect.DeepEqual(m["a"], m["b"]) || !reflect.DeepEqual(m["c"], []any{m["a"], m["a"]}) {
		t.Errorf("%v", m)
	}
	// Exactly at the limit is fine: 1 + 2 + 2×(1 + 2) nodes (an alias counts, and its expansion).
	if _, err := Parse("edge.yaml", []byte("[&a [1], *a, *a]"), Limits{MaxNodes: 9}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := Parse("edge.yaml", []byte("[&a [1], *a, *a]"), Limits{MaxNodes: 8}); err == nil {
		t.Error("over the limit by one: no error")
	}
}

func TestMerges(t *testing.T) {
	src := `a: &a {x: 1, y: 1, n: {deep: a}}
b: &b {y: 2, z: 2}
c:
  <<: [*a, *b]
  x: 3
d:
  x: 4
  <<: *a
e:
  <<: {w: inline}
f: &f
  <<: *a
  y: f
g:
  <<: *f
`
	docs, err := Parse("m.yaml", []byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := docs[0].Object.(map[string]any)
	want := map[string]any{
		"c": map[string]any{"x": int64(3), "y": int64(1), "z": int64(2), "n": map[string]any{"deep": "a"}}, // own key wins, then the first source
		"d": map[string]any{"x": int64(4), "y": int64(1), "n": map[string]any{"deep": "a"}},                // own key wins even before the merge
		"e": map[string]any{"w": "inline"},
		"g": map[string]any{"x": int64(1), "y": "f", "n": map[string]any{"deep": "a"}}, // merges of merges
	}
	for k, v := range want {
		if !reflect.DeepEqual(m[k], v) {
			t.Errorf("%s: %v, want %v", k, m[k], v)
		}
	}
	// The values must be what yaml.v3 itself decodes.
	var ref map[string]any
	if err := yaml.Unmarshal([]byte(src), &ref); err != nil {
		t.Fatal(err)
	}
	if got := normalize(ref); !reflect.DeepEqual(got, docs[0].Object) {
		t.Errorf("yaml.v3: %v\nours:    %v", got, docs[0].Object)
	}
	for path, line := range map[string]int{"c/x": 5, "c/z": 2, "c/y": 1, "d/x": 7, "g/y": 13, "g/x": 1, "g/n/deep": 1, "e/w": 10} {
		var p []any
		for _, s := range strings.Split(path, "/") {
			p = append(p, s)
		}
		if got := docs[0].LineOf(p); got != line {
			t.Errorf("LineOf(%s) = %d, want %d", path, got, line)
		}
	}
}

func TestScalars(t *testing.T) {
	src := `str: abc
quoted: "123"
single: '1.5'
int: 8500
neg: -3
plus: +7
octal: 017
octal12: 0o17
hex: 0x1F
bin: 0b101
underscore: 1_000
big: 9223372036854775807
bigger: 18446744073709551615
huge: 99999999999999999999
float: 1.5
exp: 1e3
dot: .5
inf: .inf
ninf: -.Inf
nan: .NaN
t: true
f: FALSE
yes: yes
on: on
null1: null
null2: ~
null3:
ts: 2024-01-02T03:04:05Z
date: 2024-01-02
binary: !!binary aGVsbG8=
tagged: !!str 12
tfloat: !!float 1
custom: !Ref x
nonspecific: ! 12
block: |
  line
folded: >
  a
  b
merge: <<
`
	docs, err := Parse("s.yaml", []byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"str": "abc", "quoted": "123", "single": "1.5", "int": int64(8500), "neg": int64(-3), "plus": int64(7),
		"octal": int64(15), "octal12": int64(15), "hex": int64(31), "bin": int64(5), "underscore": int64(1000),
		"big": int64(math.MaxInt64), "bigger": float64(math.MaxUint64), "huge": 1e20,
		"float": 1.5, "exp": 1000.0, "dot": 0.5, "inf": ".inf", "ninf": "-.Inf", "nan": ".NaN",
		"t": true, "f": false, "yes": "yes", "on": "on", "null1": nil, "null2": nil, "null3": nil,
		"ts": "2024-01-02T03:04:05Z", "date": "2024-01-02", "binary": "hello", "tagged": "12", "tfloat": 1.0,
		"custom": "x", "nonspecific": int64(12), // yaml.v3 resolves `! 12` as a plain scalar
		"block": "line\n", "folded": "a b\n", "merge": "<<",
	}
	got := docs[0].Object.(map[string]any)
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s: %#v, want %#v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d keys, want %d", len(got), len(want))
	}
}

func TestKeys(t *testing.T) {
	// Keys become strings the way sigs.k8s.io/yaml (kubectl) makes them.
	docs, err := Parse("k.yaml", []byte("1: int\n0x10: hex\n1.50: float\ntrue: bool\n~: nullkey\n\"q\": quoted\n.inf: inf\n2024-01-02: date\n? &k key\n: anchored\nother: {*k : aliased}\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := docs[0].Object.(map[string]any)
	for k, v := range map[string]string{"1": "int", "16": "hex", "1.5": "float", "true": "bool", "null": "nullkey", "q": "quoted", ".inf": "inf", "2024-01-02": "date", "key": "anchored"} {
		if got[k] != v {
			t.Errorf("key %q: %v (keys %v)", k, got[k], reflect.ValueOf(got).MapKeys())
		}
	}
	if got["other"].(map[string]any)["key"] != "aliased" {
		t.Errorf("alias key: %v", got["other"])
	}
	if docs[0].LineOf([]any{"16"}) != 2 || docs[0].LineOf([]any{"true"}) != 4 {
		t.Error("LineOf a converted key")
	}
}

// TestScalarsMatchYAMLv3 checks the fast path against yaml.v3's own decoding of every
// plain scalar form a resolver distinguishes.
func TestScalarsMatchYAMLv3(t *testing.T) {
	for _, v := range []string{"0", "-0", "+0", "00", "007", "08", "09", "1", "-1", "+1", "12345678901234567", "123456789012345678", "1234567890123456789", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"0x0", "0xFF", "-0x1", "0o7", "0b1", "-0b1", "1_0", "_1", "1_", "1__0", "0x_1", "1.", "1.0", ".0", "-.5", "+.5", "1e5", "1E+5", "1e-5", "1.5e3", "1_0.5", "1e400", "0.1", "6.02e23",
		"true", "True", "TRUE", "tRUE", "false", "False", "no", "off", "y", "n", "null", "Null", "NULL", "nULL", "~", "", ".inf", ".Inf", "+.inf", "-.inf", ".nan", ".NAN", "nan", "inf",
		"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-13-14", "1:20", "1:20:30", "<<", "=", "abc", "1.2.3", "0x", "0o", "0b", "+", ".", "1e", "e1"} {
		n := &yaml.Node{}
		if err := yaml.Unmarshal([]byte("v: "+v), n); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		node := n.Content[0].Content[1]
		var ref any
		refErr := node.Decode(&ref)
		got, err := scalarValue(node)
		if (err != nil) != (refErr != nil) {
			t.Errorf("%q: error %v, yaml.v3 %v", v, err, refErr)
			continue
		}
		want := normalizeScalar(ref, node.Value)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q (%s): %#v, yaml.v3 %#v", v, node.Tag, got, want)
		}
	}
}

// normalize turns what yaml.v3 decodes into an interface{} into what Parse promises.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[normalizeKey(k)] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	}
	return normalizeScalar(v, "")
}

func normalizeKey(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case int:
		return strconv.Itoa(k)
	case bool:
		return strconv.FormatBool(k)
	case nil:
		return "null"
	case float64:
		return strconv.FormatFloat(k, 'g', -1, 32)
	}
	return fmt.Sprint(k)
}

// normalizeScalar: text is the scalar's source, for the values JSON cannot hold.
func normalizeScalar(v any, text string) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case uint64:
		return float64(v)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return text
		}
	case time.Time:
		return text
	}
	return v
}

func TestNoStackOverflow(t *testing.T) {
	// Deeper than any limit, in every shape that nests: none may crash the walk.
	for _, data := range []string{
		strings.Repeat("[", 100_000),
		strings.Repeat("{a: ", 100_000),
		strings.Repeat("[", 9_000) + strings.Repeat("]", 9_000),
		strings.Repeat("- ", 9_000) + "x\n",
	} {
		if _, err := Parse("deep.yaml", []byte(data), Limits{MaxDepth: 1 << 30}); err == nil && len(data) > 20_000 {
			t.Errorf("%.10q…: no error", data)
		}
	}
}

// corpus is a realistic manifest file: Deployments, ConfigMaps and CiliumNetworkPolicies.
func corpus(n int) []byte {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&sb, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%d
  namespace: shop
  labels: {app: web, tier: frontend}
  annotations:
    deployment.kubernetes.io/revision: "3"
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80, protocol: TCP}]
        env:
        - {name: MTU, value: "1500"}
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: 80}
          periodSeconds: 10
`, i)
		case 1:
			fmt.Fprintf(&sb, `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cilium-config-%d
  namespace: kube-system
data:
  cluster-name: prod-%d
  cluster-id: "%d"
  routing-mode: tunnel
  tunnel-protocol: vxlan
  mtu: "0"
  enable-ipv4: "true"
  enable-ipv6: "false"
  kube-proxy-replacement: "true"
`, i, i, i%255+1)
		case 2:
			fmt.Fprintf(&sb, `---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: allow-pmtud-%d
  namespace: shop
spec:
  endpointSelector:
    matchLabels: {app: web}
  ingress:
  - fromEntities: [world, cluster]
    icmps:
    - fields:
      - {type: 3, family: IPv4}
      - {type: PacketTooBig, family: IPv6}
  egress:
  - toEndpoints:
    - matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system}
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
`, i)
		}
	}
	return []byte(sb.String())
}

func TestCorpusParses(t *testing.T) {
	docs, err := Parse("corpus.yaml", corpus(50), Limits{})
	if err != nil || len(docs) != 50 {
		t.Fatalf("%v, %d documents", err, len(docs))
	}
	var ref []any
	dec := yaml.NewDecoder(strings.NewReader(string(corpus(50))))
	for {
		var v any
		if dec.Decode(&v) != nil {
			break
		}
		ref = append(ref, normalize(v))
	}
	for i, d := range docs {
		if !reflect.DeepEqual(d.Object, ref[i]) {
			t.Fatalf("document %d differs from yaml.v3's decoding:\n%v\n%v", i, d.Object, ref[i])
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data := corpus(50)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.yaml", data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkYAMLv3Nodes is the floor: yaml.v3 parsing the same file into nodes, nothing else.
func BenchmarkYAMLv3Nodes(b *testing.B) {
	data := corpus(50)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		for {
			var n yaml.Node
			if dec.Decode(&n) != nil {
				break
			}
		}
	}
}

func BenchmarkParseAliasBomb(b *testing.B) {
	data := []byte(bomb())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bomb.yaml", data, Limits{}); err == nil {
			b.Fatal("no error")
		}
	}
}

// BenchmarkScalar compares the fast path with yaml.v3's Node.Decode, which it avoids.
func BenchmarkScalar(b *testing.B) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "8500"}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = scalarValue(n)
		}
	})
	b.Run("Node.Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			_ = n.Decode(&v)
		}
	})
}

// seeds are the shared corpus under testdata/fuzz/FuzzParse at the repository root (the
// one `make fuzz` uses), besides Go's own testdata/fuzz in this directory.
func seeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "fuzz", "FuzzParse", "*"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{multi, bomb(), "a: &a [1]\nb: *a\n", "apiVersion: v1\nkind: List\nitems: [null, {}]\n", "<<: [1]\n", "? [a]\n: b\n",
		"a: &a {<<: *a}\n", "x: !!binary aGk=\ny: !!float 1\n", "a: 017\nb: 0x1F\n1.0: c\n", "{\"a\": [1, 2.5, \"x\", null, true]}\n", "a: |\n  b: 1\n"} {
		f.Add([]byte(seed))
	}
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Parse("fuzz.yaml", data, Limits{MaxNodes: 10_000, MaxDepth: 200})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "fuzz.yaml" || e.Line < 0 || strings.Contains(e.Msg, internalError) {
				t.Fatalf("%v (%T)", err, err)
			}
			return
		}
		for _, d := range docs {
			if d.Object == nil || d.Line < 1 || d.Node() == nil {
				t.Fatalf("document %+v", d)
			}
			for _, p := range [][]any{nil, {"spec", 0, "x"}, {"items", 1}, {"a", "b"}, {0}} {
				if d.LineOf(p) < 1 {
					t.Fatalf("LineOf(%v) below 1", p)
				}
			}
		}
		compareWithYAMLv3(t, data, docs)
	})
}

// compareWithYAMLv3: when yaml.v3 decodes the same bytes without error, the values must
// agree, bar what Parse does differently on purpose (List expansion, JSON-less values).
func compareWithYAMLv3(t *testing.T, data []byte, docs []*Document) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var ref []any
	for {
		var v any
		err := dec.Decode(&v)
		if err != nil {
			if err.Error() != "EOF" {
				return
			}
			break
		}
		if v != nil {
			ref = append(ref, v)
		}
	}
	if len(ref) != len(docs) {
		return // a document yaml.v3 decodes as null
	}
	for _, d := range docs {
		if d.item >= 0 {
			return // a List expanded
		}
	}
	for i, d := range docs {
		if !comparable(ref[i]) {
			continue
		}
		if want := normalize(ref[i]); !reflect.DeepEqual(d.Object, want) {
			t.Fatalf("document %d: %#v\nyaml.v3: %#v", i, d.Object, want)
		}
	}
}

// comparable is false for values normalize cannot rebuild from yaml.v3's decoding:
// infinities and timestamps (Parse keeps their text) and keys that are not plain.
func comparable(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			if !comparable(e) {
				return false
			}
		}
	case map[any]any:
		for k, e := range v {
			switch k.(type) {
			case string, int, bool, nil:
			default:
				return false
			}
			if !comparable(e) {
				return false
			}
		}
	case []any:
		for _, e := range v {
			if !comparable(e) {
				return false
			}
		}
	case float64:
		return !math.IsInf(v, 0) && !math.IsNaN(v)
	case time.Time:
		return false
	}
	return true
}

func TestLineOfInsideBlockString(t *testing.T) {
	src := `apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  source:
    chart: cilium
    helm:
      values: |
        cluster:
          name: prod
          id: 1
        MTU: 9001
`
	docs, err := Parse("app.yaml", []byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	base := []any{"spec", "source", "helm", "values"}
	for path, want := range map[string]int{"MTU": 11, "cluster/id": 10, "missing": 8} {
		p := append([]any{}, base...)
		for _, s := range strings.Split(path, "/") {
			p = append(p, s)
		}
		if got := docs[0].LineOf(p); got != want {
			t.Errorf("%s: line %d, want %d", path, got, want)
		}
	}
}

// Node trees kept from Parse answer LineOf; RetainNodes drops the others', and ReleaseNodes
// all of them, after which LineOf parses the file again.
func TestRetainAndReleaseNodes(t *testing.T) {
	data := []byte("a: 1\n---\nb:\n  c: 2\n---\nd:\n  e: 3\n")
	docs, err := Parse("f.yaml", data, Limits{})
	if err != nil || len(docs) != 3 {
		t.Fatalf("%d docs, %v", len(docs), err)
	}
	RetainNodes(docs, docs[1:2])
	if got := docs[1].LineOf([]any{"b", "c"}); got != 4 {
		t.Errorf("kept document: line %d, want 4", got)
	}
	if got := docs[2].LineOf([]any{"d", "e"}); got != docs[2].Line {
		t.Errorf("dropped document: line %d, want its own line %d", got, docs[2].Line)
	}
	docs[1].ReleaseNodes()
	if got := docs[2].LineOf([]any{"d", "e"}); got != 7 {
		t.Errorf("after ReleaseNodes: line %d, want 7 (parsed again)", got)
	}
}

// A view of part of a document (an Application an ApplicationSet's template renders)
// finds its paths under the first prefix that holds them, else under the last; a
// template string that is YAML only once rendered still has its lines.
func TestWithin(t *testing.T) {
	src := `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
spec:
  generators:
  - list:
      elements: []
      template:
        spec:
          source:
            helm:
              valuesObject:
                MTU: 9001
  template:
    metadata:
      name: 'cilium-{{cluster}}'
    spec:
      source:
        chart: cilium
        helm:
          values: |
            cluster:
              name: {{cluster}}
              id: {{id}}
            MTU: 8500
`
	docs, err := Parse("appset.yaml", []byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	view := docs[0].Within(map[string]any{"kind": "Application"},
		[]any{"spec", "generators", 0, "list", "template"}, []any{"spec", "template"})
	for _, c := range []struct {
		path []any
		want int
	}{
		{[]any{"spec", "source", "helm", "valuesObject", "MTU"}, 12}, // the generator's own template
		{[]any{"metadata", "name"}, 15},                              // spec.template
		{[]any{"spec", "source", "helm", "values", "cluster", "id"}, 23},
		{[]any{"spec", "source", "helm", "values", "MTU"}, 24},
		{[]any{"spec", "destination"}, 16}, // nearest parent under spec.template
		{nil, 7},                           // the first prefix
	} {
		if got := view.LineOf(c.path); got != c.want {
			t.Errorf("%v: line %d, want %d", c.path, got, c.want)
		}
	}
	if view.Line != docs[0].Line || view.File != "appset.yaml" {
		t.Errorf("a view keeps its document's file and line: %s:%d", view.File, view.Line)
	}
}
