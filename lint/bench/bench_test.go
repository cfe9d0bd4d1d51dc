package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mtuguard/mtuguard/policies"
	"github.com/mtuguard/mtuguard/webhook"
)

// TestBenchTable prints the performance table (make bench): lint throughput and memory on
// 1k/10k/100k-object corpora, conftest on the same corpus with the per-document part of
// the same checks, and webhook latency under load next to a no-op webhook's.
func TestBenchTable(t *testing.T) {
	bin, conftest := os.Getenv("MTUGUARD_BIN"), os.Getenv("CONFTEST_BIN")
	if bin == "" || conftest == "" {
		t.Skip("run `make bench` (it builds mtuguard and conftest and sets MTUGUARD_BIN, CONFTEST_BIN)")
	}
	policy, _ := filepath.Abs("../../testdata/bench/policy")
	var rows []string
	rows = append(rows, "| workload | tool | wall | objects/s | peak RSS | result |", "|---|---|---|---|---|---|")
	var mtuguard10k, conftest10k time.Duration
	for _, n := range []int{1000, 10000, 100000} {
		dir := t.TempDir()
		if _, err := Corpus(dir, n, 1); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, ".mtuguard.yaml"), []byte("mesh:\n  links: [aws-transit-gateway]\n"), 0o644)
		wall, rss, out := measure(t, dir, bin, "lint", "--format", "json", ".")
		var rep struct {
			Summary struct{ Errors, Warnings int }
		}
		json.Unmarshal(out, &rep)
		rows = append(rows, fmt.Sprintf("| lint %dk objects | mtuguard | %.2fs | %.0f | %d MiB | %d errors, %d warnings |", n/1000, wall.Seconds(), float64(n)/wall.Seconds(), rss>>20, rep.Summary.Errors, rep.Summary.Warnings))
		if n == 10000 {
			mtuguard10k = wall
			cwall, crss, cout := measure(t, dir, conftest, "test", "--no-color", "--policy", policy, ".")
			summary := lastLine(cout)
			rows = append(rows, fmt.Sprintf("| lint %dk objects | conftest (per-document MTU001+ICMP001) | %.2fs | %.0f | %d MiB | %s |", n/1000, cwall.Seconds(), float64(n)/cwall.Seconds(), crss>>20, summary))
			conftest10k = cwall
		}
	}
	rows = append(rows, fmt.Sprintf("\nmtuguard vs conftest on 10k objects: %.1fx the throughput, with the cross-object rules conftest cannot express.\n", conftest10k.Seconds()/mtuguard10k.Seconds()))
	rows = append(rows, "| webhook | rate | p50 | p99 | p99.9 | errors |", "|---|---|---|---|---|---|")
	for _, rate := range []int{200, 1000, 3000} {
		for _, w := range []struct {
			name    string
			handler admission.Handler
		}{{"mtuguard", mtuguardHandler(t)}, {"no-op floor", admission.HandlerFunc(func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })}} {
			m := attack(t, w.handler, rate, 4*time.Second)
			rows = append(rows, fmt.Sprintf("| %s | %d/s | %s | %s | %s | %.2f%% |", w.name, rate, ms(m.Latencies.P50), ms(m.Latencies.P99), ms(m.Latencies.Quantile(0.999)), 100*(1-m.Success)))
		}
	}
	fmt.Println("\n" + strings.Join(rows, "\n"))
}

func measure(t *testing.T, dir, bin string, args ...string) (time.Duration, int64, []byte) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	start := time.Now()
	cmd.Run() // exit 1 means findings: expected
	wall := time.Since(start)
	rss := int64(0)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10
	}
	return wall, rss, out.Bytes()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// mtuguardHandler serves a cluster with a Cilium config and 50 policies in its cache.
func mtuguardHandler(t *testing.T) admission.Handler {
	e, err := policies.NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	objs := []map[string]any{{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cilium-config", "namespace": "kube-system"},
		"data": map[string]any{"cluster-name": "a", "cluster-id": "1", "mtu": "8500"}}}
	for i := 0; i < 50; i++ {
		objs = append(objs, map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
			"metadata": map[string]any{"name": fmt.Sprint("p", i), "namespace": "ns"},
			"spec": map[string]any{"endpointSelector": map[string]any{"matchLabels": map[string]any{"app": fmt.Sprint("a", i)}},
				"ingress": []any{map[string]any{"fromEndpoints": []any{map[string]any{}}}}}})
	}
	return &webhook.Handler{Engine: e, Config: webhook.StaticConfig(policies.Config{Mesh: policies.MeshConfig{Links: []string{"aws-transit-gateway"}}}),
		Inventory: staticInventory(objs), Timeout: 2 * time.Second, Log: logr.Discard(), Metrics: webhook.NewMetrics(prometheus.NewRegistry())}
}

type staticInventory []map[string]any

func (s staticInventory) Objects(context.Context) ([]map[string]any, error) { return s, nil }

// attack sends AdmissionReviews (a CiliumNetworkPolicy under admission) over loopback TLS.
func attack(t *testing.T, h admission.Handler, rate int, d time.Duration) vegeta.Metrics {
	srv := httptest.NewTLSServer(&crwebhook.Admission{Handler: h})
	defer srv.Close()
	raw, _ := json.Marshal(map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"name": "new", "namespace": "ns"},
		"spec":     map[string]any{"endpointSelector": map[string]any{}, "ingress": []any{map[string]any{"fromEntities": []any{"cluster"}}}}})
	body, _ := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &admissionv1.AdmissionRequest{UID: "u", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
	})
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodPost, URL: srv.URL, Body: body,
		Header: http.Header{"Content-Type": []string{"application/json"}}})
	attacker := vegeta.NewAttacker(vegeta.Client(srv.Client()), vegeta.Timeout(5*time.Second))
	var m vegeta.Metrics
	for res := range attacker.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, d, "bench") {
		m.Add(res)
	}
	m.Close()
	return m
}
