package lint_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
	"github.com/mtuguard/mtuguard/policies/upstream"
)

// upstreamExpectations lists, for every example policy Cilium ships (examples/policies/ in
// the module), the rules it deserves under default config, each with why. Each example is
// linted on its own: they are independent illustrations, not one cluster. With no Cilium
// config in scope the rules assume Cilium's defaults (allow-icmp-frag-needed true, both
// families), and host policies are judged as if the host firewall were on, since they
// mean nothing otherwise: the host lock-downs get ICMP003, not ICMP002, because the
// default IPv4 underlay's fragmentation-needed passes the bypass before host policy.
var upstreamExpectations = map[string]struct {
	rules  []string
	reason string
}{
	"auth/auth.yaml": {nil, "egress only, no ingress default-deny"},
	"getting-started/cilium_dkr_demo_l3-l4-policy-170817.yaml":       {[]string{"ICMP003"}, "ingress from pods only: default-deny with no ICMP allowance"},
	"getting-started/cilium_dkr_demo_l7-policy-230817.yaml":          {[]string{"ICMP003"}, "ingress from pods only"},
	"getting-started/l3-l4-policy.yaml":                              {[]string{"ICMP003"}, "ingress from pods only"},
	"getting-started/l7-policy.yaml":                                 {[]string{"ICMP003"}, "ingress from pods only"},
	"host/allow-extended-protocols.yaml":                             {nil, "host egress only"},
	"host/demo-host-policy.yaml":                                     {[]string{"ICMP003"}, "host lock-down: nodes in default-deny, no ICMP allowance (host firewall assumed on: config unknown)"},
	"host/lock-down-dev-vms-remote-node.yaml":                        {[]string{"ICMP003"}, "host lock-down"},
	"host/lock-down-gke.yaml":                                        {[]string{"ICMP003"}, "host lock-down"},
	"host/lock-down-ingress.yaml":                                    {[]string{"ICMP003"}, "host lock-down: remote-node and health only, ports without ICMP"},
	"kubernetes/clustermesh/cross-cluster-any-namespace-policy.yaml": {nil, "egress only"},
	"kubernetes/clustermesh/cross-cluster-policy.yaml":               {nil, "egress only"},
	"kubernetes/clusterwide/clusterscope-policy.yaml":                {[]string{"ICMP003"}, "ingress from pods only"},
	"kubernetes/clusterwide/health.yaml":                             {[]string{"ICMP003"}, "ingress from health only"},
	"kubernetes/clusterwide/wildcard-from-endpoints.yaml":            {[]string{"ICMP003"}, "fromEndpoints {} is every pod, not world"},
	"kubernetes/namespace/demo-pods.yaml":                            {nil, "pods, not policies"},
	"kubernetes/namespace/isolate-namespaces.yaml":                   {[]string{"ICMP003"}, "ingress from the namespace only"},
	"kubernetes/namespace/kubedns-policy.yaml":                       {nil, "egress only"},
	"kubernetes/namespace/namespace-labels-policy.yaml":              {[]string{"ICMP003"}, "ingress from labelled namespaces only"},
	"kubernetes/namespace/namespace-policy.yaml":                     {[]string{"ICMP003"}, "ingress from one namespace only"},
	"kubernetes/serviceaccount/demo-pods.yaml":                       {nil, "pods, not policies"},
	"kubernetes/serviceaccount/serviceaccount-policy.yaml":           {[]string{"ICMP003"}, "ingress from one service account only"},
	"l3/cidr/cidr.yaml":                                              {nil, "egress only"},
	"l3/egress-allow-all/egress-allow-all.yaml":                      {nil, "egress only"},
	"l3/egress-default-deny/egress-default-deny.yaml":                {nil, "egress default-deny does not stop incoming errors"},
	"l3/egress-deny/egress-deny.yaml":                                {nil, "egress deny of an L3 peer, not of ICMP"},
	"l3/entities/apiserver.yaml":                                     {nil, "egress only"},
	"l3/entities/customnodes.yaml":                                   {[]string{"ICMP003"}, "ingress from nodes only"},
	"l3/entities/from_world_deny.yaml":                               {[]string{"ICMP001"}, "an L3-only deny of world covers every protocol (pkg/policy/rule.go), so routers' PacketTooBig to every pod is dropped (live for IPv6, latent for frag-needed)"},
	"l3/entities/host.yaml":                                          {nil, "egress only"},
	"l3/entities/nodes.yaml":                                         {[]string{"ICMP003"}, "ingress from nodes only"},
	"l3/entities/world.yaml":                                         {nil, "L3 allow from world lets every protocol in, ICMP included"},
	"l3/fqdn/fqdn.yaml":                                              {nil, "egress only"},
	"l3/ingress-allow-all/ingress-allow-all.yaml":                    {[]string{"ICMP003"}, "fromEndpoints {} allows every pod, not routers"},
	"l3/match-expressions/and-statement.yaml":                        {[]string{"ICMP003"}, "ingress from pods only"},
	"l3/match-expressions/or-statement.yaml":                         {[]string{"ICMP003"}, "ingress from pods only"},
	"l3/requires/endpoints.yaml":                                     {[]string{"ICMP003"}, "ingress from pods only"},
	"l3/requires/requires.yaml":                                      {[]string{"ICMP003"}, "fromRequires narrows to pods"},
	"l3/service/service.yaml":                                        {nil, "egress only"},
	"l3/simple/l3.yaml":                                              {[]string{"ICMP003"}, "ingress from pods only"},
	"l3/simple/l3_egress.yaml":                                       {nil, "egress only"},
	"l4/cidr_l4_combined.yaml":                                       {nil, "egress only"},
	"l4/from_init.yaml":                                              {[]string{"ICMP003"}, "ingress from init identity only"},
	"l4/icmp.yaml":                                                   {nil, "egress ping allowance"},
	"l4/init.yaml":                                                   {[]string{"ICMP003"}, "ingress from init identity only"},
	"l4/l3_l4_combined.yaml":                                         {[]string{"ICMP003"}, "ingress from pods on one port"},
	"l4/l4.yaml":                                                     {nil, "egress only"},
	"l4/l4_port_range.yaml":                                          {nil, "egress only"},
	"l4/l4_sni.yaml":                                                 {nil, "egress only"},
	"l4/multi_rule.yaml":                                             {[]string{"ICMP003"}, "ingress from pods only"},
	"l7/dns/dns-upgrade.yaml":                                        {nil, "egress only"},
	"l7/dns/dns-visibility.yaml":                                     {nil, "egress only"},
	"l7/dns/dns.yaml":                                                {nil, "egress only"},
	"l7/http/http.yaml":                                              {[]string{"ICMP003"}, "L7 ingress from pods only"},
	"l7/http/l7_multi.yaml":                                          {[]string{"ICMP003"}, "L7 ingress from pods only"},
	"l7/http/simple/l7.yaml":                                         {[]string{"ICMP003"}, "L7 ingress from pods only"},
}

