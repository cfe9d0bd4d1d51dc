package yamldoc

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func benchData() []byte {
	var sb strings.Builder
	for i := 0; i < 50; i++ {
		sb.WriteString("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n        env:\n        - {name: A, value: \"1\"}\n")
	}
	return []byte(sb.String())
}

func BenchmarkScratchNodeOnly(b *testing.B) {
	data := benchData()
	b.ReportAllocs()
	for b.Loop() {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var n yaml.Node
			if err := dec.Decode(&n); err != nil {
				break
			}
		}
	}
}

func BenchmarkScratchDecodeScalar(b *testing.B) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "8500"}
	b.ReportAllocs()
	for b.Loop() {
		var v any
		_ = n.Decode(&v)
	}
}
func BenchmarkScratchCustomScalar(b *testing.B) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "8500"}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = scalar(n)
	}
}

func TestScratchBomb(t *testing.T) {
	bomb := "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	_, err := Parse("b", []byte(bomb), Limits{})
	runtime.ReadMemStats(&m1)
	t.Log(time.Since(start), err, (m1.TotalAlloc-m0.TotalAlloc)>>20, "MiB")
	for _, s := range []string{strings.Repeat("[", 100000), strings.Repeat("- ", 20000) + "x", "a: \x01\n", "a: b\n\x7f\n", "a:\n  b: c\n d: e\n", "a: 'x\n", "\xef\xbb\xbfa: 1\n", "a: 017\nb: !!bool yes\n", "t: 2020-01-01\n"} {
		start := time.Now()
		d, err := Parse("d", []byte(s), Limits{})
		if len(s) > 40 {
			s = s[:40]
		}
		t.Logf("%q %v %v", s, time.Since(start), err)
		for _, x := range d {
			t.Logf("%#v", x.Object)
		}
		var v any
		err = yaml.Unmarshal([]byte(s), &v)
		t.Logf("yaml.v3: %#v %v", v, err)
	}
}
