package bench

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/yaml"

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
	tlsDir, pool := servingCert(t)
	mtuguardURL := startWebhook(t, bin, tlsDir)
	floorURL := startFloor(t, tlsDir)
	var errs []string
	for _, rate := range []int{200, 1000, 3000} {
		for _, w := range []struct {
			name, url string
			distinct  bool
		}{
			{"no-op floor", floorURL, false},
			{"mtuguard webhook, the same object", mtuguardURL, false},
			{"mtuguard webhook, distinct objects", mtuguardURL, true},
		} {
			attack(w.url, pool, rate, time.Second, w.distinct) // warm up connections and caches
			m := attack(w.url, pool, rate, 5*time.Second, w.distinct)
			rows = append(rows, fmt.Sprintf("| %s | %d/s | %s | %s | %s | %.2f%% |", w.name, rate, ms(m.Latencies.P50), ms(m.Latencies.P99), ms(m.Latencies.Quantile(0.999)), 100*(1-m.Success)))
			if len(m.Errors) > 0 {
				errs = append(errs, fmt.Sprintf("- %s at %d/s: %s", w.name, rate, strings.Join(m.Errors[:min(3, len(m.Errors))], "; ")))
			}
			drain(w.url, pool) // an overloaded server works off its backlog before the next row
		}
	}
	if len(errs) > 0 {
		rows = append(rows, "\nErrors (first three kinds per row):")
		rows = append(rows, errs...)
	}
	fmt.Println("\n" + strings.Join(rows, "\n"))
}

