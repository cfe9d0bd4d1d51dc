package policies

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// appSet builds an ApplicationSet installing Cilium from generators (YAML under
// spec.generators) and a values template (YAML under helm.valuesObject); its
// Applications are named cilium-{{cluster}}.
func appSet(spec, generators, values string) string {
	return namedAppSet(spec, generators, values, "cilium-{{cluster}}")
}

// namedAppSet is appSet with the Applications' name template; with goTemplate, its
// fasttemplate tags become Go template ones.
func namedAppSet(spec, generators, values, name string) string {
	destination := "{{cluster}}"
	if strings.Contains(spec, "goTemplate: true") {
		name = strings.ReplaceAll(strings.ReplaceAll(name, "{{", "{{."), "{{..", "{{.")
		destination = "{{.cluster}}"
	}
	indent := func(s, pad string) string {
		return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad)
	}
	return `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: cilium, namespace: argocd}
spec:
` + spec + `  generators:
` + indent(generators, "    ") + `
  template:
    metadata:
      name: '` + name + `'
    spec:
      project: default
      destination: {name: '` + destination + `', namespace: kube-system}
      source:
        repoURL: https://helm.cilium.io
        chart: cilium
        helm:
          valuesObject:
` + indent(values, "            ") + "\n"
}

// expand expands doc with the run's files (path → content).
func expand(t *testing.T, doc string, files map[string]string) AppSetExpansion {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	run := AppSetRun{Files: names, From: "argocd/appset.yaml", Read: func(f string) (any, error) {
		var v any
		err := yaml.Unmarshal([]byte(files[f]), &v)
		return v, err
	}}
	return ExpandApplicationSet(obj, run)
}

// summary is each Application's name and values, and each issue, one string each.
func summary(e AppSetExpansion) []string {
	var out []string
	for _, a := range e.Apps {
		values := dig(a.Object, "spec", "source", "helm", "valuesObject")
		out = append(out, fmt.Sprintf("%s %v", a.Name, values))
	}
	for _, is := range e.Issues {
		kind := "error"
		if is.Note {
			kind = "note"
		}
		out = append(out, fmt.Sprintf("%s %s: %s", kind, pathString(is.Path), is.Msg))
	}
	return out
}

