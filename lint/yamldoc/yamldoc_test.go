package yamldoc

import (
	"errors"

	"github.com/mtuguard/mtuguard/policies/upstream"
	"strings"
	"testing"
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
	for _, tc := range []struct {
		doc  int
		path []any
		line int
	}{
		{0, nil, 2},
		{0, []any{"data", "mtu"}, 7},                // the key's line
		{0, []any{"data", "missing"}, 6},            // nearest parent
		{0, []any{"data", "list", 1}, 8},            // flow list item
		{0, []any{"metadata", "name", "deeper"}, 5}, // path through a scalar
		{1, []any{"spec", "ingress", 0, "icmps", 0, "fields", 0, "type"}, 15},
		{2, []any{"override", "MTU"}, 18}, // through a << merge, to the anchor's key
		{2, []any{"override", "cluster", "name"}, 24},
		{2, []any{"items", 1, "two"}, 27},
		{2, []any{"items", 5}, 25},
	} {
		if got := docs[tc.doc].LineOf(tc.path); got != tc.line {
			t.Errorf("doc %d %v: line %d, want %d", tc.doc, tc.path, got, tc.line)
		}
	}
	m := docs[2].Object.(map[string]any)["override"].(map[string]any)
	if m["MTU"] != int64(8500) || m["cluster"].(map[string]any)["name"] != "b" {
		t.Errorf("merge: %v", m)
	}
	if docs[0].Object.(map[string]any)["data"].(map[string]any)["mtu"] != "9001" {
		t.Error("a quoted number must stay a string")
	}
}

func TestListExpansion(t *testing.T) {
	docs, err := Parse("l.yaml", []byte("apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n  data:\n    a: b\n- kind: Secret\n"), Limits{})
	if err != nil || len(docs) != 2 {
		t.Fatalf("%v %d", err, len(docs))
	}
	if docs[0].Line != 4 || docs[0].LineOf([]any{"data", "a"}) != 6 || docs[1].Line != 7 {
		t.Errorf("lines %d %d %d", docs[0].Line, docs[0].LineOf([]any{"data", "a"}), docs[1].Line)
	}
}

func TestParseErrors(t *testing.T) {
	bomb := "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
	for _, tc := range []struct {
		name, data, want string
		line             int
	}{
		{"malformed", "a: 1\nb: [1, 2\n", "invalid YAML", 0},
		{"bad indentation", "a:\n  b: 1\n c: 2\n", "invalid YAML", 2},
		{"duplicate key", "data:\n  mtu: \"1\"\n  mtu: \"2\"\n", `duplicate key "mtu" (first at line 2)`, 3},
		{"alias bomb", bomb, "alias bomb", 0},
		{"binary", "a: 1\n\x00\x01", "binary file", 2},
		{"invalid utf-8", "a: 1\nb: \xff\xfe\n", "not valid UTF-8", 2},
		{"too deep", strings.Repeat("[", 2000) + strings.Repeat("]", 2000), "", 0},
		{"too big", strings.Repeat("a: b\n", 100), "over the 64-byte limit", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.data), Limits{MaxFileBytes: map[bool]int64{true: 64}[tc.name == "too big"]})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if e.File != "x.yaml" || !strings.Contains(e.Msg, tc.want) || (tc.line > 0 && e.Line != tc.line) {
				t.Errorf("got %q (line %d), want %q at line %d", e.Error(), e.Line, tc.want, tc.line)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 50; i++ {
		sb.WriteString("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n        env:\n        - {name: A, value: \"1\"}\n")
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.yaml", data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{multi, "a: &a [1]\nb: *a\n", "apiVersion: v1\nkind: List\nitems: [null, {}]\n", "<<: [1]\n", "? [a]\n: b\n"} {
		f.Add([]byte(seed))
	}
	for _, seed := range upstream.Seeds("../..", "FuzzParse") {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Parse("fuzz.yaml", data, Limits{MaxNodes: 10000})
		if err != nil {
			return
		}
		for _, d := range docs {
			if d.LineOf([]any{"spec", 0, "x"}) < 1 {
				t.Fatal("LineOf below 1")
			}
		}
	})
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
