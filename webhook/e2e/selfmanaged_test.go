//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/webhook"
)

// TestSelfManagedCertificates installs the self-managed overlay as rendered (its RBAC,
// placeholder Secret and webhook configuration, the latter pointed at this process) and
// runs the webhook as its service account with --self-signed-certs. The kubelet's part,
// projecting the Secret into the mounted cert dir, is played by the test. The API server
// must then reach the webhook over TLS it trusts only through the CA cert-controller
// injected.
func TestSelfManagedCertificates(t *testing.T) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	env := &envtest.Environment{CRDDirectoryPaths: crdPaths(t), ErrorIfCRDPathMissing: true, BinaryAssetsDirectory: assets}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start kube-apiserver and etcd: %v", err)
	}
	t.Cleanup(func() { env.Stop() })
	admin, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	serveAddr := freeAddr(t)
	_, port, _ := net.SplitHostPort(serveAddr)
	configFile := filepath.Join(t.TempDir(), "config.yaml")
	for _, u := range renderOverlay(t, "self-managed") {
		if u.GetKind() == "ConfigMap" && u.GetName() == "mtuguard-config" {
			// The config the install ships, as its volume would mount it.
			data, _, _ := unstructured.NestedString(u.Object, "data", "config.yaml")
			writeFile(t, configFile, data)
		}
		if u.GetKind() == "ValidatingWebhookConfiguration" {
			// In a cluster the API server calls the Service; here it calls this process.
			hooks, _, _ := unstructured.NestedSlice(u.Object, "webhooks")
			for _, h := range hooks {
				h.(map[string]any)["clientConfig"] = map[string]any{"url": "https://localhost:" + port + webhook.Path}
			}
			unstructured.SetNestedSlice(u.Object, hooks, "webhooks")
		}
		if err := admin.Create(ctx, u); err != nil {
			t.Fatalf("create %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}

	certDir := t.TempDir()
	probeAddr := freeAddr(t)
	host, _, _ := net.SplitHostPort(serveAddr)
	mgr, err := webhook.NewManager(asServiceAccount(cfg), webhook.Options{
		ConfigFile: configFile, Host: host, Port: mustAtoi(t, port), CertDir: certDir, MetricsAddr: "0", ProbeAddr: probeAddr,
		EvalTimeout: 2 * time.Second, Metrics: webhook.NewMetrics(prometheus.NewRegistry()),
		SelfSignedCerts: true, Namespace: "mtuguard-system", ServiceName: "mtuguard-webhook",
		SecretName: "mtuguard-webhook-tls", WebhookConfigName: "mtuguard", ExtraDNSNames: []string{"localhost"},
	}, zap.New(zap.UseDevMode(true), zap.WriteTo(testWriter{t})))
	if err != nil {
		t.Fatal(err)
	}
	startManager(t, mgr)

	secretKey := types.NamespacedName{Namespace: "mtuguard-system", Name: "mtuguard-webhook-tls"}
	eventually(t, 30*time.Second, "cert-controller to fill in the Secret", func() bool {
		var s corev1.Secret
		return admin.Get(ctx, secretKey, &s) == nil && len(s.Data["tls.crt"]) > 0
	})
	// Nothing is mounted yet: the webhook must not claim to be ready.
	time.Sleep(time.Second)
	if code := readyz(probeAddr); code == 200 {
		t.Fatal("ready before its serving certificate was mounted")
	}
	go projectSecret(ctx, t, admin, secretKey, certDir)
	eventually(t, 90*time.Second, "ready once the certificate is mounted", func() bool { return readyz(probeAddr) == 200 })

	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := admin.Get(ctx, types.NamespacedName{Name: "mtuguard"}, &vwc); err != nil || len(vwc.Webhooks[0].ClientConfig.CABundle) == 0 {
		t.Fatalf("CA not injected: %v", err)
	}
	err = admin.Create(ctx, fromYAML(t, unclampedCiliumConfig))
	if err == nil || !strings.Contains(err.Error(), "MTU001") {
		t.Fatalf("want MTU001 through the API server over the rotated certificate; got %v", err)
	}
}

// renderOverlay is `kubectl kustomize manifests/overlays/<name>`, namespaces first.
func renderOverlay(t *testing.T, name string) []*unstructured.Unstructured {
	t.Helper()
	cmd := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), "kustomize", filepath.Join(repoRoot, "manifests/overlays", name))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize: %v\n%s", err, errOut.String())
	}
	var ns, rest []*unstructured.Unstructured
	for _, doc := range strings.Split(out.String(), "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		if u.GetKind() == "Namespace" {
			ns = append(ns, u)
		} else {
			rest = append(rest, u)
		}
	}
	return append(ns, rest...)
}

// projectSecret does what the kubelet does for a Secret volume: it writes each key to a
// file in dir, replacing files atomically when the Secret changes.
func projectSecret(ctx context.Context, t *testing.T, c client.Client, key types.NamespacedName, dir string) {
	var seen string
	for ctx.Err() == nil {
		var s corev1.Secret
		if err := c.Get(ctx, key, &s); err == nil && s.ResourceVersion != seen {
			for k, v := range s.Data {
				tmp := filepath.Join(dir, "."+k)
				if err := os.WriteFile(tmp, v, 0o600); err != nil {
					t.Errorf("project %s: %v", k, err)
					return
				}
				os.Rename(tmp, filepath.Join(dir, k))
			}
			seen = s.ResourceVersion
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