func TestUpstreamCiliumExamples(t *testing.T) {
	mod, err := upstream.ModuleDir(upstream.Cilium)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(mod, "examples", "policies")
	e := testEngine(t)
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".json")) {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		want, listed := upstreamExpectations[rel]
		if !listed {
			t.Errorf("%s: new upstream example; add it to upstreamExpectations with the rules it deserves", rel)
			return nil
		}
		rep, err := lint.Run(context.Background(), e, []string{path}, lint.Options{})
		if err != nil {
			return err
		}
		for _, ie := range rep.InputErrors {
			t.Errorf("%s: input error %v", rel, ie)
		}
		got := map[string]bool{}
		for _, f := range rep.Findings {
			got[f.Rule] = true
			if !strings.Contains(f.Ref.Kind, "Policy") {
				t.Errorf("%s: finding on a non-policy object %+v", rel, f.Ref)
			}
		}
		var gotList []string
		for r := range got {
			gotList = append(gotList, r)
		}
		sort.Strings(gotList)
		if strings.Join(gotList, ",") != strings.Join(want.rules, ",") {
			t.Errorf("%s: rules %v, want %v (%s)", rel, gotList, want.rules, want.reason)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range upstreamExpectations {
		if !seen[rel] {
			t.Errorf("%s: listed but no longer upstream", rel)
		}
	}
}

// upstreamNodePoolExamples lists the node-pool examples Karpenter's AWS provider, eksctl
// and Cluster API's AWS provider ship whose verdicts differ from the rest: each example is linted beside a ClusterMesh
// member in tunnel mode that auto-detects the MTU, across a Transit Gateway. None of
// them sets an interface MTU, so each must leave the nodes at 9001 (MTU001 on the config,
// naming its Linux pools) and read without input errors, unless listed here with why.
var upstreamNodePoolExamples = map[string]struct {
	inputError string // what the input error must say
	reason     string
}{
	// The example names nodeClassRef.group "karpenter.k8s.aws/v1"; the NodePool CRD's
	// pattern ^[^/]*$ refuses it, so kubectl apply fails on it as published.
	"karpenter/windows-custom-userdata.yaml": {`nodeClassRef.group "karpenter.k8s.aws/v1" is an API group and version`, "the upstream example is refused by its own CRD"},
}

func TestUpstreamNodePoolExamples(t *testing.T) {
	e := testEngine(t)
	cfg := policies.Config{Mesh: policies.MeshConfig{Links: []string{"aws-transit-gateway"}}}
	member := "cluster: {name: a, id: 1}\nclustermesh: {useAPIServer: true}\n"
	seen := map[string]bool{}
	for _, src := range []struct{ name, module, dir string }{
		{"karpenter", upstream.KarpenterAWS, "examples/v1"},
		{"eksctl", upstream.Eksctl, "examples"},
		{"capa", upstream.ClusterAPIAWS, "templates"},
	} {
		mod, err := upstream.ModuleDir(src.module)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(mod, src.dir, "*.yaml"))
		if len(files) < 10 {
			t.Fatalf("%s: %d examples in %s; expected the published set", src.name, len(files), src.dir)
		}
		for _, file := range files {
			rel := src.name + "/" + filepath.Base(file)
			seen[rel] = true
			t.Run(rel, func(t *testing.T) {
				dir := t.TempDir()
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, "example.yaml"), data, 0o644)
				os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(member), 0o644)
				rep, err := lint.Run(context.Background(), e, []string{dir}, lint.Options{Config: cfg})
				if err != nil {
					t.Fatal(err)
				}
				want, listed := upstreamNodePoolExamples[rel]
				if listed {
					if len(rep.InputErrors) != 1 || !strings.Contains(rep.InputErrors[0].Error(), want.inputError) {
						t.Errorf("input errors %v, want one saying %q (%s)", rep.InputErrors, want.inputError, want.reason)
					}
					return
				}
				for _, ie := range rep.InputErrors {
					t.Errorf("input error %v", ie)
				}
				var rules []string
				for _, f := range rep.Findings {
					rules = append(rules, f.Rule)
				}
				if len(rules) != 1 || rules[0] != "MTU001" || !strings.Contains(rep.Findings[0].Message, "auto-detects the node MTU 9001") {
					t.Errorf("findings %v, want MTU001 alone, at the node MTU 9001: %v", rules, rep.Findings)
				}
			})
		}
	}
	for rel := range upstreamNodePoolExamples {
		if !seen[rel] {
			t.Errorf("%s: listed but no longer upstream", rel)
		}
	}
}

