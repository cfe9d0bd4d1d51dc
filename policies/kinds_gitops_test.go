package policies

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestHelmSetValue(t *testing.T) {
	for in, want := range map[string]any{
		"true": true, "False": false, "null": nil, "0": int64(0), "8500": int64(8500),
		"0755": "0755", "8500.5": "8500.5", "geneve": "geneve", "": "",
		"{10.0.0.0/8,fd00::/104}": []any{"10.0.0.0/8", "fd00::/104"},
	} {
		if got := helmSetValue(in); !reflect.DeepEqual(got, want) {
			t.Errorf("helmSetValue(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestSetValuePath(t *testing.T) {
	values := map[string]any{"cluster": map[string]any{"name": "a"}}
	SetValuePath(values, "cluster.id", "7")
	SetValuePath(values, `extraConfig.allow-icmp-frag-needed`, `"false"`)
	SetValuePath(values, `nodeSelector.kubernetes\.io/os`, "linux")
	SetValuePath(values, "ipam.operator.clusterPoolIPv4PodCIDRList[1]", "10.1.0.0/16")
	SetValuePath(values, "a[0][1].b", "x")
	want := map[string]any{
		"cluster":      map[string]any{"name": "a", "id": int64(7)},
		"extraConfig":  map[string]any{"allow-icmp-frag-needed": "false"},
		"nodeSelector": map[string]any{"kubernetes.io/os": "linux"},
		"ipam":         map[string]any{"operator": map[string]any{"clusterPoolIPv4PodCIDRList": []any{nil, "10.1.0.0/16"}}},
		"a":            []any{[]any{nil, map[string]any{"b": "x"}}},
	}
	if !reflect.DeepEqual(values, want) {
		t.Errorf("got %#v\nwant %#v", values, want)
	}
	SetValuePath(values, "big[99999]", "x") // no allocation bomb: read as a plain key
	if _, ok := values["big[99999]"]; !ok {
		t.Errorf("huge index: %#v", values)
	}
}

func classifyYAML(t *testing.T, doc string) Classified {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	c, err := Classify(obj)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestArgoApplicationLayers(t *testing.T) {
	app := `apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  source:
    chart: cilium
    helm: {values: "MTU: 1"}
  sources:
  - repoURL: https://github.com/cilium/cilium
    path: install/kubernetes/cilium
    helm:
      values: |
        MTU: 9001
      valuesObject:
        cluster: {id: 1}
      parameters:
      - {name: MTU, value: "8500"}
      - {name: cluster.name, value: "007", forceString: true}
      - {name: hubble.enabled, value: "false"}
`
	c := classifyYAML(t, app)
	if c.Kind != KindCiliumConfig {
		t.Fatalf("kind %q", c.Kind)
	}
	var got []string
	for _, l := range c.Layers {
		got = append(got, pathString(l.At))
	}
	// `source` is ignored next to `sources`; valuesObject replaces the values string.
	if want := []string{"spec.sources[0].helm.valuesObject", "spec.sources[0].helm.parameters"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("layers %v, want %v", got, want)
	}
	params := c.Layers[1].Values
	want := map[string]any{"MTU": int64(8500), "cluster": map[string]any{"name": "007"}, "hubble": map[string]any{"enabled": false}}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("parameters %#v, want %#v", params, want)
	}
}

func TestFluxHelmReleaseVersions(t *testing.T) {
	for _, tc := range []struct{ doc, kind string }{
		{"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec: {chart: {spec: {chart: cilium}}, values: {MTU: 8500}}\n", KindCiliumConfig},
		{"apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nspec: {chart: {spec: {chart: cilium}}}\n", KindCiliumConfig},
		{"apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nspec: {chart: {spec: {chart: cilium, sourceRef: {kind: HelmRepository, name: cilium}}}}\n", KindCiliumConfig},
		{"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec: {chartRef: {kind: OCIRepository, name: cilium}}\n", KindCiliumConfig},
		{"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec: {chart: {spec: {chart: ingress-nginx}}}\n", ""},
	} {
		if c := classifyYAML(t, tc.doc); c.Kind != tc.kind {
			t.Errorf("%s: kind %q, want %q", tc.doc, c.Kind, tc.kind)
		}
	}
}

// helm.values is a string in Argo CD's CRD: anything else is refused by the API server,
// so it is an input error on that field, never read as if Argo would use it.
func TestArgoHelmValuesMustBeString(t *testing.T) {
	for _, c := range []struct {
		name, values string
		wantErr      string // "" = accepted
	}{
		{"map", "{MTU: 8500}", "spec.sources[0].helm.values: Argo CD takes helm.values as a string, not a map"},
		{"list", "[MTU]", "not a list"},
		{"number", "8500", "not a number"},
		{"block string", "|\n        MTU: 8500", ""},
		{"null", "null", ""},
		{"string that is not YAML values", `"a: ["`, "spec.sources[0].helm.values: the string is not YAML values"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n  - chart: cilium\n    helm:\n      values: " + c.values + "\n"
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatal(err)
			}
			_, err := Classify(obj)
			var fe *FieldError
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case c.wantErr == "":
			case err == nil || !strings.Contains(err.Error(), c.wantErr):
				t.Fatalf("error %v, want one containing %q", err, c.wantErr)
			case !errors.As(err, &fe) || pathString(fe.Path) != "spec.sources[0].helm.values":
				t.Fatalf("error %#v must be a FieldError on helm.values, for its line", err)
			}
		})
	}
}

