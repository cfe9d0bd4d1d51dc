package userdata

import (
	"encoding/base64"

	"github.com/mtuguard/mtuguard/policies/upstream"
	"testing"
)

func TestParse(t *testing.T) {
	networkd := "[Match]\nName=ens5\n[Link]\nMTUBytes=8500\n"
	for _, tc := range []struct {
		name string
		data string
		want []Setting
	}{
		{"shell ip link", "#!/bin/bash\nset -e\nip link set dev ens5 mtu 9001\n", []Setting{{Interface: "ens5", MTU: 9001, Method: "ip link set", Line: 3}}},
		{"shell ip link mtu first", "ip link set mtu 8500 dev eth0\n", []Setting{{Interface: "eth0", MTU: 8500, Method: "ip link set", Line: 1}}},
		{"sysfs", "echo 8500 > /sys/class/net/ens5/mtu\n", []Setting{{Interface: "ens5", MTU: 8500, Method: "/sys/class/net/*/mtu", Line: 1}}},
		{"commented out", "# ip link set dev ens5 mtu 9001\n", nil},
		{"networkd heredoc", "#!/bin/bash\ncat > /etc/systemd/network/10-ens5.network <<'EOF'\n" + networkd + "EOF\nnetworkctl reload\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Persistent: true, Method: "systemd-networkd MTUBytes", Line: 6}}},
		{"ifcfg", "cat >> /etc/sysconfig/network-scripts/ifcfg-eth0 <<EOF\nMTU=8500\nEOF\n", []Setting{{Interface: "eth0", MTU: 8500, Persistent: true, Method: "ifcfg MTU", Line: 2}}},
		{"dhclient", "echo 'supersede interface-mtu 8500;' >> /etc/dhcp/dhclient.conf\n", []Setting{{MTU: 8500, Persistent: true, Method: "dhclient supersede interface-mtu", Line: 1}}},
		{"cloud-config", "#cloud-config\nruncmd:\n  - ip link set dev ens5 mtu 8500\nwrite_files:\n  - path: /etc/systemd/network/10-ens5.network\n    content: |\n      [Match]\n      Name=ens5\n      [Link]\n      MTUBytes=8500\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Method: "ip link set", Line: 3}, {Interface: "ens5", MTU: 8500, Persistent: true, Method: "systemd-networkd MTUBytes", Line: 10}}},
		{"bottlerocket", "[settings.kubernetes]\ncluster-name = \"prod\"\n", nil},
		{"nodeconfig", "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    name: prod\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Settings) != len(tc.want) {
				t.Fatalf("settings %+v, want %+v", got.Settings, tc.want)
			}
			for i := range tc.want {
				if got.Settings[i] != tc.want[i] {
					t.Errorf("setting %d: %+v, want %+v", i, got.Settings[i], tc.want[i])
				}
			}
		})
	}
}

func TestParseMIME(t *testing.T) {
	script := "#!/bin/bash\nip link set dev ens5 mtu 8500\n"
	mime := "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"BOUNDARY\"\n\n" +
		"--BOUNDARY\nContent-Type: application/node.eks.aws\n\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec: {}\n\n" +
		"--BOUNDARY\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString([]byte(script)) + "\n" +
		"--BOUNDARY--\n"
	got, err := Parse(mime)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Settings) != 1 || got.Settings[0].MTU != 8500 || got.Settings[0].Line != 0 {
		t.Errorf("%+v", got)
	}
	if _, err := Parse("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Transfer-Encoding: base64\n\n!!!notbase64\n--B--\n"); err == nil {
		t.Error("bad base64 must be an error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("ip link set dev ens5 mtu 9001\n")
	f.Add("#cloud-config\nruncmd: [x]\n")
	f.Add("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n")
	for _, seed := range upstream.Seeds("../..", "FuzzUserData") {
		f.Add(string(seed))
	}
	f.Fuzz(func(t *testing.T, data string) {
		_, _ = Parse(data)
	})
}