func TestExpandApplicationSet(t *testing.T) {
	clusterValues := "cluster: {name: '{{cluster}}', id: '{{id}}'}"
	for _, c := range []struct {
		name, spec, generators, values string
		appName                        string // the Applications' name template, if not cilium-{{cluster}}
		files                          map[string]string
		want                           []string // Application summaries, then issues; a prefix of an issue
	}{
		{
			name:       "list, fasttemplate",
			generators: "- list:\n    elements:\n    - {cluster: prod-use1, id: '1'}\n    - {cluster: prod-euw1, id: '2', values: {mtu: '8500'}}",
			values:     clusterValues + "\nMTU: '{{values.mtu}}'\nunknown: '{{ nope }}'",
			want: []string{
				"cilium-prod-use1 map[MTU:{{values.mtu}} cluster:map[id:1 name:prod-use1] unknown:{{ nope }}]",
				"cilium-prod-euw1 map[MTU:8500 cluster:map[id:2 name:prod-euw1] unknown:{{ nope }}]",
			},
		},
		{
			name:       "list element with a number, fasttemplate",
			generators: "- list:\n    elements:\n    - {cluster: a, id: 1}",
			values:     clusterValues,
			want:       []string{"error spec.generators[0].list.elements[0]: list element 0: id is a number; without goTemplate Argo CD takes only strings"},
		},
		{
			name:       "goTemplate: numbers print as Argo CD's JSON decoding has them, missing keys as <no value>",
			spec:       "  goTemplate: true\n",
			generators: "- list:\n    elements:\n    - {cluster: a, id: 1, asn: 64512000}",
			values:     "cluster: {name: '{{.cluster}}', id: '{{.id}}'}\nasn: '{{.asn}}'\nmissing: '{{.nope}}'\nupper: '{{ .cluster | upper }}'",
			want:       []string{"cilium-a map[asn:6.4512e+07 cluster:map[id:1 name:a] missing:<no value> upper:A]"},
		},
		{
			name:       "goTemplate with missingkey=error",
			spec:       "  goTemplate: true\n  goTemplateOptions: [missingkey=error]\n",
			generators: "- list:\n    elements:\n    - {cluster: a}",
			values:     "cluster: {name: '{{.nope}}'}",
			want:       []string{`error spec.template.spec.source.helm.valuesObject.cluster.name: the Go template does not render: at 1:2: executing "base" at <.nope>: map has no entry for key "nope"`},
		},
		{
			name:       "elementsYaml",
			spec:       "  goTemplate: true\n",
			generators: "- list:\n    elementsYaml: |\n      - {cluster: a}\n      - {cluster: b}",
			values:     "cluster: {name: '{{.cluster}}'}",
			want:       []string{"cilium-a map[cluster:map[name:a]]", "cilium-b map[cluster:map[name:b]]"},
		},
		{
			name: "matrix: the second generator rendered with the first's parameters",
			generators: `- matrix:
    generators:
    - list: {elements: [{cluster: a, region: use1}, {cluster: b, region: euw1}]}
    - list: {elements: [{id: '1', zone: '{{region}}-az1'}]}`,
			values: clusterValues + "\nzone: '{{zone}}'",
			want: []string{
				"cilium-a map[cluster:map[id:1 name:a] zone:use1-az1]",
				"cilium-b map[cluster:map[id:1 name:b] zone:euw1-az1]",
			},
		},
		{
			name: "matrix children disagreeing on a parameter",
			generators: `- matrix:
    generators:
    - list: {elements: [{cluster: a}]}
    - list: {elements: [{cluster: b}]}`,
			values: clusterValues,
			want:   []string{"error spec.generators[0].matrix: the matrix's generators both set parameter cluster"},
		},
		{
			name: "matrix of a matrix",
			generators: `- matrix:
    generators:
    - matrix:
        generators:
        - list: {elements: [{cluster: a}, {cluster: b}]}
        - list: {elements: [{id: '1'}]}
    - list: {elements: [{x: z}]}`,
			values: clusterValues,
			want:   []string{"cilium-a map[cluster:map[id:1 name:a]]", "cilium-b map[cluster:map[id:1 name:b]]"},
		},
		{
			name: "matrix nested three levels",
			generators: `- matrix:
    generators:
    - matrix:
        generators:
        - matrix:
            generators:
            - list: {elements: [{cluster: a}]}
            - list: {elements: [{id: '1'}]}
        - list: {elements: [{x: y}]}
    - list: {elements: [{z: w}]}`,
			values: clusterValues,
			want:   []string{"error spec.generators[0].matrix.generators[0].matrix.generators[0]: matrix nested in a matrix that is itself nested"},
		},
		{
			name: "matrix of three",
			generators: `- matrix:
    generators:
    - list: {elements: [{cluster: a}]}
    - list: {elements: [{id: '1'}]}
    - list: {elements: [{x: y}]}`,
			values: clusterValues,
			want:   []string{"error spec.generators[0].matrix.generators: a matrix combines exactly two generators, this one has 3"},
		},
		{
			name: "merge: overrides by merge key, the others' extra sets dropped",
			generators: `- merge:
    mergeKeys: [cluster]
    generators:
    - list: {elements: [{cluster: a, id: '1', mtu: '9001'}, {cluster: b, id: '2', mtu: '9001'}]}
    - list: {elements: [{cluster: b, mtu: '8500'}, {cluster: c, mtu: '1500'}]}`,
			values: clusterValues + "\nMTU: '{{mtu}}'",
			want:   []string{"cilium-a map[MTU:9001 cluster:map[id:1 name:a]]", "cilium-b map[MTU:8500 cluster:map[id:2 name:b]]"},
		},
		{
			name: "merge whose override comes from the live cluster",
			generators: `- merge:
    mergeKeys: [cluster]
    generators:
    - list: {elements: [{cluster: a, id: '1'}]}
    - clusters: {}`,
			values: clusterValues,
			want: []string{"cilium-a map[cluster:map[id:1 name:a]]",
				"note spec.generators[0].merge.generators[1].clusters: the clusters generator takes clusters from the Argo CD instance's cluster secrets, which a lint run cannot see, so the merge's Applications are checked without the parameters it would merge in"},
		},
		{
			name: "merge with duplicate merge keys",
			generators: `- merge:
    mergeKeys: [cluster]
    generators:
    - list: {elements: [{cluster: a}, {cluster: a}]}
    - list: {elements: [{cluster: a}]}`,
			values: clusterValues,
			want:   []string{"error spec.generators[0].merge.generators[0]: two of the generator's parameter sets have the same merge keys"},
		},
		{
			name:       "generators that need the live Argo CD are notes at their line",
			generators: "- clusters: {selector: {matchLabels: {mesh: prod}}}\n- list: {elements: [{cluster: a, id: '1'}]}\n- pullRequest: {github: {owner: o, repo: r}}",
			values:     clusterValues,
			want: []string{"cilium-a map[cluster:map[id:1 name:a]]",
				"note spec.generators[0].clusters: the clusters generator takes clusters from the Argo CD instance's cluster secrets, which a lint run cannot see, so the Cilium config of the Applications it generates is not checked",
				"note spec.generators[2].pullRequest: the pullRequest generator takes pull requests"},
		},
		{
			name:       "a matrix with a clusters child is not checked",
			generators: "- matrix:\n    generators:\n    - clusters: {}\n    - list: {elements: [{id: '1'}]}",
			values:     clusterValues,
			want:       []string{"note spec.generators[0].matrix.generators[0].clusters: the clusters generator takes clusters"},
		},
		{
			name:       "post-selector",
			generators: "- list:\n    elements: [{cluster: a, env: prod}, {cluster: b, env: dev}, {cluster: c}]\n  selector:\n    matchExpressions: [{key: env, operator: In, values: [prod, staging]}]",
			values:     "cluster: {name: '{{cluster}}'}",
			want:       []string{"cilium-a map[cluster:map[name:a]]"},
		},
		{
			name:       "git files: parameters flattened, path parameters, the repository found under a directory of the run",
			generators: "- git:\n    repoURL: https://github.com/example/platform\n    revision: HEAD\n    files:\n    - path: clusters/*/config.json\n    - {path: clusters/staging/**, exclude: true}",
			values:     "cluster: {name: '{{cluster.name}}', id: '{{cluster.id}}'}\ndir: '{{path}}'\nbase: '{{path.basename}}'\nfile: '{{path.filename}}'\nfirst: '{{path[0]}}'\n",
			appName:    "cilium-{{cluster.name}}",
			files: map[string]string{
				"platform/clusters/prod-use1/config.json":        `{"cluster": {"name": "prod-use1", "id": 1}}`,
				"platform/clusters/prod-euw1/nested/config.json": `{"cluster": {"name": "prod-euw1", "id": 2}}`, // * crosses '/', as git ls-files has it
				"platform/clusters/staging/config.json":          `{"cluster": {"name": "staging", "id": 3}}`,
				"platform/clusters/prod-use1/values.yaml":        "MTU: 8500\n",
			},
			want: []string{
				"cilium-prod-euw1 map[base:nested cluster:map[id:2 name:prod-euw1] dir:clusters/prod-euw1/nested file:config.json first:clusters]",
				"cilium-prod-use1 map[base:prod-use1 cluster:map[id:1 name:prod-use1] dir:clusters/prod-use1 file:config.json first:clusters]",
			},
		},
		{
			name:       "git files, goTemplate, pathParamPrefix and values",
			spec:       "  goTemplate: true\n",
			generators: "- git:\n    repoURL: r\n    pathParamPrefix: cfg\n    values: {region: '{{.region}}-x', missing: '{{.nope}}'}\n    files: [{path: 'clusters/**.yaml'}]",
			values:     "cluster: {name: '{{.cluster}}', id: '{{.id}}'}\nbase: '{{.cfg.path.basename}}'\nsegment: '{{index .cfg.path.segments 1}}'\nregion: '{{.values.region}}'",
			files:      map[string]string{"clusters/a/params.yaml": "cluster: a\nid: 7\nregion: use1\n"},
			want:       []string{"cilium-a map[base:a cluster:map[id:7 name:a] region:use1-x segment:a]"},
		},
		{
			name:       "git files the run does not hold",
			generators: "- git: {repoURL: https://github.com/example/fleet, files: [{path: clusters/*/config.json}]}",
			values:     clusterValues,
			want:       []string{"note spec.generators[0].git: no file of the run matches the git generator's clusters/*/config.json, so the Cilium config of the Applications it generates is not checked (lint a checkout of https://github.com/example/fleet in the same run)"},
		},
		{
			name:       "git file that is not parameters",
			generators: "- git: {repoURL: r, files: [{path: clusters/*/config.yaml}]}",
			values:     clusterValues,
			files:      map[string]string{"clusters/a/config.yaml": "[1, 2]\n"},
			want:       []string{"error spec.generators[0].git: the git files generator reads clusters/a/config.yaml, which holds a number, not a map of parameters"},
		},
		{
			name:       "git directories: path.Match, exclude, hidden directories skipped",
			generators: "- git:\n    repoURL: r\n    directories:\n    - path: clusters/*\n    - {path: clusters/skip, exclude: true}",
			values:     "cluster: {name: '{{path.basename}}'}\ndir: '{{path}}'\nnorm: '{{path.basenameNormalized}}'\nsecond: '{{path[1]}}'",
			appName:    "cilium-{{path.basenameNormalized}}",
			files: map[string]string{
				"repo/clusters/Prod_Use1/values.yaml": "x: 1\n",
				"repo/clusters/skip/values.yaml":      "x: 1\n",
				"repo/clusters/.hidden/values.yaml":   "x: 1\n",
				"repo/clusters/a/b/values.yaml":       "x: 1\n", // a matches; a/b does not (* stays in a directory)
				"repo/README.yaml":                    "x: 1\n",
			},
			want: []string{
				"cilium-prod-use1 map[cluster:map[name:Prod_Use1] dir:clusters/Prod_Use1 norm:prod-use1 second:Prod_Use1]",
				"cilium-a map[cluster:map[name:a] dir:clusters/a norm:a second:a]",
			},
		},
		{
			name:       "templatePatch is a note",
			spec:       "  templatePatch: |\n    spec: {}\n",
			generators: "- list: {elements: [{cluster: a, id: '1'}]}",
			values:     clusterValues,
			want:       []string{"cilium-a map[cluster:map[id:1 name:a]]", "note spec.templatePatch: templatePatch is not applied"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := c.appName
			if name == "" {
				name = "cilium-{{cluster}}"
			}
			got := summary(expand(t, namedAppSet(c.spec, c.generators, c.values, name), c.files))
			if len(got) != len(c.want) {
				t.Fatalf("got %d results, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.want[i]) {
					t.Errorf("result %d:\n got %s\nwant %s", i, got[i], c.want[i])
				}
			}
		})
	}
}

