package lint_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
)

// fleet is an ApplicationSet deploying Cilium to the list's clusters, with its values in
// helm.values, a string Argo CD renders before Helm reads it (so id: {{id}} is a number).
func fleet(elements, values string) string {
	return `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: cilium
  namespace: argocd
spec:
  generators:
  - list:
      elements:
` + elements + `  template:
    metadata:
      name: 'cilium-{{cluster}}'
    spec:
      project: default
      destination: {name: '{{cluster}}', namespace: kube-system}
      source:
        repoURL: https://helm.cilium.io
        chart: cilium
        targetRevision: 1.18.0
        helm:
          values: |
            cluster:
              name: {{cluster}}
              id: {{id}}
            clustermesh:
              useAPIServer: true
` + values
}

const twoClusters = "      - {cluster: prod-use1, id: '1'}\n      - {cluster: prod-euw1, id: '2'}\n"

func noteList(rep *lint.Report) []string {
	var out []string
	for _, n := range rep.Notes {
		out = append(out, n.Error())
	}
	return out
}

// Each Application an ApplicationSet generates is a cluster of its own, its findings at
// the template's line, naming the Application.
func TestApplicationSetList(t *testing.T) {
	rep := lintFiles(t, map[string]string{"argocd/cilium.yaml": fleet(twoClusters, "")})
	got := findings(rep, "MTU001")
	if len(got) != 2 {
		t.Fatalf("want MTU001 on each generated Application: %+v", rep.Findings)
	}
	for i, want := range []string{"prod-use1", "prod-euw1"} {
		f := got[i]
		if f.File != "argocd/cilium.yaml" || f.Line != 23 || f.Cluster != want {
			t.Errorf("want MTU001 of cluster %s at argocd/cilium.yaml:23 (helm.values, where MTU is missing): %s:%d cluster %q", want, f.File, f.Line, f.Cluster)
		}
		if f.Ref.Kind != "Application" || f.Ref.Name != "cilium-"+want || f.Ref.Namespace != "argocd" {
			t.Errorf("the object is the generated Application: %+v", f.Ref)
		}
		if !strings.HasPrefix(f.Message, "Application cilium-"+want+" of ApplicationSet cilium: ") {
			t.Errorf("the message names the Application: %s", f.Message)
		}
	}
	if len(findings(rep, "MESH001"))+len(findings(rep, "MESH002")) != 0 {
		t.Errorf("distinct names and ids: %+v", rep.Findings)
	}
	rep = lintFiles(t, map[string]string{"argocd/cilium.yaml": fleet(twoClusters, "            MTU: 8500\n")})
	if got := findings(rep, "MTU001"); len(got) != 0 {
		t.Errorf("clamped: %+v", got)
	}
}

// The Applications of one ApplicationSet go to as many clusters: two of the same
// cluster name are two clusters, and MESH002 sees them.
func TestApplicationSetClustersOfTheirOwn(t *testing.T) {
	elements := "      - {cluster: a, id: '1'}\n      - {cluster: b, id: '2'}\n"
	doc := strings.Replace(fleet(elements, ""), "name: {{cluster}}\n", "name: mesh\n", 1)
	rep := lintFiles(t, map[string]string{"cilium.yaml": doc})
	if got := findings(rep, "MESH002"); len(got) != 2 {
		t.Errorf("want MESH002 on both Applications named cluster mesh: %+v", rep.Findings)
	}
}

