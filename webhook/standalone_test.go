package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"
)

// ServeStandalone answers over TLS with manifests as the cluster context, and stops
// cleanly when its context ends.
func TestServeStandalone(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	p.writeServing(t, dir, 2)
	port, probe := freePort(t), freePort(t)
	inv := NewStaticInventory([]map[string]any{ciliumConfig(map[string]any{"cluster-name": "a", "cluster-id": "1", "enable-ipv6": "true"})})
	opts := Options{Host: "127.0.0.1", Port: port, CertDir: dir, MetricsAddr: "0", ProbeAddr: fmt.Sprintf("127.0.0.1:%d", probe),
		EvalTimeout: 2 * time.Second, Metrics: NewMetrics(prometheus.NewRegistry())}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeStandalone(ctx, opts, inv, logr.Discard()) }()
	waitFor(t, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", probe))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	deny := map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": map[string]any{"name": "no-ptb", "namespace": "x"},
		"spec": map[string]any{"endpointSelector": map[string]any{}, "ingressDeny": []any{map[string]any{"fromEntities": []any{"world"},
			"icmps": []any{map[string]any{"fields": []any{map[string]any{"type": "PacketTooBig", "family": "IPv6"}}}}}}}}
	resp, err := tlsClient(p, nil).Post(fmt.Sprintf("https://127.0.0.1:%d%s", port, Path), "application/json", bytes.NewReader(review(deny)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Response == nil {
		t.Fatalf("no AdmissionReview back: %v", err)
	}
	if out.Response.Allowed || !strings.Contains(out.Response.Result.Message, "ICMP001") {
		t.Errorf("want ICMP001 denial, got %+v", out.Response.Result)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop")
	}
}

func TestServeStandaloneRefusesSelfSignedCerts(t *testing.T) {
	err := ServeStandalone(context.Background(), Options{SelfSignedCerts: true}, NewStaticInventory(nil), logr.Discard())
	if err == nil || !strings.Contains(err.Error(), "API server") {
		t.Errorf("got %v", err)
	}
}