// ApplicationSets that do not install Cilium are not expanded, and say nothing of their
// generators; one whose chart is a parameter is expanded and its Applications classified.
func TestApplicationSetRelevance(t *testing.T) {
	other := strings.Replace(appSet("", "- clusters: {}", "a: b"), "chart: cilium", "chart: ingress-nginx", 1)
	if e := expand(t, other, nil); len(e.Apps)+len(e.Issues) != 0 {
		t.Errorf("another chart's ApplicationSet: %v", summary(e))
	}
	templated := strings.Replace(appSet("", "- list: {elements: [{cluster: a, chart: cilium}, {cluster: b, chart: other}]}\n- clusters: {}", "a: b"), "chart: cilium\n", "chart: '{{chart}}'\n", 1)
	e := expand(t, templated, nil)
	if len(e.Apps) != 2 || len(e.Issues) != 0 {
		t.Fatalf("want both Applications and no note (the clusters one may not be Cilium's): %v", summary(e))
	}
	for i, want := range []string{KindCiliumConfig, ""} {
		if c, err := Classify(e.Apps[i].Object); err != nil || c.Kind != want {
			t.Errorf("Application %s: kind %q (%v), want %q", e.Apps[i].Name, c.Kind, err, want)
		}
	}
}

// A generator's own template overrides spec.template field by field, and its fields are
// found in it.
func TestGeneratorTemplate(t *testing.T) {
	doc := appSet("", "- list:\n    elements: [{cluster: a}]\n    template:\n      metadata: {}\n      spec:\n        source:\n          helm:\n            valuesObject: {MTU: 8500}", "MTU: 9001\ncluster: {name: x}")
	e := expand(t, doc, nil)
	if len(e.Apps) != 1 {
		t.Fatalf("%v", summary(e))
	}
	a := e.Apps[0]
	if got := dig(a.Object, "spec", "source", "helm", "valuesObject"); !reflect.DeepEqual(got, map[string]any{"MTU": float64(8500)}) {
		t.Errorf("the generator's valuesObject replaces spec.template's whole: %v", got)
	}
	if a.Name != "cilium-a" || dig(a.Object, "spec", "source", "chart") != "cilium" {
		t.Errorf("the rest comes from spec.template: %v", a.Object)
	}
	want := [][]any{{"spec", "generators", 0, "list", "template"}, {"spec", "template"}}
	if !reflect.DeepEqual(a.Template, want) {
		t.Errorf("template prefixes %v, want %v", a.Template, want)
	}
	if ns := dig(a.Object, "metadata", "namespace"); ns != "argocd" {
		t.Errorf("the Application's namespace is the ApplicationSet's: %v", ns)
	}
}