// Value files named with parameters are found per Application, by path suffix, and their
// directory holds that cluster's other objects.
func TestApplicationSetValueFiles(t *testing.T) {
	doc := `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: cilium, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: [missingkey=error]
  generators:
  - list:
      elements:
      - {cluster: prod-use1}
      - {cluster: prod-euw1}
  template:
    metadata: {name: 'cilium-{{.cluster}}'}
    spec:
      project: default
      destination: {name: '{{.cluster}}', namespace: kube-system}
      sources:
      - repoURL: https://github.com/example/platform
        ref: values
      - repoURL: https://helm.cilium.io
        chart: cilium
        helm:
          valueFiles: ['$values/clusters/{{.cluster}}/cilium-values.yaml']
`
	values := func(name, id, mtu string) string {
		return "cluster:\n  name: " + name + "\n  id: " + id + "\nclustermesh:\n  useAPIServer: true\n" + mtu
	}
	policy := "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: deny, namespace: default}\nspec:\n  endpointSelector: {}\n  ingress: [{}]\n"
	rep := lintFiles(t, map[string]string{
		"platform/argocd/cilium.yaml":                        doc,
		"platform/clusters/prod-use1/cilium-values.yaml":     values("prod-use1", "1", "MTU: 9001\n"),
		"platform/clusters/prod-euw1/cilium-values.yaml":     values("prod-euw1", "2", "MTU: 8500\n"),
		"platform/clusters/prod-use1/policies/deny-all.yaml": policy,
	})
	got := findings(rep, "MTU001")
	if len(got) != 1 || got[0].File != "platform/clusters/prod-use1/cilium-values.yaml" || got[0].Line != 6 || got[0].Cluster != "prod-use1" {
		t.Fatalf("want one MTU001, at the MTU of prod-use1's value file: %+v", got)
	}
	if !strings.HasPrefix(got[0].Message, "Application cilium-prod-use1 of ApplicationSet cilium: ") {
		t.Errorf("a finding in a value file names the Application that reads it: %s", got[0].Message)
	}
	for _, f := range findings(rep, "ICMP003") {
		if f.Cluster != "prod-use1" {
			t.Errorf("the policy beside prod-use1's value file is that cluster's: %+v", f)
		}
	}
	if len(findings(rep, "ICMP003")) == 0 {
		t.Errorf("want ICMP003 on the default-deny policy: %+v", rep.Findings)
	}
	// A value file the run does not hold is a note naming the Application.
	rep = lintFiles(t, map[string]string{"platform/argocd/cilium.yaml": doc})
	if n := noteList(rep); len(n) != 2 || !strings.Contains(n[0], "Application cilium-prod-use1 of ApplicationSet cilium: value file $values/clusters/prod-use1/cilium-values.yaml is not among the linted files") {
		t.Errorf("want a note per missing value file: %q", n)
	}
}

