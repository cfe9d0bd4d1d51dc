package policies

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/policies/upstream"
)

// FuzzHelmValues feeds arbitrary values documents to the normalisation and every rule:
// whatever the types, evaluation answers (findings or problems), never an error.
func FuzzHelmValues(f *testing.F) {
	for _, seed := range upstream.Seeds("..", "FuzzHelmValues") {
		f.Add(seed)
	}
	f.Add([]byte("MTU: [1]\ncluster: {id: -3, name: 7}\nipam: {operator: {clusterPoolIPv4PodCIDRList: [1, {a: b}, '10.0.0.0/8']}}\n"))
	fuzzRules(f, func(values map[string]any) []Object {
		objs := HelmValues(values).Objects(values, Source{}, 0)
		return append(objs, Object{ID: 1, Kind: KindCiliumNetworkPolicy, Object: map[string]any{"spec": values}})
	})
}

// fuzzRules evaluates every rule over the objects each YAML mapping the fuzzer makes
// turns into, failing when evaluation errs (it must answer with findings or problems).
func fuzzRules(f *testing.F, objects func(map[string]any) []Object) {
	e, err := NewEngine(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	cfg := Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc map[string]any
		if yaml.Unmarshal(data, &doc) != nil || doc == nil {
			return
		}
		objs := objects(doc)
		if len(objs) == 0 {
			return
		}
		if _, err := e.Eval(context.Background(), Input{Config: cfg, Objects: objs}); err != nil {
			t.Fatalf("evaluation failed on %q: %v", data, err)
		}
	})
}

// FuzzClassify feeds arbitrary documents to every classifier and the rules: whatever the
// shape of a Kubernetes object, classification returns a verdict or an error, never
// panics, and evaluation of what it classified answers.
func FuzzClassify(f *testing.F) {
	for _, head := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config}\n",
		"apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n",
		"apiVersion: cilium.io/v2\nkind: CiliumNodeConfig\n",
		"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n",
		"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n",
		"apiVersion: argoproj.io/v1alpha1\nkind: Application\n",
		"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: rke2-cilium}\n",
		"apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata: {name: rke2-cilium}\n",
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
		"apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\n",
		"apiVersion: karpenter.sh/v1\nkind: NodePool\n",
		"apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n",
		"apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfigTemplate\n",
		"apiVersion: addons.cluster.x-k8s.io/v1alpha1\nkind: HelmChartProxy\nmetadata: {name: cilium}\n",
		"apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: {name: a}\nspec: {rkeConfig: {machineGlobalConfig: {cni: cilium}, chartValues: {rke2-cilium: {MTU: 9001}}}}\n",
	} {
		f.Add([]byte(head + "spec: {chart: cilium, values: {MTU: 9001}, valuesContent: 'MTU: [1]', set: {MTU: x}}\n"))
		f.Add([]byte(head + "spec: {chartName: cilium, clusterSelector: {matchLabels: {a: b}}, valuesTemplate: \"cluster: {id: {{ index .Cluster.metadata.labels \\\"a\\\" }}}\\nMTU: ${MTU}\"}\n"))
		f.Add([]byte(head + "helmCharts: [{name: cilium, valuesInline: {MTU: 1}, valuesMerge: merge}]\nnodeGroups: [{name: a, preBootstrapCommands: [1]}]\n"))
	}
	fuzzRules(f, func(obj map[string]any) []Object {
		c, err := Classify(obj)
		if err != nil || c.Kind == "" {
			return nil
		}
		return c.Objects(obj, Source{}, 0)
	})
}

// FuzzExpandApplicationSet feeds arbitrary ApplicationSets to the expansion: whatever the
// generators and templates, it answers with Applications and issues, never an internal
// error, and every Application it makes classifies.
func FuzzExpandApplicationSet(f *testing.F) {
	values := "cluster: {name: '{{cluster}}', id: '{{id}}'}"
	for _, g := range []string{
		"- list: {elements: [{cluster: a, id: '1'}], elementsYaml: '[{cluster: b}]'}",
		"- matrix: {generators: [{list: {elements: [{cluster: a}]}}, {git: {repoURL: r, files: [{path: 'c/*.json'}]}}]}",
		"- merge: {mergeKeys: [cluster], generators: [{list: {elements: [{cluster: a}]}}, {clusters: {}}]}\n  selector: {matchLabels: {cluster: a}}",
		"- git: {repoURL: r, directories: [{path: '*'}, {path: c, exclude: true}], values: {x: '{{path}}'}}",
	} {
		f.Add([]byte(appSet("", g, values)))
		f.Add([]byte(appSet("  goTemplate: true\n", g, "cluster: {name: '{{ .cluster | upper }}', id: '{{ index . \"id\" }}'}")))
	}
	files := []string{"c/a.json", "c/b/d.json"}
	run := AppSetRun{Files: files, From: "x.yaml", Read: func(string) (any, error) {
		return map[string]any{"cluster": "a", "id": "1"}, nil
	}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if yaml.Unmarshal(data, &obj) != nil || obj == nil {
			return
		}
		e := ExpandApplicationSet(obj, run)
		for _, is := range e.Issues {
			if strings.Contains(is.Msg, "internal error") {
				t.Fatalf("%s on %q", is.Msg, data)
			}
		}
		for _, a := range e.Apps {
			_, _ = Classify(a.Object)
		}
	})
}