// Hostile and malformed ApplicationSets: each is an input error at the field, never a
// crash, a hang or a silent pass; expansion is bounded.
func TestApplicationSetHostile(t *testing.T) {
	var many strings.Builder
	many.WriteString("- list:\n    elements:\n")
	for i := range 5000 {
		fmt.Fprintf(&many, "    - {cluster: c%d, id: '%d'}\n", i, i%255+1)
	}
	clusterValues := "cluster: {name: '{{cluster}}', id: '{{id}}'}"
	for _, c := range []struct {
		name, spec, generators, values string
		apps                           int
		issue                          string
	}{
		{"generators not a list", "", "{list: {}}", clusterValues, 0, "spec.generators: spec.generators must be a list, got a map"},
		{"generator a string", "", "- list", clusterValues, 0, "spec.generators[0]: generator 0 must be a map, got the string"},
		{"list a string", "", "- list: elements", clusterValues, 0, "spec.generators[0].list: list must be a map"},
		{"elements a map", "", "- list: {elements: {a: b}}", clusterValues, 0, "spec.generators[0].list.elements: list.elements must be a list, got a map"},
		{"element a string", "", "- list: {elements: [a]}", clusterValues, 0, "spec.generators[0].list.elements[0]: list element 0 is the string"},
		{"elementsYaml not a list", "", "- list: {elementsYaml: 'a: b'}", clusterValues, 0, "spec.generators[0].list.elementsYaml: list.elementsYaml is not a YAML list of maps"},
		{"matrix a list", "", "- matrix: [a]", clusterValues, 0, "spec.generators[0].matrix: matrix must be a map with generators, got a list"},
		{"merge a string", "", "- merge: x", clusterValues, 0, "spec.generators[0].merge: merge must be a map with generators and mergeKeys"},
		{"no known generator", "", "- lists: {elements: [{cluster: a}]}", clusterValues, 0, "spec.generators[0]: generator 0 names none of Argo CD's generators"},
		{"two generators in a matrix child", "", "- matrix: {generators: [{list: {elements: [{cluster: a}]}, git: {repoURL: r, files: [{path: x}]}}, {list: {elements: [{id: '1'}]}}]}", clusterValues, 0, "spec.generators[0].matrix.generators[0]: a child generator names list and git"},
		{"git without files or directories", "", "- git: {repoURL: r}", clusterValues, 0, "spec.generators[0].git: the git generator has neither directories nor files"},
		{"git files item without a path", "", "- git: {repoURL: r, files: [{exclude: true}]}", clusterValues, 0, "spec.generators[0].git.files[0]: git.files[0] must have a string path"},
		{"merge without keys", "", "- merge: {generators: [{list: {elements: []}}, {list: {elements: []}}]}", clusterValues, 0, "spec.generators[0].merge.mergeKeys: merge.mergeKeys must list one or more"},
		{"selector operator", "", "- list: {elements: [{cluster: a}]}\n  selector: {matchExpressions: [{key: a, operator: Gt, values: ['1']}]}", clusterValues, 0, `spec.generators[0].selector.matchExpressions[0]: "Gt" is not a selector operator`},
		{"goTemplate a string", "  goTemplate: 'yes'\n", "- list: {elements: [{cluster: a}]}", clusterValues, 0, "spec.goTemplate: goTemplate must be true or false"},
		{"goTemplateOptions unknown", "  goTemplate: true\n  goTemplateOptions: [strict]\n", "- list: {elements: [{cluster: a}]}", clusterValues, 0, `spec.goTemplateOptions[0]: goTemplateOptions "strict" is not a Go template option`},
		{"unterminated tag", "", "- list: {elements: [{cluster: a}]}", "cluster: {name: '{{cluster}}-{{id'}", 0, "spec.template.spec.source.helm.valuesObject.cluster.name: a `{{` has no closing `}}`"},
		{"Go template that does not parse", "  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", "cluster: {name: '{{ .cluster '}", 0, "spec.template.spec.source.helm.valuesObject.cluster.name: the Go template does not parse"},
		{"5,000 elements", "", many.String(), clusterValues, MaxGeneratedApplications, "spec.generators: the ApplicationSet generates more than 1000 Applications"},
		{"a matrix of 100 × 100", "", "- matrix:\n    generators:\n    - list: {elementsYaml: '" + strings.Repeat("[", 1) + elementsYAML("cluster", 100) + "]'}\n    - list: {elementsYaml: '[" + elementsYAML("id", 100) + "]'}", clusterValues, MaxGeneratedApplications, "spec.generators: the ApplicationSet generates more than 1000"},
		{"repeat bomb", "  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", `cluster: {name: '{{ repeat 100000000 "x" }}'}`, 0, "spec.template.spec.source.helm.valuesObject.cluster.name: the Go template does not render: at 1:3: executing \"base\" at <repeat 100000000 \"x\">: error calling repeat: repeat would make more than 4 MiB"},
		{"printf width", "  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", `cluster: {name: '{{ printf "%099999999d" 1 }}'}`, 0, "printf widths and precisions over 4096"},
		{"doubling a string", "  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", `cluster: {name: '{{ $x := "xxxxxxxxxxxxxxxx" }}{{ range until 40 }}{{ $x = printf "%s%s" $x $x }}{{ end }}'}`, 0, "printf is given more than 4 MiB"},
		{"a dict holding itself", "  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", `cluster: {name: '{{ $d := dict "a" "b" }}{{ $_ := set $d "self" $d }}{{ $d }}'}`, 1, ""},
		{"output over 1 MiB", "  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", `cluster: {name: '{{ range until 300 }}{{ repeat 4000 "x" }}{{ end }}'}`, 0, "the template renders more than 1024 KiB"},
		{"crypto", "  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", `cluster: {name: '{{ genPrivateKey "rsa" }}'}`, 0, "mtuguard does not run genPrivateKey"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := expand(t, namedAppSet(c.spec, c.generators, c.values, "cilium-{{cluster}}-{{id}}"), nil)
			if len(e.Apps) != c.apps {
				t.Errorf("%d Applications, want %d", len(e.Apps), c.apps)
			}
			got := summary(AppSetExpansion{Issues: e.Issues})
			if c.issue == "" {
				if len(got) != 0 {
					t.Errorf("want no issue: %q", got)
				}
				return
			}
			if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "error ") && strings.Contains(s, c.issue) }) {
				t.Errorf("want an error containing %q, got %q", c.issue, got)
			}
		})
	}
}