// A git files generator reads its parameters from the run's files; those files are
// parameters, not clusters of their own, even when they look like Cilium values.
func TestApplicationSetGitFiles(t *testing.T) {
	doc := `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: cilium, namespace: argocd}
spec:
  generators:
  - git:
      repoURL: https://github.com/example/fleet
      revision: HEAD
      files:
      - path: clusters/**/cilium.json
  template:
    metadata: {name: 'cilium-{{path.basename}}'}
    spec:
      project: default
      destination: {name: '{{path.basename}}', namespace: kube-system}
      source:
        repoURL: https://helm.cilium.io
        chart: cilium
        helm:
          parameters:
          - {name: cluster.name, value: '{{cluster.name}}'}
          - {name: cluster.id, value: '{{cluster.id}}'}
          - {name: clustermesh.useAPIServer, value: 'true'}
          - {name: MTU, value: '{{mtu}}'}
`
	rep := lintFiles(t, map[string]string{
		"fleet/argocd/cilium.yaml":             doc,
		"fleet/clusters/prod-use1/cilium.json": `{"cluster": {"name": "prod-use1", "id": 1}, "mtu": 9001, "clustermesh": {"useAPIServer": true}}`,
		"fleet/clusters/prod-euw1/cilium.json": `{"cluster": {"name": "prod-euw1", "id": 2}, "mtu": 8500}`,
	})
	got := findings(rep, "MTU001")
	if len(got) != 1 || got[0].Cluster != "prod-use1" || got[0].File != "fleet/argocd/cilium.yaml" || got[0].Line != 20 {
		t.Fatalf("want MTU001 on prod-use1 at its parameters (fleet/argocd/cilium.yaml:20): %+v", rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.File != "fleet/argocd/cilium.yaml" {
			t.Errorf("a generator's parameter file is not a cluster: %s %s:%d", f.Rule, f.File, f.Line)
		}
	}
}

// Generators that need the live Argo CD are input notes at their line, and the run's
// exit status does not change for them.
func TestApplicationSetUnseenGenerators(t *testing.T) {
	doc := strings.Replace(fleet(twoClusters, "            MTU: 8500\n"), "  - list:\n", "  - clusters:\n      selector: {matchLabels: {mesh: prod}}\n  - list:\n", 1)
	rep := lintFiles(t, map[string]string{"cilium.yaml": doc})
	n := noteList(rep)
	if len(n) != 1 || !strings.HasPrefix(n[0], "cilium.yaml:8: the clusters generator takes clusters from the Argo CD instance's cluster secrets, which a lint run cannot see, so the Cilium config of the Applications it generates is not checked") {
		t.Errorf("want a note at the clusters generator: %q", n)
	}
	if got := findings(rep, "MTU001"); len(got) != 0 {
		t.Errorf("the list's clusters are clamped: %+v", got)
	}
}

// An ApplicationSet's own suppression annotation covers what it generates.
func TestApplicationSetSuppression(t *testing.T) {
	doc := strings.Replace(fleet(twoClusters, ""), "  namespace: argocd\n", "  namespace: argocd\n  annotations:\n    mtuguard.dev/ignore: MTU001\n    mtuguard.dev/ignore-reason: migrating\n", 1)
	rep := lintFiles(t, map[string]string{"cilium.yaml": doc})
	if got := findings(rep, "MTU001"); len(got) != 0 {
		t.Errorf("suppressed by the ApplicationSet's annotation: %+v", got)
	}
	if c := rep.Counts(); c.Suppressed != 2 {
		t.Errorf("want both suppressed findings counted: %+v", c)
	}
}

// What the Applications share, such as a value every template renders as a string, is
// one input error naming them; an ApplicationSet Argo CD cannot expand is an input error
// at its line; past 1,000 Applications, the rest is an input error.
func TestApplicationSetInputErrors(t *testing.T) {
	quoted := fleet(twoClusters, "")
	quoted = quoted[:strings.Index(quoted, "          values: |")] + `          valuesObject:
            cluster: {name: '{{cluster}}', id: '{{id}}'}
            clustermesh: {useAPIServer: true}
            MTU: '8500'
`
	var many strings.Builder
	for i := range 1001 {
		fmt.Fprintf(&many, "      - {cluster: c%d}\n", i)
	}
	unmeshed := strings.Replace(fleet(many.String(), "            MTU: 8500\n"), "              id: {{id}}\n            clustermesh:\n              useAPIServer: true\n", "", 1)
	for _, c := range []struct {
		name, doc string
		want      []string
	}{
		{"a templated string Cilium's chart types", quoted, []string{
			`cilium.yaml:26: Applications cilium-prod-euw1, cilium-prod-use1 of ApplicationSet cilium: MTU: "8500" is a string; Cilium's chart wants a number (values.schema.json): write 8500 without quotes`, // not templated
			`cilium.yaml:24: Application cilium-prod-use1 of ApplicationSet cilium: cluster.id: "1" is a string; Cilium's chart wants a number (values.schema.json): the ApplicationSet's template renders every templated value as a string`,
			`cilium.yaml:24: Application cilium-prod-euw1 of ApplicationSet cilium: cluster.id: "2" is a string`,
		}},
		{"a list element Argo CD refuses", fleet("      - {cluster: a, id: 1}\n", ""), []string{
			"cilium.yaml:10: list element 0: id is a number; without goTemplate Argo CD takes only strings",
		}},
		{"1,001 Applications", unmeshed, []string{
			"cilium.yaml:7: the ApplicationSet generates more than 1000 Applications, more than mtuguard expands: only the first 1000 are checked",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := runFiles(t, map[string]string{"cilium.yaml": c.doc})
			var got []string
			for _, e := range rep.InputErrors {
				got = append(got, e.Error())
			}
			if len(got) != len(c.want) {
				t.Fatalf("input errors %q, want %d", got, len(c.want))
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("no input error %q in %q", w, got)
				}
			}
		})
	}
}
