package policies

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// TestNeededForCoversRules: judging an object with only the context NeededFor keeps gives
// the same findings as judging it with the whole cluster.
func TestNeededForCoversRules(t *testing.T) {
	e, err := NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cluster := []map[string]any{
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cilium-config"}, "data": map[string]any{"cluster-name": "a", "cluster-id": "1", "allow-icmp-frag-needed": "false", "enable-host-firewall": "true"}},
		{"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy", "metadata": map[string]any{"name": "blanket"}, "spec": map[string]any{"endpointSelector": map[string]any{}, "ingress": []any{map[string]any{"fromEntities": []any{"world"}, "icmps": []any{map[string]any{"fields": []any{map[string]any{"type": 3}, map[string]any{"type": 2, "family": "IPv6"}}}}}}}},
		{"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy", "metadata": map[string]any{"name": "hosts"}, "spec": map[string]any{"nodeSelector": map[string]any{}, "ingress": []any{map[string]any{"fromEntities": []any{"cluster"}}}}},
		{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": map[string]any{"name": "web", "namespace": "x"}, "spec": map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "web"}}, "ingress": []any{map[string]any{"fromEndpoints": []any{map[string]any{}}}}}},
		{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": map[string]any{"name": "np", "namespace": "x"}, "spec": map[string]any{"podSelector": map[string]any{}, "policyTypes": []any{"Ingress"}}},
		{"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": map[string]any{"name": "nc"}, "spec": map[string]any{"userData": "ip link set dev ens5 mtu 9001\n"}},
		{"apiVersion": "cilium.io/v2", "kind": "CiliumNodeConfig", "metadata": map[string]any{"name": "cnc"}, "spec": map[string]any{"defaults": map[string]any{"routing-mode": "tunnel"}}},
	}
	cfg := Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}
	judge := func(admitted map[string]any, filter bool) []Finding {
		c, err := Classify(admitted)
		if err != nil {
			t.Fatal(err)
		}
		var in Input
		in.Config = cfg
		for _, o := range cluster {
			if fmt.Sprint(o["metadata"]) == fmt.Sprint(admitted["metadata"]) {
				continue
			}
			oc, _ := Classify(o)
			if oc.Kind == "" || (filter && !NeededFor(c.Kind, oc, o)) {
				continue
			}
			in.Objects = append(in.Objects, oc.Objects(o, Source{}, len(in.Objects))...)
		}
		first := len(in.Objects)
		in.Objects = append(in.Objects, c.Objects(admitted, Source{}, first)...)
		for id := first; id < len(in.Objects); id++ {
			in.Focus = append(in.Focus, id)
		}
		res, err := e.Eval(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Findings {
			res.Findings[i].Object = 0 // ids differ between the two inputs
		}
		return res.Findings
	}
	for _, admitted := range cluster {
		all, needed := judge(admitted, false), judge(admitted, true)
		if !reflect.DeepEqual(all, needed) {
			t.Errorf("%v: with the whole cluster %+v\nwith NeededFor's context %+v", admitted["metadata"], all, needed)
		}
	}
}
