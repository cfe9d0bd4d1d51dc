package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/mtuguard/mtuguard/policies"
)

type staticInventory struct {
	objs []map[string]any
	err  error
	hook func()
}

func (s *staticInventory) Objects(ctx context.Context) ([]Stored, error) {
	if s.hook != nil {
		s.hook()
	}
	if s.err != nil {
		return nil, s.err
	}
	return NewStaticInventory(s.objs).Objects(ctx)
}

func newHandler(t testing.TB, inv Inventory, cfg policies.Config) *Handler {
	t.Helper()
	e, err := policies.NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &Handler{Engine: e, Config: staticConfig(cfg), Inventory: inv, Timeout: 2 * time.Second, Log: logr.Discard(), Metrics: NewMetrics(prometheus.NewRegistry())}
}

// staticConfig is a store that never reloads.
func staticConfig(cfg policies.Config) *ConfigStore {
	s := &ConfigStore{reloaded: make(chan error, 1)}
	s.current.Store(&cfg)
	return s
}

func request(op admissionv1.Operation, obj map[string]any) admission.Request {
	raw, _ := json.Marshal(obj)
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{Operation: op, Object: runtime.RawExtension{Raw: raw}}}
}

func ciliumConfig(data map[string]any) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cilium-config", "namespace": "kube-system"}, "data": data}
}

var tgw = policies.Config{Mesh: policies.MeshConfig{Links: []string{"aws-transit-gateway"}}}

func TestHandlerVerdicts(t *testing.T) {
	h := newHandler(t, &staticInventory{}, tgw)
	ctx := context.Background()
	member := map[string]any{"cluster-name": "a", "cluster-id": "1"}

	resp := h.Handle(ctx, request(admissionv1.Create, ciliumConfig(member)))
	if resp.Allowed || !strings.Contains(resp.Result.Message, "MTU001") || !strings.Contains(resp.Result.Message, "Fix:") {
		t.Errorf("unclamped member: %+v", resp.Result)
	}
	clamped := map[string]any{"cluster-name": "a", "cluster-id": "1", "mtu": "8500"}
	if resp := h.Handle(ctx, request(admissionv1.Update, ciliumConfig(clamped))); !resp.Allowed {
		t.Errorf("clamped: %+v", resp.Result)
	}
	if resp := h.Handle(ctx, request(admissionv1.Delete, nil)); !resp.Allowed {
		t.Error("DELETE must be allowed")
	}
	bad := map[string]any{"cluster-name": "a", "mtu": "abc"}
	if resp := h.Handle(ctx, request(admissionv1.Create, ciliumConfig(bad))); resp.Allowed || !strings.Contains(resp.Result.Message, `"abc" is not a whole number`) {
		t.Errorf("unreadable setting: %+v", resp.Result)
	}
	typed := ciliumConfig(map[string]any{"mtu": 9001})
	if resp := h.Handle(ctx, request(admissionv1.Create, typed)); resp.Allowed || !strings.Contains(resp.Result.Message, "must be strings") {
		t.Errorf("non-string data: %+v", resp.Result)
	}
	other := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "x"}}
	if resp := h.Handle(ctx, request(admissionv1.Create, other)); !resp.Allowed {
		t.Error("an unrelated kind must be allowed")
	}
	malformed := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: []byte("{not json")}}}
	if resp := h.Handle(ctx, malformed); resp.Allowed || resp.Result.Code != 400 {
		t.Errorf("malformed object: %+v", resp.Result)
	}
}

func TestHandlerWarningsAndSuppression(t *testing.T) {
	h := newHandler(t, &staticInventory{}, policies.Config{}) // no path declared: MTU006 warns
	member := ciliumConfig(map[string]any{"cluster-name": "a", "cluster-id": "1"})
	resp := h.Handle(context.Background(), request(admissionv1.Create, member))
	if !resp.Allowed || len(resp.Warnings) != 1 || !strings.HasPrefix(resp.Warnings[0], "MTU006:") || len(resp.Warnings[0]) > maxWarning+2 {
		t.Errorf("warning: %+v %q", resp.Result, resp.Warnings)
	}
	h.Config = staticConfig(tgw)
	member["metadata"].(map[string]any)["annotations"] = map[string]any{policies.AnnotationIgnore: "MTU001", policies.AnnotationIgnoreReason: "migrating"}
	resp = h.Handle(context.Background(), request(admissionv1.Create, member))
	if !resp.Allowed || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "MTU001 suppressed") || !strings.Contains(resp.Warnings[0], "migrating") {
		t.Errorf("suppressed: %+v %q", resp.Result, resp.Warnings)
	}
}

