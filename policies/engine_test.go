package policies

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestBudgetConstants pins the overheads to Cilium's pkg/mtu/mtu.go (v1.20.2).
func TestBudgetConstants(t *testing.T) {
	e := newTestEngine(t)
	for _, tc := range []struct {
		routing, underlay, encryption string
		overhead                      int
	}{
		{"tunnel", "ipv4", "none", 50}, // TunnelOverheadIPv4
		{"tunnel", "ipv6", "none", 70}, // TunnelOverheadIPv6
		{"tunnel", "ipv4", "wireguard", 50 + 95},
		{"tunnel", "ipv6", "wireguard", 70 + 95},
		{"tunnel", "ipv4", "ipsec", 50 + 77},
		{"tunnel", "ipv6", "ipsec", 70 + 77},
		{"native", "ipv4", "none", 0},
		{"native", "ipv4", "wireguard", 95}, // WireguardOverhead
		{"native", "ipv6", "ipsec", 77},     // EncryptionIPsecOverhead
	} {
		b, err := e.Budget(context.Background(), BudgetQuery{BaseMTU: 9001, RoutingMode: tc.routing, Underlay: tc.underlay, Encryption: tc.encryption, PathMTU: 8500})
		if err != nil {
			t.Fatal(err)
		}
		if b.Overhead != tc.overhead || b.PodMTU != 9001-tc.overhead || b.SafePodMTU != 8500-tc.overhead || b.SafeMTU != 8500 || b.Fits {
			t.Errorf("%+v: %+v", tc, b)
		}
	}
	b, err := e.Budget(context.Background(), BudgetQuery{BaseMTU: 9001, RoutingMode: "tunnel", Underlay: "ipv4", Encryption: "none", PathMTU: 8500})
	if err != nil || b.PodMTU != 8951 || b.SafePodMTU != 8450 || b.SafeMSS != 8410 {
		t.Errorf("the Transit Gateway case: %+v %v", b, err)
	}
	// Native routing keeps the tunnel overhead with an egress gateway (pkg/egressgateway/cell.go),
	// and with Cilium 1.16/1.17's high-scale ipcache the Geneve DSR option too.
	for _, tc := range []struct {
		q            BudgetQuery
		tunnel, dsr  int
		pod, safePod int
	}{
		{BudgetQuery{EgressGateway: true}, 50, 0, 8951, 8450},
		{BudgetQuery{EgressGateway: true, Underlay: "ipv6"}, 50, 0, 8951, 8450},
		{BudgetQuery{HighScaleIPcache: true}, 50, 12, 8939, 8438},
		{BudgetQuery{HighScaleIPcache: true, Encryption: "wireguard"}, 50, 0, 8856, 8355},
	} {
		q := tc.q
		q.BaseMTU, q.RoutingMode, q.PathMTU = 9001, "native", 8500
		if q.Underlay == "" {
			q.Underlay = "ipv4"
		}
		if q.Encryption == "" {
			q.Encryption = "none"
		}
		b, err := e.Budget(context.Background(), q)
		if err != nil || b.TunnelOverhead != tc.tunnel || b.DSROverhead != tc.dsr || b.PodMTU != tc.pod || b.SafePodMTU != tc.safePod {
			t.Errorf("%+v: %+v %v", q, b, err)
		}
	}
	// A non-default IPsec key adds its extra length (pkg/mtu: + authKeySize - 16).
	b, _ = e.Budget(context.Background(), BudgetQuery{BaseMTU: 1500, RoutingMode: "native", Underlay: "ipv4", Encryption: "ipsec", IPsecKeyLength: 32})
	if b.Overhead != 77+16 {
		t.Errorf("ipsec key 32: overhead %d", b.Overhead)
	}
}

// TestEvalConcurrent shows one Engine serves many goroutines (the webhook's case).
func TestEvalConcurrent(t *testing.T) {
	e := newTestEngine(t)
	in := Input{
		Config: Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}},
		Objects: []Object{{ID: 0, Cluster: "a", Kind: KindCiliumConfig, Object: map[string]any{},
			Cilium: &CiliumValues{Form: "configmap", At: []any{"data"}, Values: map[string]any{"cluster-id": "1", "cluster-name": "a"}}}},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.Eval(context.Background(), in)
			if err == nil && (len(res.Findings) != 1 || res.Findings[0].Rule != "MTU001" || res.Findings[0].Severity != "error") {
				err = fmt.Errorf("findings %+v", res.Findings)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Network builtins are compiled out: a policy cannot reach the network.
func TestNetworkBuiltinsDisabled(t *testing.T) {
	m := mustParse(t, "package x\n\ny := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1\"})\n")
	if _, err := Compile(map[string]*astModule{"x.rego": m}); err == nil {
		t.Fatal("http.send compiled")
	}
}

// BenchmarkEval measures one evaluation per object (the webhook's shape) and per batch of
// objects (the linter's).
func BenchmarkEval(b *testing.B) {
	e := newTestEngine(b)
	cfg := Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}
	objects := func(n int) []Object {
		out := []Object{{ID: 0, Cluster: "a", Kind: KindCiliumConfig, Object: map[string]any{},
			Cilium: &CiliumValues{Form: "configmap", At: []any{"data"}, Values: map[string]any{"cluster-id": "1", "cluster-name": "a"}}}}
		for i := 1; i < n; i++ {
			out = append(out, Object{ID: i, Cluster: "a", Kind: KindCiliumNetworkPolicy, Object: map[string]any{
				"metadata": map[string]any{"name": fmt.Sprint("p", i), "namespace": "x"},
				"spec": map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": fmt.Sprint(i)}},
					"ingress": []any{map[string]any{"fromEndpoints": []any{map[string]any{}}}}}}})
		}
		return out
	}
	for _, n := range []int{1, 100, 1000} {
		in := Input{Config: cfg, Objects: objects(n)}
		b.Run(fmt.Sprintf("batch-%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Eval(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/object")
		})
	}
}
