package webhook

import (
	"context"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/mtuguard/mtuguard/policies/upstream"
)

// FuzzAdmission sends arbitrary object bytes through the handler: it must always answer.
func FuzzAdmission(f *testing.F) {
	for _, seed := range upstream.Seeds("..", "FuzzAdmission") {
		f.Add(seed)
	}
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cilium-config"},"data":null}`))
	h := newHandler(f, &staticInventory{}, tgw)
	f.Fuzz(func(t *testing.T, raw []byte) {
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}}}
		resp := h.Handle(context.Background(), req)
		if resp.Result == nil && !resp.Allowed {
			t.Fatalf("no answer for %q", raw)
		}
		if h.Metrics.Outcomes("panic") > 0 {
			t.Fatalf("panic on %q", raw)
		}
	})
}