// The admitted object replaces its stored version, and the rest of the cluster is context.
func TestHandlerUsesClusterContext(t *testing.T) {
	stored := ciliumConfig(map[string]any{"cluster-name": "a", "allow-icmp-frag-needed": "false"})
	h := newHandler(t, &staticInventory{objs: []map[string]any{stored}}, tgw)
	policy := map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": map[string]any{"name": "p", "namespace": "x"},
		"spec": map[string]any{"endpointSelector": map[string]any{}, "ingressDeny": []any{map[string]any{"fromEntities": []any{"world"},
			"icmps": []any{map[string]any{"fields": []any{map[string]any{"type": 3}}}}}}}}
	resp := h.Handle(context.Background(), request(admissionv1.Create, policy))
	if resp.Allowed || !strings.Contains(resp.Result.Message, "live: allow-icmp-frag-needed is false") {
		t.Errorf("want the cluster's config to make the IPv4 deny live: %+v", resp.Result)
	}
	// Updating the config itself: the stored copy must not be judged alongside.
	updated := ciliumConfig(map[string]any{"cluster-name": "a"})
	if resp := h.Handle(context.Background(), request(admissionv1.Update, updated)); !resp.Allowed {
		t.Errorf("update: %+v", resp.Result)
	}
}

// versionedInventory serves one object whose version changes with its content, as the
// informer cache does.
type versionedInventory struct{ stored Stored }

func (v *versionedInventory) Objects(context.Context) ([]Stored, error) {
	return []Stored{v.stored}, nil
}

// fragNeededDenied is a cluster whose Cilium config (version uid/1) turns
// allow-icmp-frag-needed off, and a policy denying fragmentation-needed from world: live
// there, latent under another config.
func fragNeededDenied() (*versionedInventory, map[string]any) {
	inv := &versionedInventory{Stored{Version: "uid/1", Object: ciliumConfig(map[string]any{"cluster-name": "a", "allow-icmp-frag-needed": "false"})}}
	policy := map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": map[string]any{"name": "p", "namespace": "x"},
		"spec": map[string]any{"endpointSelector": map[string]any{}, "ingressDeny": []any{map[string]any{"fromEntities": []any{"world"},
			"icmps": []any{map[string]any{"fields": []any{map[string]any{"type": 3}}}}}}}}
	return inv, policy
}

// What the handler prepared from a stored version is reused only while that version is
// stored: a new version of the Cilium config changes the next verdict.
func TestHandlerFollowsNewVersions(t *testing.T) {
	inv, policy := fragNeededDenied()
	h := newHandler(t, inv, tgw)
	for range 2 { // the second request reads what the first prepared
		if resp := h.Handle(context.Background(), request(admissionv1.Create, policy)); resp.Allowed || !strings.Contains(resp.Result.Message, "live: allow-icmp-frag-needed is false") {
			t.Fatalf("version 1: want the IPv4 deny live: %+v", resp.Result)
		}
	}
	inv.stored = Stored{Version: "uid/2", Object: ciliumConfig(map[string]any{"cluster-name": "a", "enable-ipv6": "false"})}
	if resp := h.Handle(context.Background(), request(admissionv1.Create, policy)); resp.Allowed || !strings.Contains(resp.Result.Message, "latent for fragmentation-needed") {
		t.Errorf("version 2: want the IPv4 deny latent: %+v", resp.Result)
	}
}

// countedInventory is a Generational versionedInventory that counts its listings.
type countedInventory struct {
	versionedInventory
	generation, listings int
}

func (c *countedInventory) Objects(ctx context.Context) ([]Stored, error) {
	c.listings++
	return c.versionedInventory.Objects(ctx)
}

func (c *countedInventory) Generation() uint64 { return uint64(c.generation) }

// An inventory that counts its changes is listed again only after one, and what the
// listing holds then decides the verdicts.
func TestHandlerListsAfterChangesOnly(t *testing.T) {
	frag, policy := fragNeededDenied()
	inv := &countedInventory{versionedInventory: *frag}
	h := newHandler(t, inv, tgw)
	admit := func(name string) admission.Response {
		policy["metadata"] = map[string]any{"name": name, "namespace": "x"} // new bytes: evaluated, not reused
		return h.Handle(context.Background(), request(admissionv1.Create, policy))
	}
	for _, name := range []string{"a", "b"} {
		if resp := admit(name); resp.Allowed || !strings.Contains(resp.Result.Message, "live: allow-icmp-frag-needed is false") {
			t.Fatalf("policy %s: want the IPv4 deny live: %+v", name, resp.Result)
		}
	}
	if inv.listings != 1 || h.Metrics.Reused() != 0 {
		t.Errorf("two policies at one generation: %d listings, %v reused; want 1 and 0", inv.listings, h.Metrics.Reused())
	}
	inv.stored = Stored{Version: "uid/2", Object: ciliumConfig(map[string]any{"cluster-name": "a", "enable-ipv6": "false"})}
	inv.generation++
	if resp := admit("c"); resp.Allowed || !strings.Contains(resp.Result.Message, "latent for fragmentation-needed") || inv.listings != 2 {
		t.Errorf("after a change: %d listings (want 2), %+v", inv.listings, resp.Result)
	}
	// A Cilium config admission lists for its own kind once, then reuses that too.
	for range 2 {
		h.Handle(context.Background(), request(admissionv1.Create, ciliumConfig(map[string]any{"cluster-name": "b"})))
	}
	if inv.listings != 3 {
		t.Errorf("config admissions: %d listings, want 3", inv.listings)
	}
}