// TestUpstreamHelmChartProxies renders every HelmChartProxy Cluster API's Helm add-on
// provider publishes (its samples and end-to-end data) for each Cluster of its e2e
// cluster templates it selects, as the add-on provider would: every template must render,
// into a map of values. The charts are not Cilium's, so lint reads none of them as a
// Cilium config, and the templates beside them lint without input errors.
func TestUpstreamHelmChartProxies(t *testing.T) {
	mod, err := upstream.ModuleDir(upstream.ClusterAPIHelm)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	for _, pattern := range []string{"config/samples/*.yaml", "test/e2e/data/addons-helm/*/bases/*.yaml", "test/e2e/data/addons-helm/*/cluster-template*.yaml"} {
		files, _ := filepath.Glob(filepath.Join(mod, pattern))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range strings.Split(string(data), "\n---") {
				var obj map[string]any
				if yaml.Unmarshal([]byte(part), &obj) == nil && obj != nil {
					docs = append(docs, obj)
				}
			}
		}
	}
	var proxies, clusters []map[string]any
	for _, obj := range docs {
		if _, kind := policies.TypeMeta(obj); kind == "HelmChartProxy" {
			proxies = append(proxies, obj)
		}
		if policies.IsCAPICluster(obj) {
			clusters = append(clusters, obj)
		}
	}
	if len(proxies) < 6 || len(clusters) == 0 {
		t.Fatalf("%d HelmChartProxies, %d Clusters: expected the published set", len(proxies), len(clusters))
	}
	rendered := 0
	for _, hcp := range proxies {
		_, name, _ := policies.Meta(hcp)
		sel, err := policies.ClusterSelector(hcp)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// The stand-in has only the selector's labels: a template reading more of the
		// Cluster fails for it (an input note), but must parse.
		if _, err := policies.RenderHelmChartProxy(hcp, policies.CAPIObjects{Cluster: policies.StandInCluster(hcp)}); err != nil {
			if te := (*policies.TemplateError)(nil); !errors.As(err, &te) || te.Parse {
				t.Errorf("%s: %v", name, err)
			}
		}
		for _, c := range clusters {
			if !policies.HelmChartProxySelects(hcp, sel, c) {
				continue
			}
			if _, err := policies.RenderHelmChartProxy(hcp, policies.CAPIObjects{Cluster: c}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			rendered++
		}
		if c, err := policies.Classify(hcp); err != nil || c.Kind != "" {
			t.Errorf("%s installs no Cilium, classified %q, %v", name, c.Kind, err)
		}
	}
	if rendered == 0 {
		t.Error("no HelmChartProxy selects a Cluster of the e2e templates")
	}
	t.Logf("%d HelmChartProxies rendered for %d Clusters they select", len(proxies), rendered)
	rep, err := lint.Run(context.Background(), testEngine(t), []string{filepath.Join(mod, "config", "samples"), filepath.Join(mod, "test", "e2e", "data", "addons-helm")}, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ie := range rep.InputErrors {
		t.Errorf("input error %v", ie)
	}
	if len(rep.Findings) > 0 {
		t.Errorf("findings %+v", rep.Findings)
	}
}
