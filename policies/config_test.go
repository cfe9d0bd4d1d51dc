package policies

import (
	"strings"
	"testing"
)

// Every link DESIGN.md names resolves to the MTU its provider documents.
func TestLinkMTUs(t *testing.T) {
	want := map[string]int{
		"aws-vpc": 9001, "aws-vpc-peering": 9001, "aws-vpc-peering-inter-region": 8500,
		"aws-transit-gateway": 8500, "aws-transit-gateway-peering": 8500, "aws-transit-gateway-vpn-attachment": 1500,
		"aws-cloud-wan": 8500, "aws-site-to-site-vpn": 1446, "aws-direct-connect-transit-vif": 8500,
		"aws-direct-connect-private-vif": 8500, "aws-gateway-load-balancer": 8500, "aws-privatelink": 8500,
		"internet": 1500, "gcp-vpc-default": 1460, "gcp-vpc-jumbo": 8896, "gcp-cloud-vpn": 1460,
		"gcp-interconnect-default": 1440, "azure-vnet": 1500, "azure-vpn-gateway": 1400, "azure-expressroute": 1400,
	}
	for name, mtu := range want {
		l, err := LookupLink(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if l.MTU != mtu {
			t.Errorf("%s: MTU %d, want %d", name, l.MTU, mtu)
		}
		if l.Behaviour != "drops" && l.Behaviour != "signals" {
			t.Errorf("%s: behaviour %q", name, l.Behaviour)
		}
		if !strings.HasPrefix(l.Source, "https://") || l.Description == "" {
			t.Errorf("%s: needs a description and a source", name)
		}
	}
	if got := len(Links()); got != len(want) {
		t.Errorf("%d links in links.yaml, %d tested: test the new ones", got, len(want))
	}
}

func TestPathMTU(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		mtu  int
		from string
		ok   bool
	}{
		{Config{}, 0, "", false},
		{Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}}}, 8500, "aws-transit-gateway 8500", true},
		{Config{Mesh: MeshConfig{Links: []string{"aws-vpc-peering", "aws-site-to-site-vpn"}}}, 1446, "aws-vpc-peering 9001, aws-site-to-site-vpn 1446", true},
		{Config{Mesh: MeshConfig{Links: []string{"aws-transit-gateway"}, PathMTU: 8000}}, 8000, "mesh.pathMTU", true},
	} {
		mtu, from, ok := tc.cfg.PathMTU()
		if mtu != tc.mtu || from != tc.from || ok != tc.ok {
			t.Errorf("%+v: got %d %q %v", tc.cfg.Mesh, mtu, from, ok)
		}
	}
	if (Config{}).NodeMTU() != 9001 || (Config{Nodes: NodesConfig{MTU: 1500}}).NodeMTU() != 1500 {
		t.Error("NodeMTU default or override wrong")
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"mesh:\n  links: [aws-tgw]\n", `unknown link "aws-tgw"; known links: aws-cloud-wan, aws-direct-connect-private-vif`},
		{"mesh:\n  pathMtu: 8500\n", `unknown field "mesh.pathMtu"`},
		{"mesh:\n  pathMTU: 100\n", "mesh.pathMTU 100: want 576-65535"},
		{"nodes:\n  mtu: 70000\n", "nodes.mtu 70000: want 576-65535"},
		{"rules:\n  MTU999: error\n", `unknown rule "MTU999"`},
		{"rules:\n  MTU001: fatal\n", `"fatal" is not one of error, warning, info, off`},
		{"apiVersion: mtuguard.dev/v2\n", "want mtuguard.dev/v1alpha1"},
		{"mesh: [\n", "yaml"},
	} {
		_, err := ParseConfig([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.doc, err, tc.want)
		}
	}
	cfg, err := ParseConfig([]byte("apiVersion: mtuguard.dev/v1alpha1\nkind: Config\nmesh:\n  links: [aws-transit-gateway]\nrules:\n  MTU004: error\n  MESH004: \"off\"\nignore: [\"vendor/**\"]\n"))
	if err != nil || cfg.Rules["MTU004"] != "error" || len(cfg.Ignore) != 1 {
		t.Errorf("valid config: %+v, %v", cfg, err)
	}
}