func elementsYAML(key string, n int) string {
	var items []string
	for i := range n {
		items = append(items, fmt.Sprintf("{%s: v%d}", key, i))
	}
	return strings.Join(items, ", ")
}

// A Go template that loops without making output ends in the time bound, as an input
// error, not a hang (the loop left behind ends within a second).
func TestApplicationSetTimeout(t *testing.T) {
	defer func(d time.Duration) { appSetTimeout = d }(appSetTimeout)
	appSetTimeout = 100 * time.Millisecond
	doc := appSet("  goTemplate: true\n", "- list: {elements: [{cluster: a}]}", `cluster: {name: '{{ range until 6000 }}{{ range until 3000 }}{{ end }}{{ end }}'}`)
	start := time.Now()
	e := expand(t, doc, nil)
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
	if len(e.Apps) != 0 || len(e.Issues) != 1 || !strings.Contains(e.Issues[0].Msg, "takes longer than 100ms") {
		t.Errorf("%v", summary(e))
	}
}

func TestFastReplace(t *testing.T) {
	params := map[string]any{"cluster": "prod", "id": float64(1), "path.basename": "a"}
	for in, want := range map[string]string{
		"cilium-{{cluster}}":        "cilium-prod",
		"{{ cluster }}/{{cluster}}": "prod/prod",
		"{{id}}":                    "{{id}}", // only string parameters replace
		"{{nope}}":                  "{{nope}}",
		"{{}}":                      "{{}}",
		"{{path.basename}}":         "a",
		"{{cluster\n}}":             "{{cluster\n}}", // no }} on the line of the {{: not a template to Argo CD
		"{{{cluster}}}":             "{{{cluster}}}", // the tag is "{cluster"
	} {
		if got, err := fastReplace(in, params); err != nil || got != want {
			t.Errorf("fastReplace(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := fastReplace("{{cluster}} {{id", params); err == nil {
		t.Error("an unterminated tag must fail")
	}
}

func TestGitPattern(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"clusters/*/config.json", "clusters/a/config.json", true},
		{"clusters/*/config.json", "clusters/a/b/config.json", true}, // git ls-files: * crosses /
		{"clusters/*/config.json", "other/a/config.json", false},
		{"clusters/**/config.json", "clusters/a/config.json", true},
		{"clusters", "clusters/a/config.json", true}, // a directory names what is under it
		{"clusters", "clusters-old/a.json", false},
		{"./clusters/a.json", "clusters/a.json", true},
		{"clusters/[ab].json", "clusters/b.json", true},
		{"clusters/[!ab].json", "clusters/b.json", false},
		{"clusters/?.json", "clusters/c.json", true},
		{"clusters/[.json", "clusters/[.json", true},
	} {
		if got := newGitPattern(c.pattern).match(c.path); got != c.want {
			t.Errorf("%s ~ %s: %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{"Prod_Use1": "prod-use1", "-a.b-": "a.b", "x/y z": "x-y-z"} {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
