package policies

import (
	"context"
	"testing"
)

// A CiliumNodeConfig selecting every node is what every node runs with: explain shows it.
func TestSettingsApplyEveryNodeConfig(t *testing.T) {
	e := newTestEngine(t)
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "cilium-config", "namespace": "kube-system"},
		"data":     map[string]any{"cluster-name": "a", "cluster-id": "1"}}
	cnc := func(ns string) map[string]any {
		return map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNodeConfig",
			"metadata": map[string]any{"name": "mesh-mtu", "namespace": ns},
			"spec":     map[string]any{"nodeSelector": map[string]any{}, "defaults": map[string]any{"mtu": "8500", "tunnel-protocol": "geneve"}}}
	}
	for _, tc := range []struct {
		ns       string
		mtu      int
		protocol string
	}{{"kube-system", 8500, "geneve"}, {"platform", 9001, "vxlan"}} {
		var objects []Object
		for _, obj := range []map[string]any{cm, cnc(tc.ns)} {
			c, err := Classify(obj)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range c.Objects(obj, Source{}, len(objects)) {
				o.Cluster = "a"
				objects = append(objects, o)
			}
		}
		got, err := e.Settings(context.Background(), Input{Config: Config{Nodes: NodesConfig{MTU: 9001}}, Objects: objects})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].BaseMTU != tc.mtu || got[0].TunnelProtocol != tc.protocol {
			t.Errorf("CiliumNodeConfig in %s: got %+v, want base MTU %d over %s", tc.ns, got, tc.mtu, tc.protocol)
		}
	}
}