func TestArgoValueFiles(t *testing.T) {
	app := `apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  sources:
  - repoURL: https://helm.cilium.io
    chart: cilium
    helm:
      valueFiles:
      - $values/clusters/prod/values.yaml
      - $values/../clusters/prod/./values-prod.yaml
      - $other/x.yaml
      - values-ipsec.yaml
      - https://example.com/values.yaml
      - $values/clusters/*/values.yaml
      values: "MTU: 8500"
  - repoURL: https://git.example.com/platform.git
    ref: values
  - repoURL: https://git.example.com/platform.git
    path: charts/cilium
    helm:
      valueFiles: [values-prod.yaml, /common/values.yaml, 42, null]
`
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(app), &obj); err != nil {
		t.Fatal(err)
	}
	type row struct{ at, path, unreadable, broken string }
	var got []row
	for _, f := range ArgoValueFiles(obj) {
		got = append(got, row{pathString(f.At), f.Path, f.Unreadable, f.Broken})
	}
	want := []row{
		{"spec.sources[0].helm.valueFiles[0]", "clusters/prod/values.yaml", "", ""},
		{"spec.sources[0].helm.valueFiles[1]", "clusters/prod/values-prod.yaml", "", ""},
		{"spec.sources[0].helm.valueFiles[2]", "", "", "$other names no source with `ref: other`, so Argo CD cannot render the Application: add `ref: other` to the source that holds the file"},
		{"spec.sources[0].helm.valueFiles[3]", "", "a file inside the chart package", ""},
		{"spec.sources[0].helm.valueFiles[4]", "", "a remote URL", ""},
		{"spec.sources[0].helm.valueFiles[5]", "", "a glob, which mtuguard does not expand", ""},
		{"spec.sources[2].helm.valueFiles[0]", "charts/cilium/values-prod.yaml", "", ""},
		{"spec.sources[2].helm.valueFiles[1]", "common/values.yaml", "", ""},
		{"spec.sources[2].helm.valueFiles[2]", "", "", "helm.valueFiles[2] must be a string (a value file's path), got a number: the API server refuses the Application"},
		{"spec.sources[2].helm.valueFiles[3]", "", "", "helm.valueFiles[3] must be a string (a value file's path), got null: the API server refuses the Application"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	// valueFiles are the lowest layers: the source's values string comes after all six.
	c := classifyYAML(t, app)
	if c.Layers[0].Order != 6 || pathString(c.Layers[0].At) != "spec.sources[0].helm.values" {
		t.Errorf("values layer %s order %d, want order 6", pathString(c.Layers[0].At), c.Layers[0].Order)
	}
}
