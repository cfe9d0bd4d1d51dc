//go:build e2e

// Package e2e proves the webhook through a real kube-apiserver and etcd (envtest), with
// Cilium's real CRDs from its Go module and the ValidatingWebhookConfiguration from
// manifests/base: objects are applied with client-go and with the real kubectl.
// Run with `make e2e` (it builds kube-apiserver and kubectl, installs etcd, and sets
// KUBEBUILDER_ASSETS); without them the suite fails, it does not skip.
package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/policies/upstream"
	"github.com/mtuguard/mtuguard/webhook"
)

type cluster struct {
	env        *envtest.Environment
	cfg        *rest.Config
	kubeconfig string
	metrics    *webhook.Metrics
	warnings   *warningLog
	client     client.Client
}

type warningLog struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

var repoRoot = func() string { p, _ := filepath.Abs("../.."); return p }()

func startCluster(t *testing.T) *cluster {
	t.Helper()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	for _, bin := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			t.Fatalf("KUBEBUILDER_ASSETS=%q lacks %s (run `make e2e`, which builds and installs them): %v", assets, bin, err)
		}
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     crdPaths(t),
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join(repoRoot, "manifests/base/webhook.yaml")},
		},
		BinaryAssetsDirectory: assets,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start kube-apiserver and etcd: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Logf("stop envtest: %v", err)
		}
	})

	dir := t.TempDir()
	user, err := env.AddUser(envtest.User{Name: "platform-admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	writeFile(t, kubeconfig, string(kc))
	c := &cluster{env: env, cfg: cfg, kubeconfig: kubeconfig}

	// The webhook runs as its service account with exactly the base RBAC, so a missing
	// permission fails here rather than in a customer's cluster.
	for _, f := range []string{"namespace.yaml", "rbac.yaml"} {
		if out, err := c.kubectl(t, "", "apply", "-n", "mtuguard-system", "-f", filepath.Join(repoRoot, "manifests/base", f)); err != nil {
			t.Fatalf("apply %s: %v\n%s", f, err, out)
		}
	}
	configFile := filepath.Join(dir, "config.yaml")
	writeFile(t, configFile, "apiVersion: mtuguard.dev/v1alpha1\nkind: Config\nmesh:\n  links: [aws-transit-gateway]\n")
	wio := env.WebhookInstallOptions
	probeAddr := freeAddr(t)
	metrics := webhook.NewMetrics(prometheus.NewRegistry())
	mgr, err := webhook.NewManager(asServiceAccount(cfg), webhook.Options{
		ConfigFile: configFile, Host: wio.LocalServingHost, Port: wio.LocalServingPort, CertDir: wio.LocalServingCertDir,
		MetricsAddr: "0", ProbeAddr: probeAddr, EvalTimeout: 2 * time.Second, Metrics: metrics,
	}, zap.New(zap.UseDevMode(true), zap.WriteTo(testWriter{t})))
	if err != nil {
		t.Fatal(err)
	}
	startManager(t, mgr)
	waitTLS(t, net.JoinHostPort(wio.LocalServingHost, strconv.Itoa(wio.LocalServingPort)))
	// Ready means every watched kind was listed with the service account's permissions.
	eventually(t, time.Minute, "the webhook to report ready", func() bool { return readyz(probeAddr) == http.StatusOK })

	warnings := &warningLog{}
	ucfg := rest.CopyConfig(user.Config())
	ucfg.WarningHandler = warnings
	cl, err := client.New(ucfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.metrics, c.warnings, c.client = metrics, warnings, cl
	return c
}

// Upstream modules whose CRDs the suite installs; v1.14.1 is the newest Karpenter release
// whose go.mod this toolchain accepts.
const (
	karpenterCore = "sigs.k8s.io/karpenter@v1.14.1"
	karpenterAWS  = upstream.KarpenterAWS
)

// crdPaths are the real CRDs of the kinds mtuguard watches, from their Go modules.
func crdPaths(t *testing.T) []string {
	t.Helper()
	dir := func(module string) string {
		d, err := upstream.ModuleDir(module)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	return []string{
		filepath.Join(dir(upstream.Cilium), "pkg/k8s/apis/cilium.io/client/crds/v2"),
		filepath.Join(dir(karpenterCore), "pkg/apis/crds/karpenter.sh_nodepools.yaml"),
		filepath.Join(dir(karpenterAWS), "pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml"),
	}
}

// asServiceAccount is cfg impersonating the webhook's service account, as in its pod.
func asServiceAccount(cfg *rest.Config) *rest.Config {
	sa := rest.CopyConfig(cfg)
	sa.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:mtuguard-system:mtuguard-webhook",
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:mtuguard-system", "system:authenticated"},
	}
	return sa
}

func startManager(t *testing.T, mgr manager.Manager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("webhook manager: %v", err)
		}
	})
}

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func readyz(probeAddr string) int {
	resp, err := http.Get("http://" + probeAddr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func waitTLS(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // readiness probe only
		if err == nil {
			conn.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("webhook did not listen on %s", addr)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// kubectl runs the real kubectl against the test API server.
func (c *cluster) kubectl(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func fromYAML(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

const unclampedCiliumConfig = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cilium-config
  namespace: kube-system
data:
  cluster-name: prod-use1
  cluster-id: "1"
  routing-mode: tunnel
  tunnel-protocol: vxlan
`

var clampedCiliumConfig = strings.Replace(unclampedCiliumConfig, "tunnel-protocol: vxlan", "tunnel-protocol: vxlan\n  mtu: \"8500\"", 1)

// Node classes as Karpenter's real CRD schema accepts them.
const jumboNodeClass = `apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata:
  name: jumbo
spec:
  amiSelectorTerms:
  - alias: al2023@latest
  role: KarpenterNodeRole-prod-use1
  subnetSelectorTerms:
  - tags: {karpenter.sh/discovery: prod-use1}
  securityGroupSelectorTerms:
  - tags: {karpenter.sh/discovery: prod-use1}
  userData: |
    #!/bin/bash
    ip link set dev ens5 mtu 9001
`

var clampedNodeClass = strings.NewReplacer("name: jumbo", "name: clamped", "mtu 9001", "mtu 8500").Replace(jumboNodeClass)

const denyPacketTooBig = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: no-icmp-from-world
  namespace: %s
spec:
  endpointSelector:
    matchLabels:
      app: payments
  ingressDeny:
  - fromEntities: [world]
    icmps:
    - fields:
      - {type: PacketTooBig, family: IPv6}
`

const defaultDenyPolicy = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: api-from-gateway
  namespace: default
spec:
  endpointSelector:
    matchLabels:
      app: api
  ingress:
  - fromEndpoints:
    - matchLabels: {app: gateway}
    toPorts:
    - ports: [{port: "8080", protocol: TCP}]
`

func TestWebhookThroughAPIServer(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()

	t.Run("unclamped tunnel cilium-config is denied with MTU001 (client-go)", func(t *testing.T) {
		err := c.client.Create(ctx, fromYAML(t, unclampedCiliumConfig))
		if err == nil || !strings.Contains(err.Error(), "MTU001") || !strings.Contains(err.Error(), "8500") {
			t.Fatalf("want a denial naming MTU001 and the 8500 path; got %v", err)
		}
	})

	t.Run("kubectl apply is denied, server-side dry-run too", func(t *testing.T) {
		for _, args := range [][]string{{"apply", "-f", "-"}, {"apply", "--dry-run=server", "-f", "-"}} {
			out, err := c.kubectl(t, unclampedCiliumConfig, args...)
			if err == nil || !strings.Contains(out, "denied the request") || !strings.Contains(out, "MTU001") {
				t.Errorf("kubectl %v: err %v, output:\n%s", args, err, out)
			}
		}
	})

	t.Run("the clamped cilium-config is accepted", func(t *testing.T) {
		out, err := c.kubectl(t, clampedCiliumConfig, "apply", "-f", "-")
		if err != nil {
			t.Fatalf("kubectl apply: %v\n%s", err, out)
		}
	})

	t.Run("a CiliumNetworkPolicy denying PacketTooBig is denied with ICMP001", func(t *testing.T) {
		out, err := c.kubectl(t, fmt.Sprintf(denyPacketTooBig, "default"), "apply", "-f", "-")
		if err == nil || !strings.Contains(out, "ICMP001") {
			t.Fatalf("want ICMP001 denial; err %v\n%s", err, out)
		}
	})

	t.Run("a warning-level policy is accepted with the warning shown", func(t *testing.T) {
		out, err := c.kubectl(t, defaultDenyPolicy, "apply", "-f", "-")
		if err != nil || !strings.Contains(out, "Warning: ICMP003") {
			t.Fatalf("want acceptance with an ICMP003 warning; err %v\n%s", err, out)
		}
		c.warnings.take()
		u := fromYAML(t, defaultDenyPolicy)
		u.SetName("api-from-gateway-2")
		if err := c.client.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		if w := strings.Join(c.warnings.take(), "\n"); !strings.Contains(w, "ICMP003") {
			t.Errorf("client-go saw warnings %q", w)
		}
	})

	t.Run("a suppressed finding is allowed with a warning saying so", func(t *testing.T) {
		u := fromYAML(t, fmt.Sprintf(denyPacketTooBig, "default"))
		u.SetName("legacy-deny")
		u.SetAnnotations(map[string]string{"mtuguard.dev/ignore": "ICMP001", "mtuguard.dev/ignore-reason": "SEC-1234, removed next sprint"})
		c.warnings.take()
		if err := c.client.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		if w := strings.Join(c.warnings.take(), "\n"); !strings.Contains(w, "ICMP001 suppressed") || !strings.Contains(w, "SEC-1234") {
			t.Errorf("warnings %q", w)
		}
	})

	t.Run("a Karpenter node class that re-opens the black hole is denied with MTU002", func(t *testing.T) {
		// A member whose MTU001 is suppressed (migration under way) auto-detects the node
		// MTU, so node boot config that sets 9001 is what decides the pod MTU.
		suppressed := strings.Replace(unclampedCiliumConfig, "  namespace: kube-system\n",
			"  namespace: kube-system\n  annotations:\n    mtuguard.dev/ignore: MTU001\n    mtuguard.dev/ignore-reason: clamp rolls out with the node pools\n", 1)
		out, err := c.kubectl(t, suppressed, "apply", "-f", "-")
		if err != nil || !strings.Contains(out, "MTU001 suppressed") {
			t.Fatalf("want the suppressed config accepted with a warning; err %v\n%s", err, out)
		}
		// The webhook judges the node class against its cache, which follows the apply.
		eventually(t, 10*time.Second, "MTU002 denial", func() bool {
			out, err = c.kubectl(t, jumboNodeClass, "apply", "-f", "-")
			return err != nil && strings.Contains(out, "MTU002")
		})
		if out, err := c.kubectl(t, clampedNodeClass, "apply", "-f", "-"); err != nil {
			t.Errorf("a node class clamping to 8500 is accepted: %v\n%s", err, out)
		}
		// Clamp Cilium itself: the same jumbo node class is now harmless.
		if out, err := c.kubectl(t, clampedCiliumConfig, "apply", "-f", "-"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		eventually(t, 10*time.Second, "the jumbo node class to be accepted once Cilium is clamped", func() bool {
			_, err := c.kubectl(t, jumboNodeClass, "apply", "-f", "-")
			return err == nil
		})
	})

	t.Run("an unrelated ConfigMap never reaches the webhook", func(t *testing.T) {
		before := c.metrics.Outcomes("ignored") + c.metrics.Outcomes("allowed") + c.metrics.Outcomes("denied")
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-settings", Namespace: "default"}, Data: map[string]string{"mtu": "9001"}}
		if err := c.client.Create(ctx, cm); err != nil {
			t.Fatal(err)
		}
		if _, err := c.kubectl(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: default}\n", "apply", "-f", "-"); err != nil {
			t.Fatal(err)
		}
		after := c.metrics.Outcomes("ignored") + c.metrics.Outcomes("allowed") + c.metrics.Outcomes("denied")
		if after != before {
			t.Errorf("the webhook saw %v requests for unrelated ConfigMaps; matchConditions should filter them", after-before)
		}
		if c.metrics.Outcomes("denied") == 0 || c.metrics.Outcomes("allowed") == 0 {
			t.Error("the webhook's counters did not move for the requests it did see")
		}
	})

	t.Run("DELETE is allowed", func(t *testing.T) {
		out, err := c.kubectl(t, "", "delete", "ciliumnetworkpolicy", "api-from-gateway-2", "-n", "default")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	t.Run("mtuguard audit reports the violations that exist", func(t *testing.T) {
		// The webhook's own namespace is excluded by its namespaceSelector, so this
		// violation gets in and must be found by audit.
		if _, err := c.kubectl(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: mtuguard-system}\n", "apply", "-f", "-"); err != nil {
			t.Fatal(err)
		}
		if out, err := c.kubectl(t, fmt.Sprintf(denyPacketTooBig, "mtuguard-system"), "apply", "-f", "-"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		bin := buildMtuguard(t)
		cfg := filepath.Join(t.TempDir(), "c.yaml")
		writeFile(t, cfg, "mesh:\n  links: [aws-transit-gateway]\n")
		cmd := exec.Command(bin, "audit", "--config", cfg, "--format", "json")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("audit exit: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
		}
		for _, want := range []string{`"rule": "ICMP001"`, `cluster/CiliumNetworkPolicy/mtuguard-system/no-icmp-from-world`, `"rule": "ICMP003"`, `"suppressed": "ignored by annotation`} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("audit output lacks %s:\n%s", want, out.String())
			}
		}
	})
}

func buildMtuguard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mtuguard")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/mtuguard")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
