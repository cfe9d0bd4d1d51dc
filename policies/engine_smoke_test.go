package policies

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	e, err := NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rules", len(Catalogue()))
	res, err := e.Eval(context.Background(), Input{
		Config: Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}},
		Objects: []Object{{ID: 0, Cluster: "a", Kind: "CiliumConfig", Object: map[string]any{},
			Cilium: &CiliumValues{Form: "configmap", At: []any{"data"}, Values: map[string]any{"cluster-id": "1", "cluster-name": "a"}}},
			{ID: 1, Cluster: "b", Kind: "CiliumConfig", Object: map[string]any{},
			Cilium: &CiliumValues{Form: "helm", At: []any{}, Values: map[string]any{"cluster": map[string]any{"id": 1, "name":"b"}, "MTU": "abc"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		t.Logf("%+v", f)
	}
	t.Logf("%+v", res.Problems)
	b, err := e.Budget(context.Background(), BudgetQuery{BaseMTU: 9001, RoutingMode: "tunnel", Underlay: "ipv4", Encryption: "none", PathMTU: 8500})
	t.Logf("%+v %v", b, err)
}