// measure runs bin in dir three times and keeps the fastest run: wall time, peak RSS and
// output. The best of three tells the tool's cost from the machine's noise.
func measure(t *testing.T, dir, bin string, args ...string) (time.Duration, int64, []byte) {
	t.Helper()
	var best time.Duration
	var bestRSS int64
	var bestOut []byte
	for range 3 {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout = &out
		start := time.Now()
		cmd.Run() // exit 1 means findings: expected
		wall := time.Since(start)
		if best == 0 || wall < best {
			best, bestOut = wall, out.Bytes()
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				bestRSS = ru.Maxrss << 10
			}
		}
	}
	return best, bestRSS, bestOut
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// webhookContext is the cluster the webhook judges against: a Cilium config and 50
// network policies, as manifests for `mtuguard webhook --context-from`.
func webhookContext(t *testing.T) string {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {cluster-name: a, cluster-id: \"1\", mtu: \"8500\"}\n")
	// A cluster of 2,000 policies in 40 namespaces, each namespace with a default-deny
	// policy selecting all its pods (the context every policy admission reads).
	for i := 0; i < 2000; i++ {
		selector := fmt.Sprintf("{matchLabels: {app: a%d}}", i)
		if i < 40 {
			selector = "{}"
		}
		fmt.Fprintf(&b, "---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p%d, namespace: ns%d}\nspec:\n  endpointSelector: %s\n  ingress: [{fromEndpoints: [{}]}]\n", i, i%40, selector)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startWebhook runs the mtuguard binary's webhook, without an API server, until the test ends.
func startWebhook(t *testing.T, bin, certDir string) string {
	port, probe := freePort(t), freePort(t)
	cmd := exec.Command(bin, "webhook", "--context-from", webhookContext(t), "--port", fmt.Sprint(port), "--cert-dir", certDir,
		"--metrics-bind-address", "0", "--health-probe-bind-address", fmt.Sprintf("127.0.0.1:%d", probe))
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), deploymentEnv(t)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", probe))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("mtuguard webhook did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Sprintf("https://127.0.0.1:%d%s", port, webhook.Path)
}

// deploymentEnv is the environment the shipped Deployment gives the webhook (its GC
// settings), so the table measures the webhook as it runs in a cluster.
func deploymentEnv(t *testing.T) []string {
	data, err := os.ReadFile("../../manifests/base/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(data, &d); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	return env
}

func TestDeploymentEnv(t *testing.T) {
	if env := strings.Join(deploymentEnv(t), " "); !strings.Contains(env, "GOGC=") || !strings.Contains(env, "GOMEMLIMIT=") {
		t.Errorf("the Deployment's GC settings are gone: %q", env)
	}
}

// startFloor serves a no-op admission handler from controller-runtime's webhook server,
// with the same TLS settings: what any webhook costs before it judges anything. It runs in
// a process of its own, this test binary again (TestFloorServer) with the Deployment's
// environment, as the webhook does: served from the load generator's process, the floor
// would be spared the wake-ups between processes the webhook pays.
func startFloor(t *testing.T, certDir string) string {
	port := freePort(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFloorServer$", "-test.timeout=0")
	cmd.Env = append(append(os.Environ(), deploymentEnv(t)...), fmt.Sprintf("%s=%d %s", floorEnv, port, certDir))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the no-op webhook did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Sprintf("https://127.0.0.1:%d%s", port, webhook.Path)
}

// floorEnv tells TestFloorServer where to serve: "PORT CERT-DIR".
const floorEnv = "MTUGUARD_BENCH_FLOOR"

// TestFloorServer is the floor's process (startFloor): it serves until terminated.
func TestFloorServer(t *testing.T) {
	var port int
	var certDir string
	if _, err := fmt.Sscan(os.Getenv(floorEnv), &port, &certDir); err != nil {
		t.Skip("the no-op webhook of `make bench`, started by TestBenchTable")
	}
	srv := crwebhook.NewServer(crwebhook.Options{Host: "127.0.0.1", Port: port, CertDir: certDir, TLSOpts: webhook.TLSOptions()})
	srv.Register(webhook.Path, &crwebhook.Admission{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// servingCert writes a self-signed serving certificate for 127.0.0.1 as tls.crt/tls.key.
func servingCert(t *testing.T) (string, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mtuguard-bench"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return dir, pool
}

// drain waits, up to 30 s, until a lone request is answered within 5 ms again.
func drain(url string, pool *x509.CertPool) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		m := attack(url, pool, 10, 200*time.Millisecond, false)
		if m.Success == 1 && m.Latencies.Max < 5*time.Millisecond {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// attack sends AdmissionReviews of a CiliumNetworkPolicy at a fixed rate over TLS: the same
// review each time, whose verdict the webhook reuses, or each time a policy of another
// name, which it evaluates afresh.
func attack(url string, pool *x509.CertPool, rate int, d time.Duration, distinct bool) vegeta.Metrics {
	same := review("new")
	targeter := func(tgt *vegeta.Target) error {
		body := same
		if distinct {
			body = review(fmt.Sprintf("new-%d", reviews.Add(1)))
		}
		*tgt = vegeta.Target{Method: http.MethodPost, URL: url, Body: body, Header: http.Header{"Content-Type": []string{"application/json"}}}
		return nil
	}
	attacker := vegeta.NewAttacker(vegeta.TLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}), vegeta.HTTP2(false), vegeta.Timeout(5*time.Second),
		vegeta.MaxConnections(256)) // an overloaded server must not run the machine out of ports
	var m vegeta.Metrics
	for res := range attacker.Attack(vegeta.Targeter(targeter), vegeta.Rate{Freq: rate, Per: time.Second}, d, "bench") {
		m.Add(res)
	}
	m.Close()
	return m
}

// reviews numbers the distinct policies, so no run repeats an earlier run's.
var reviews atomic.Int64

// review is an AdmissionReview creating a CiliumNetworkPolicy named name that puts all pods
// of its namespace in default-deny (an ICMP003 warning).
func review(name string) []byte {
	raw, _ := json.Marshal(map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"name": name, "namespace": "ns1"},
		"spec":     map[string]any{"endpointSelector": map[string]any{}, "ingress": []any{map[string]any{"fromEntities": []any{"cluster"}}}}})
	body, _ := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &admissionv1.AdmissionRequest{UID: "u", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
	})
	return body
}
