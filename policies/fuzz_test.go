package policies

import (
	"context"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/policies/upstream"
)

// FuzzHelmValues feeds arbitrary values documents to the normalisation and every rule:
// whatever the types, evaluation answers (findings or problems), never an error.
func FuzzHelmValues(f *testing.F) {
	for _, seed := range upstream.Seeds("..", "FuzzHelmValues") {
		f.Add(seed)
	}
	f.Add([]byte("MTU: [1]\ncluster: {id: -3, name: 7}\nipam: {operator: {clusterPoolIPv4PodCIDRList: [1, {a: b}, '10.0.0.0/8']}}\n"))
	e, err := NewEngine(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	cfg := Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var values map[string]any
		if yaml.Unmarshal(data, &values) != nil || values == nil {
			return
		}
		objs := HelmValues(values).Objects(values, Source{}, 0)
		objs = append(objs, Object{ID: 1, Kind: KindCiliumNetworkPolicy, Object: map[string]any{"spec": values}})
		if _, err := e.Eval(context.Background(), Input{Config: cfg, Objects: objs}); err != nil {
			t.Fatalf("evaluation failed on %q: %v", data, err)
		}
	})
}
