package policies

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// fixtureInput reads every manifest under root as one repository, each directory a
// cluster, as the linter groups them.
func fixtureInput(t *testing.T, root string) Input {
	t.Helper()
	in := Input{Config: Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return nil // hostile fixtures: not this test's business
			}
			c, err := Classify(obj)
			if err != nil || c.Kind == "" {
				continue
			}
			for _, o := range c.Objects(obj, Source{File: path}, len(in.Objects)) {
				o.Cluster = filepath.Dir(path)
				in.Objects = append(in.Objects, o)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// The parallel evaluation must judge exactly as one evaluation of the whole repository,
// however finely it splits.
func TestEvalParallelMatchesEval(t *testing.T) {
	e := newTestEngine(t)
	defer func(n int) { partSize = n }(partSize)
	for _, root := range []string{"../testdata/rules", "../testdata/examples"} {
		in := fixtureInput(t, root)
		if len(in.Objects) < 10 {
			t.Fatalf("%s: only %d objects", root, len(in.Objects))
		}
		want, err := e.Eval(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Findings) == 0 {
			t.Fatalf("%s: no findings to compare", root)
		}
		for _, size := range []int{1, 3, 256} {
			partSize = size
			got, err := e.EvalParallel(context.Background(), in, 3)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, parts of %d: parallel evaluation differs\ngot  %+v\nwant %+v", root, size, got, want)
			}
		}
	}
}