// A verdict is reused only for the same object bytes, config and context versions.
func TestHandlerReusesVerdicts(t *testing.T) {
	inv, policy := fragNeededDenied()
	h := newHandler(t, inv, tgw)
	admit := func() admission.Response { return h.Handle(context.Background(), request(admissionv1.Create, policy)) }
	first := admit()
	if again := admit(); h.Metrics.Reused() != 1 || again.Result.Message != first.Result.Message || again.Allowed {
		t.Fatalf("the same object again: reused %v, %+v", h.Metrics.Reused(), again.Result)
	}
	h.Config = staticConfig(policies.Config{Rules: map[string]string{"ICMP001": "warning"}})
	if resp := admit(); !resp.Allowed || h.Metrics.Reused() != 1 {
		t.Errorf("another config: reused %v, %+v", h.Metrics.Reused(), resp.Result)
	}
	policy["spec"].(map[string]any)["ingressDeny"] = []any{}
	if resp := admit(); !resp.Allowed || h.Metrics.Reused() != 1 {
		t.Errorf("another object: reused %v, %+v", h.Metrics.Reused(), resp.Result)
	}
	inv.stored.Version = ""
	admit()
	if admit(); h.Metrics.Reused() != 1 {
		t.Errorf("a context object without a version must not be cached: reused %v", h.Metrics.Reused())
	}
}

func TestHandlerFailures(t *testing.T) {
	member := ciliumConfig(map[string]any{"cluster-name": "a", "cluster-id": "1"})
	t.Run("inventory error fails open with a warning", func(t *testing.T) {
		h := newHandler(t, &staticInventory{err: errors.New("cache gone")}, tgw)
		resp := h.Handle(context.Background(), request(admissionv1.Create, member))
		if !resp.Allowed || !strings.Contains(strings.Join(resp.Warnings, ""), "cache gone") {
			t.Errorf("%+v %q", resp.Result, resp.Warnings)
		}
	})
	t.Run("a panic is recovered and answered", func(t *testing.T) {
		h := newHandler(t, &staticInventory{hook: func() { panic("boom") }}, tgw)
		resp := h.Handle(context.Background(), request(admissionv1.Create, member))
		if !resp.Allowed || !strings.Contains(strings.Join(resp.Warnings, ""), "boom") || h.Metrics.Outcomes("panic") != 1 {
			t.Errorf("%+v %q", resp.Result, resp.Warnings)
		}
	})
	t.Run("the evaluation deadline", func(t *testing.T) {
		for _, deny := range []bool{false, true} {
			h := newHandler(t, &staticInventory{}, tgw)
			h.Timeout = time.Nanosecond
			h.DenyOnTimeout = deny
			resp := h.Handle(context.Background(), request(admissionv1.Create, member))
			msg := resp.Result.Message + strings.Join(resp.Warnings, "")
			if resp.Allowed == deny || !strings.Contains(msg, "longer than") || h.Metrics.Outcomes("timeout") != 1 {
				t.Errorf("deny=%v: %+v %q", deny, resp.Result, resp.Warnings)
			}
		}
	})
}

// BenchmarkHandler admits a policy into clusters of 200 and 5,000 policies, through the
// inventory the standalone webhook uses (it counts changes, so the cluster is walked once).
func BenchmarkHandler(b *testing.B) {
	for _, size := range []int{200, 5000} {
		objs := []map[string]any{ciliumConfig(map[string]any{"cluster-name": "a", "cluster-id": "1", "mtu": "8500"})}
		for i := range size {
			objs = append(objs, map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
				"metadata": map[string]any{"name": fmt.Sprintf("p%d", i), "namespace": fmt.Sprintf("ns%d", i%40)},
				"spec": map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": "x"}},
					"ingress": []any{map[string]any{"fromEndpoints": []any{map[string]any{}}}}}})
			if i < 40 {
				objs[len(objs)-1]["spec"].(map[string]any)["endpointSelector"] = map[string]any{}
			}
		}
		h := newHandler(b, NewStaticInventory(objs), tgw)
		b.Run(fmt.Sprintf("policies-%d/repeated", size), func(b *testing.B) { // the verdict is reused
			req := request(admissionv1.Create, objs[5])
			b.ReportAllocs()
			for b.Loop() {
				h.Handle(context.Background(), req)
			}
		})
		// Every request evaluated: each names another policy, counted across runs.
		names := 0
		b.Run(fmt.Sprintf("policies-%d/distinct", size), func(b *testing.B) {
			reused := h.Metrics.Reused()
			b.ReportAllocs()
			for b.Loop() {
				names++
				obj := maps.Clone(objs[5])
				obj["metadata"] = map[string]any{"name": fmt.Sprintf("new-%d", names), "namespace": "ns"}
				h.Handle(context.Background(), request(admissionv1.Create, obj))
			}
			if h.Metrics.Reused() != reused {
				b.Fatal("distinct requests were answered from the cache")
			}
		})
	}
}
