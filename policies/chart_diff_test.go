//go:build helmdiff

package policies

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/policies/upstream"
)

// TestChartDifferential renders Cilium's real chart with real Helm for each values file in
// testdata/helm/values, and checks that mtuguard reads the values exactly as it reads the
// cilium-config ConfigMap the chart renders from them: our reading of Helm values is
// Cilium's. Run by `make helm-diff` (HELM_RENDER is the helm-render tool).
func TestChartDifferential(t *testing.T) {
	render := os.Getenv("HELM_RENDER")
	if render == "" {
		t.Fatal("HELM_RENDER is not set: run `make helm-diff`")
	}
	mod, err := upstream.ModuleDir(upstream.Cilium)
	if err != nil {
		t.Fatal(err)
	}
	chart := filepath.Join(mod, "install/kubernetes/cilium")
	e, err := NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../testdata/helm/values/*.yaml")
	if len(files) < 15 {
		t.Fatalf("%d values files; the differential needs at least 15", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var values map[string]any
			if err := yaml.Unmarshal(raw, &values); err != nil {
				t.Fatal(err)
			}
			manifest, renderErr := renderCached(t, render, chart, file, raw)
			valuesObj := Object{Kind: KindCiliumConfig, Object: values, Cilium: &CiliumValues{Form: "helm", At: []any{}, Values: values}}
			fromValues := settingsOf(t, e, valuesObj)
			base := filepath.Base(file)
			if strings.HasPrefix(base, "90-refused") || strings.HasPrefix(base, "91-refused") {
				// What the chart refuses, mtuguard refuses too: an input error, not a reading.
				if renderErr == nil || !strings.Contains(renderErr.Error(), "schema") {
					t.Fatalf("expected the chart's schema to refuse these values, got %v", renderErr)
				}
				res := evalOf(t, e, valuesObj)
				if len(res.Problems) == 0 {
					t.Errorf("the chart refuses these values (%s) but mtuguard reads them without a problem", strings.TrimSpace(renderErr.Error()))
				}
				return
			}
			if strings.HasPrefix(base, "95-apiserver-without-cluster-id") {
				// The one designed divergence: the values enable ClusterMesh, the rendered
				// cilium-config (cluster-id 0) cannot say so. mtuguard treats the values as a
				// member and must report the missing id (MESH001) rather than disagree silently.
				if renderErr != nil {
					t.Fatal(renderErr)
				}
				diverges(t, fromValues, settingsOf(t, e, configMapObject(t, manifest)), "mean a member",
					func(s *ClusterSettings) *bool { return &s.ClusterMesh })
				if !hasRule(evalOf(t, e, valuesObj), "MESH001") {
					t.Error("ClusterMesh with cluster.id 0 must be reported (MESH001)")
				}
				return
			}
			if strings.HasPrefix(base, "98-legacy-high-scale-ipcache") {
				// The 1.20 chart ignores highScaleIPcache; the 1.16/1.17 charts render
				// enable-high-scale-ipcache from it, and mtuguard reads it as they did.
				if renderErr != nil {
					t.Fatal(renderErr)
				}
				diverges(t, fromValues, settingsOf(t, e, configMapObject(t, manifest)), "enable high-scale ipcache",
					func(s *ClusterSettings) *bool { return &s.HighScaleIPcache })
				return
			}
			if strings.HasPrefix(base, "99-legacy-tunnel") {
				// Charts since 1.15 refuse `tunnel`; mtuguard reads it as the 1.13/1.14
				// charts did, for repositories still on them.
				if renderErr == nil || !strings.Contains(renderErr.Error(), "tunnel was deprecated") {
					t.Fatalf("expected the 1.20 chart to refuse `tunnel`, got %v", renderErr)
				}
				if fromValues.RoutingMode != "tunnel" || fromValues.TunnelProtocol != "geneve" {
					t.Errorf("legacy tunnel: geneve read as %+v", fromValues)
				}
				return
			}
			if renderErr != nil {
				t.Fatal(renderErr)
			}
			fromConfigMap := settingsOf(t, e, configMapObject(t, manifest))
			compareSettings(t, fromValues, fromConfigMap)
			if res := evalOf(t, e, valuesObj); len(res.Problems) > 0 {
				t.Errorf("the chart renders these values, but mtuguard reports problems: %+v", res.Problems)
			}
		})
	}
}

// diverges checks a designed divergence: the values mean what field says, the ConfigMap
// the chart renders from them cannot say it, and they agree on everything else.
func diverges(t *testing.T, fromValues, fromConfigMap ClusterSettings, what string, field func(*ClusterSettings) *bool) {
	t.Helper()
	v, c := field(&fromValues), field(&fromConfigMap)
	if !*v || *c {
		t.Fatalf("expected the values to %s and the ConfigMap not: %v, %v", what, *v, *c)
	}
	*v = false
	compareSettings(t, fromValues, fromConfigMap)
}

func configMapObject(t *testing.T, manifest string) Object {
	t.Helper()
	cm := ciliumConfigMap(t, manifest)
	c, err := Classify(cm)
	if err != nil {
		t.Fatal(err)
	}
	return c.Objects(cm, Source{}, 0)[0]
}

func evalOf(t *testing.T, e *Engine, o Object) Result {
	t.Helper()
	o.Cluster = "c"
	res, err := e.Eval(context.Background(), Input{Objects: []Object{o}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func hasRule(res Result, rule string) bool {
	for _, f := range res.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

func settingsOf(t *testing.T, e *Engine, o Object) ClusterSettings {
	t.Helper()
	o.Cluster = "c"
	s, err := e.Settings(context.Background(), Input{Objects: []Object{o}})
	if err != nil || len(s) != 1 {
		t.Fatalf("settings: %v %+v", err, s)
	}
	return s[0]
}

func compareSettings(t *testing.T, values, configMap ClusterSettings) {
	t.Helper()
	v, c := reflect.ValueOf(values), reflect.ValueOf(configMap)
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		if !reflect.DeepEqual(v.Field(i).Interface(), c.Field(i).Interface()) {
			t.Errorf("%s: from Helm values %v, from the rendered cilium-config %v", name, v.Field(i).Interface(), c.Field(i).Interface())
		}
	}
}

// renderCached renders once per chart version and values content, under bin/helm-cache.
func renderCached(t *testing.T, render, chart, file string, raw []byte) (string, error) {
	t.Helper()
	version, _ := os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	sum := sha256.Sum256(append(append([]byte{}, version...), raw...))
	cache := filepath.Join("..", "bin", "helm-cache", hex.EncodeToString(sum[:12])+".yaml")
	if data, err := os.ReadFile(cache); err == nil {
		return string(data), nil
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(render, chart, file)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", &helmRenderError{errOut.String()}
	}
	os.MkdirAll(filepath.Dir(cache), 0o755)
	os.WriteFile(cache, out.Bytes(), 0o644)
	return out.String(), nil
}

type helmRenderError struct{ msg string }

func (e *helmRenderError) Error() string { return e.msg }

func ciliumConfigMap(t *testing.T, manifest string) map[string]any {
	t.Helper()
	for _, doc := range strings.Split(manifest, "\n---") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
			continue
		}
		if _, name, _ := Meta(obj); name == CiliumConfigMapName && obj["kind"] == "ConfigMap" {
			return obj
		}
	}
	t.Fatal("the chart rendered no cilium-config ConfigMap")
	return nil
}
