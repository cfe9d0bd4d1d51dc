package webhook

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
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// pki is a throwaway CA issuing the serving certificate and the API server's client one.
type pki struct {
	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
	pool  *x509.CertPool
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"}, IsCA: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &pki{ca: ca, caKey: key, pool: pool}
}

func (p *pki) issue(t *testing.T, cn string, usage x509.ExtKeyUsage, serial int64) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

func (p *pki) writeServing(t *testing.T, dir string, serial int64) {
	t.Helper()
	cert, key := p.issue(t, "mtuguard-webhook", x509.ExtKeyUsageServerAuth, serial)
	// Write beside, then rename: the way kubelet swaps a mounted Secret.
	for name, data := range map[string][]byte{"tls.crt": cert, "tls.key": key} {
		tmp := filepath.Join(dir, "."+name)
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer runs controller-runtime's webhook server as NewManager configures it.
func startServer(t *testing.T, p *pki, h admission.Handler, clientCA bool) (url string, stop context.CancelFunc, done chan error) {
	t.Helper()
	dir := t.TempDir()
	p.writeServing(t, dir, 2)
	opts := crwebhook.Options{Host: "127.0.0.1", Port: freePort(t), CertDir: dir, TLSOpts: TLSOptions()}
	if clientCA {
		os.WriteFile(filepath.Join(dir, "ca.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.Raw}), 0o600)
		opts.ClientCAName = "ca.crt"
	}
	srv := crwebhook.NewServer(opts)
	srv.Register(Path, &crwebhook.Admission{Handler: h})
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	url = "https://127.0.0.1:" + strconv.Itoa(opts.Port) + Path
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for srv.StartedChecker()(nil) != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	t.Setenv("MTUGUARD_TEST_CERTDIR", dir)
	return url, cancel, done
}

func tlsClient(p *pki, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
}

func postReview(c *http.Client, url string) error {
	body := review(ciliumConfig(map[string]any{"cluster-name": "a"}))
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Response == nil {
		return err
	}
	return nil
}

var allow = admission.HandlerFunc(func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })

func TestClientCARejectsOtherClients(t *testing.T) {
	p := newPKI(t)
	url, _, _ := startServer(t, p, allow, true)
	if err := postReview(tlsClient(p, nil), url); err == nil {
		t.Error("a client without a certificate was served despite --client-ca")
	}
	other := newPKI(t)
	cp, kp := other.issue(t, "intruder", x509.ExtKeyUsageClientAuth, 3)
	foreign, _ := tls.X509KeyPair(cp, kp)
	if err := postReview(tlsClient(p, &foreign), url); err == nil {
		t.Error("a client certificate from another CA was accepted")
	}
	cp, kp = p.issue(t, "kube-apiserver", x509.ExtKeyUsageClientAuth, 4)
	apiserver, _ := tls.X509KeyPair(cp, kp)
	if err := postReview(tlsClient(p, &apiserver), url); err != nil {
		t.Errorf("the API server's client certificate was refused: %v", err)
	}
}

func TestCertificateRotationUnderLoad(t *testing.T) {
	p := newPKI(t)
	url, _, _ := startServer(t, p, allow, false)
	dir := os.Getenv("MTUGUARD_TEST_CERTDIR")
	var failures atomic.Int64
	var wg sync.WaitGroup
	stopAt := time.Now().Add(2 * time.Second)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := tlsClient(p, nil)
			for time.Now().Before(stopAt) {
				// New connections, so each handshake meets whichever certificate is current.
				c.Transport.(*http.Transport).CloseIdleConnections()
				if err := postReview(c, url); err != nil {
					failures.Add(1)
				}
			}
		}()
	}
	for i := int64(10); time.Now().Before(stopAt); i++ {
		p.writeServing(t, dir, i)
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d requests failed while the certificate rotated", n)
	}
	// And the rotation took: the server now presents one of the new certificates.
	host := url[len("https://"):]
	host = host[:len(host)-len(Path)]
	conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: p.pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if serial := conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64(); serial < 10 {
		t.Errorf("still serving the first certificate (serial %d): not reloaded", serial)
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	p := newPKI(t)
	started := make(chan struct{})
	slow := admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		close(started)
		time.Sleep(500 * time.Millisecond)
		return admission.Allowed("")
	})
	url, stop, done := startServer(t, p, slow, false)
	result := make(chan error, 1)
	go func() { result <- postReview(tlsClient(p, nil), url) }()
	<-started
	stop() // SIGTERM: the manager cancels the server's context
	if err := <-result; err != nil {
		t.Errorf("the in-flight request was cut off by shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("server: %v", err)
	}
	done <- nil // for the cleanup's receive
}
