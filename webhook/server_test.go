package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
)

func serve(t *testing.T, h *Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(&crwebhook.Admission{Handler: h, RecoverPanic: ptr(true)})
	t.Cleanup(srv.Close)
	return srv
}

func review(obj map[string]any) []byte {
	raw, _ := json.Marshal(obj)
	body, _ := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1TypeMeta(),
		Request:  &admissionv1.AdmissionRequest{UID: "u1", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
	})
	return body
}

// TestAdmissionHTTPFaults: what reaches the port, not only the handler.
func TestAdmissionHTTPFaults(t *testing.T) {
	srv := serve(t, newHandler(t, &staticInventory{}, tgw))
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		wantStatus        int
	}{
		{"malformed review", "application/json", []byte("{not json"), http.StatusOK},
		{"empty body", "application/json", nil, http.StatusOK},
		{"wrong content type", "text/plain", review(ciliumConfig(map[string]any{})), http.StatusOK},
		{"oversized body", "application/json", bytes.Repeat([]byte("x"), 8<<20), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL, tc.contentType, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out admissionv1.AdmissionReview
			json.NewDecoder(resp.Body).Decode(&out)
			// controller-runtime answers every fault with an AdmissionReview that is not
			// allowed and carries a 4xx result, so the API server applies failurePolicy.
			if resp.StatusCode != tc.wantStatus || out.Response == nil || out.Response.Allowed || out.Response.Result == nil || out.Response.Result.Code < 400 {
				t.Errorf("status %d, response %+v", resp.StatusCode, out.Response)
			}
		})
	}
}

// TestNoFailedRequestWhileConfigReloads hammers the handler while the mounted config is
// swapped back and forth (including an invalid version, which must be ignored).
func TestNoFailedRequestWhileConfigReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte("mesh:\n  links: [aws-transit-gateway]\n"), 0o644)
	store, err := NewConfigStore(path, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go store.Start(ctx)
	h := newHandler(t, &staticInventory{}, tgw)
	h.Config = store
	srv := serve(t, h)
	member := ciliumConfig(map[string]any{"cluster-name": "a", "cluster-id": "1"})

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	deadline := time.Now().Add(2 * time.Second)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(review(member)))
				if err != nil {
					errs <- err
					return
				}
				var out admissionv1.AdmissionReview
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || out.Response == nil || out.Response.Result == nil {
					errs <- fmt.Errorf("bad answer: %v %+v", err, out.Response)
					return
				}
				// Either config is valid: MTU001 (path declared) or allowed with MTU006.
				if !out.Response.Allowed && !strings.Contains(out.Response.Result.Message, "MTU001") {
					errs <- fmt.Errorf("unexpected denial: %s", out.Response.Result.Message)
					return
				}
			}
		}()
	}
	versions := []string{"mesh:\n  pathMTU: 8500\n", "mesh: [broken\n", "mesh:\n  links: [aws-transit-gateway]\n", "{}\n"}
	for i := 0; time.Now().Before(deadline); i++ {
		tmp := filepath.Join(dir, fmt.Sprintf(".tmp%d", i))
		os.WriteFile(tmp, []byte(versions[i%len(versions)]), 0o644)
		os.Rename(tmp, path) // atomic, like a ConfigMap volume update
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// An invalid version never replaces the valid one in force.
	swap := func(content string) { // atomically, as kubelet updates a ConfigMap volume
		tmp := filepath.Join(dir, ".next")
		os.WriteFile(tmp, []byte(content), 0o644)
		os.Rename(tmp, path)
	}
	swap("mesh:\n  pathMTU: 8000\n")
	waitFor(t, func() bool { return store.Current().Mesh.PathMTU == 8000 })
	swap("mesh: [broken\n")
	time.Sleep(300 * time.Millisecond)
	if got := store.Current().Mesh.PathMTU; got != 8000 {
		t.Errorf("after an invalid config, pathMTU %d; want the previous 8000 kept", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached in 5s")
}
