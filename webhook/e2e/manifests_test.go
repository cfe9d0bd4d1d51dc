//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestManifestsRender renders every overlay with kubectl's built-in kustomize and checks
// the properties the install promises.
func TestManifestsRender(t *testing.T) {
	for _, overlay := range []string{"cert-manager", "self-managed"} {
		t.Run(overlay, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), "kustomize", filepath.Join(repoRoot, "manifests/overlays", overlay))
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Run(); err != nil {
				t.Fatalf("kustomize: %v\n%s", err, errOut.String())
			}
			objs := map[string]map[string]any{}
			for _, doc := range strings.Split(out.String(), "\n---\n") {
				var o map[string]any
				if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
					t.Fatal(err)
				}
				md := o["metadata"].(map[string]any)
				objs[o["kind"].(string)+"/"+md["name"].(string)] = o
			}
			dep := objs["Deployment/mtuguard-webhook"]
			if dep == nil {
				t.Fatal("no Deployment")
			}
			spec := dep["spec"].(map[string]any)
			pod := spec["template"].(map[string]any)["spec"].(map[string]any)
			c := pod["containers"].([]any)[0].(map[string]any)
			sc := c["securityContext"].(map[string]any)
			if spec["replicas"].(float64) != 2 || pod["securityContext"].(map[string]any)["runAsNonRoot"] != true ||
				sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false {
				t.Errorf("deployment hardening missing: %v", dep)
			}
			// Both overlays serve the certificate from the Secret mounted at --cert-dir:
			// cert-controller, like cert-manager, writes only the Secret.
			var certVolume any
			for _, v := range pod["volumes"].([]any) {
				if v.(map[string]any)["name"] == "certs" {
					certVolume = v.(map[string]any)["secret"]
				}
			}
			if sv, _ := certVolume.(map[string]any); sv["secretName"] != "mtuguard-webhook-tls" {
				t.Errorf("the certs volume is not the Secret mtuguard-webhook-tls: %v", certVolume)
			}
			vwc := objs["ValidatingWebhookConfiguration/mtuguard"]
			wh := vwc["webhooks"].([]any)[0].(map[string]any)
			if wh["sideEffects"] != "None" || wh["failurePolicy"] != "Ignore" || wh["matchConditions"] == nil || wh["timeoutSeconds"].(float64) > 10 {
				t.Errorf("webhook configuration: %v", wh)
			}
			role := objs["ClusterRole/mtuguard-webhook"]
			for _, r := range role["rules"].([]any) {
				for _, v := range r.(map[string]any)["verbs"].([]any) {
					if v != "get" && v != "list" && v != "watch" {
						t.Errorf("the webhook's ClusterRole may %v", v)
					}
				}
				for _, res := range r.(map[string]any)["resources"].([]any) {
					if res == "secrets" {
						t.Error("the webhook's ClusterRole reads Secrets")
					}
				}
			}
			switch overlay {
			case "cert-manager":
				ann, _ := vwc["metadata"].(map[string]any)["annotations"].(map[string]any)
				if ann["cert-manager.io/inject-ca-from"] != "mtuguard-system/mtuguard-webhook" || objs["Certificate/mtuguard-webhook"] == nil {
					t.Error("cert-manager wiring missing")
				}
			case "self-managed":
				if !strings.Contains(out.String(), "--self-signed-certs") || objs["Role/mtuguard-cert-rotation"] == nil {
					t.Error("self-managed rotation wiring missing")
				}
				// Re-applying the overlay must not wipe the rotated certificate.
				if sec := objs["Secret/mtuguard-webhook-tls"]; sec == nil || sec["data"] != nil || sec["stringData"] != nil {
					t.Errorf("the placeholder Secret must exist and carry no data: %v", sec)
				}
			}
		})
	}
}
