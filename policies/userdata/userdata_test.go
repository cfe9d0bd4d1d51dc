package userdata

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/policies/upstream"
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
			[]Setting{{Interface: "ens5", MTU: 8500, Persistent: true, Method: "systemd-networkd MTUBytes", Line: 6, File: "/etc/systemd/network/10-ens5.network"}}},
		{"ifcfg", "cat >> /etc/sysconfig/network-scripts/ifcfg-eth0 <<EOF\nMTU=8500\nEOF\n", []Setting{{Interface: "eth0", MTU: 8500, Persistent: true, Method: "ifcfg MTU", Line: 2, File: "/etc/sysconfig/network-scripts/ifcfg-eth0"}}},
		{"dhclient", "echo 'supersede interface-mtu 8500;' >> /etc/dhcp/dhclient.conf\n", []Setting{{MTU: 8500, Persistent: true, Method: "dhclient supersede interface-mtu", Line: 1, File: "/etc/dhcp/dhclient.conf"}}},
		{"cloud-config", "#cloud-config\nruncmd:\n  - ip link set dev ens5 mtu 8500\nwrite_files:\n  - path: /etc/systemd/network/10-ens5.network\n    content: |\n      [Match]\n      Name=ens5\n      [Link]\n      MTUBytes=8500\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Method: "ip link set", Line: 3}, {Interface: "ens5", MTU: 8500, Persistent: true, Method: "systemd-networkd MTUBytes", Line: 10, File: "/etc/systemd/network/10-ens5.network"}}},
		{"bottlerocket", "[settings.kubernetes]\ncluster-name = \"prod\"\n", nil},
		{"bottlerocket bootstrap container", "[settings.kubernetes]\ncluster-name = \"prod\"\n\n[settings.bootstrap-containers.mtu]\nsource = \"example.com/mtu:1\"\nmode = \"always\"\nuser-data = \"" + base64.StdEncoding.EncodeToString([]byte("ip link set dev eth0 mtu 8500\n")) + "\"\n",
			[]Setting{{Interface: "eth0", MTU: 8500, Method: "bootstrap container: ip link set", Line: 7}}},
		{"bottlerocket multi-line values", "[settings.kubernetes]\nnode-taints = [\n  \"a\",\n]\nmotd = \"\"\"\nhello\n\"\"\"\n", nil},
		{"echo into ifcfg", "echo 'MTU=\"8500\"' >> /etc/sysconfig/network-scripts/ifcfg-eth0\n", []Setting{{Interface: "eth0", MTU: 8500, Persistent: true, Method: "ifcfg MTU", Line: 1, File: "/etc/sysconfig/network-scripts/ifcfg-eth0"}}},
		{"command into rc.local", "echo 'ip link set dev eth0 mtu 8500' >> /etc/rc.local\n", []Setting{{Interface: "eth0", MTU: 8500, Method: "ip link set", Line: 1}}},
		{"heredoc ends", "cat > /etc/netplan/60-mtu.yaml <<EOF\nnetwork:\n  version: 2\n  ethernets:\n    ens5:\n      mtu: 8500\nEOF\necho 'mtu: 9001' > /tmp/x\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Persistent: true, Method: "netplan mtu", Line: 6, File: "/etc/netplan/60-mtu.yaml"}}},
		{"container linux networkd unit", "networkd:\n  units:\n  - name: 10-eth0.network\n    contents: |\n      [Match]\n      Name=eth0\n      [Link]\n      MTUBytes=9001\nsystemd:\n  units: []\n",
			[]Setting{{Interface: "eth0", MTU: 9001, Persistent: true, Method: "systemd-networkd MTUBytes", Line: 8, File: "/etc/systemd/network/10-eth0.network"}}},
		{"systemd unit running ip link", "cat > /etc/systemd/system/mtu.service <<'EOF'\n[Service]\nType=oneshot\nExecStart=/sbin/ip link set dev ens5 mtu 8500\nEOF\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Method: "ip link set", Line: 4}}},
		{"nodeconfig", "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    name: prod\n", nil},
		// One command's interface is never read with another's MTU.
		{"commands split at ;", "ip link set ens5 mtu 9001 ; ip link set ens6 mtu 8500\n",
			[]Setting{{Interface: "ens5", MTU: 9001, Method: "ip link set", Line: 1}, {Interface: "ens6", MTU: 8500, Method: "ip link set", Line: 1}}},
		{"commands split at && and ||", "ip link set dev ens5 up && ip link set dev ens6 mtu 8500 || ifconfig ens7 mtu 8400\n",
			[]Setting{{Interface: "ens6", MTU: 8500, Method: "ip link set", Line: 1}, {Interface: "ens7", MTU: 8400, Method: "ifconfig", Line: 1}}},
		{"sh -c in cloud-config", "#cloud-config\nruncmd:\n  - [sh, -c, \"ip link set ens5 mtu 9001; ip link set ens6 mtu 8500\"]\n",
			[]Setting{{Interface: "ens5", MTU: 9001, Method: "ip link set", Line: 3}, {Interface: "ens6", MTU: 8500, Method: "ip link set", Line: 3}}},
		{"continued lines", "#!/bin/bash\nip link set \\\n  dev ens5 \\\n  mtu 8500\nip link set dev ens6 mtu 8400\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Method: "ip link set", Line: 2}, {Interface: "ens6", MTU: 8400, Method: "ip link set", Line: 5}}},
		{"backslash in a comment continues nothing", "# see \\\nip link set dev ens5 mtu 8500\n", []Setting{{Interface: "ens5", MTU: 8500, Method: "ip link set", Line: 2}}},
		{"echo | tee sysfs", "echo 8500 | sudo tee /sys/class/net/ens5/mtu\n", []Setting{{Interface: "ens5", MTU: 8500, Method: "/sys/class/net/*/mtu", Line: 1}}},
		{"printf sysfs", "printf '8500\\n' > /sys/class/net/ens5/mtu\nprintf 8400 >/sys/class/net/ens6/mtu\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Method: "/sys/class/net/*/mtu", Line: 1}, {Interface: "ens6", MTU: 8400, Method: "/sys/class/net/*/mtu", Line: 2}}},
		{"variable interface", "ip link set dev \"$IFACE\" mtu 8500\n", []Setting{{Interface: VariableInterface, MTU: 8500, Method: "ip link set", Line: 1}}},
		{"command substitution", "for i in /sys/class/net/en*; do ip link set dev $(basename $i) mtu 8500; done\n",
			[]Setting{{Interface: VariableInterface, MTU: 8500, Method: "ip link set", Line: 1}}},
		{"sysfs loop", "for i in /sys/class/net/en*; do echo 8500 > \"$i/mtu\"; done\necho 8400 > /sys/class/net/${IF}/mtu\necho 8300 > /sys/class/net/$(basename $i)/mtu\n",
			[]Setting{{Interface: VariableInterface, MTU: 8500, Method: "/sys/class/net/*/mtu", Line: 1}, {Interface: VariableInterface, MTU: 8400, Method: "/sys/class/net/*/mtu", Line: 2}, {Interface: VariableInterface, MTU: 8300, Method: "/sys/class/net/*/mtu", Line: 3}}},
		{"ifcfg of a variable", "cat > /etc/sysconfig/network-scripts/ifcfg-$IFACE <<EOF\nMTU=8500\nEOF\n", []Setting{{Interface: VariableInterface, MTU: 8500, Persistent: true, Method: "ifcfg MTU", Line: 2, File: "/etc/sysconfig/network-scripts/ifcfg-$IFACE"}}},
		// networkd reads MTUBytes= as a size (base 1024) and ignores what it cannot parse.
		{"networkd size suffix", "cat > /etc/systemd/network/10-ens5.network <<'EOF'\n[Match]\nName=ens5\n[Link]\nMTUBytes=8.3K\nEOF\n",
			[]Setting{{Interface: "ens5", MTU: 8499, Persistent: true, Method: "systemd-networkd MTUBytes", Line: 5, File: "/etc/systemd/network/10-ens5.network"}}},
		{"networkd value it refuses", "printf '[Match]\\nName=ens5\\n[Link]\\nMTUBytes=8.3k\\n' > /etc/systemd/network/10-ens5.network\n", nil},
		// udev reads MTUBytes= in .link files, networkd in .network files and their drop-ins.
		{"link file", "cat > /etc/systemd/network/10-mtu.link <<'EOF'\n[Match]\nOriginalName=ens5\n[Link]\nMTUBytes=8500\nEOF\n",
			[]Setting{{Interface: "ens5", MTU: 8500, Persistent: true, Method: LinkFileMethod, Line: 5, File: "/etc/systemd/network/10-mtu.link"}}},
		{"one-liner among commands", "mkdir -p /etc/systemd/network/70-ens5.network.d && printf '[Link]\\nMTUBytes=8500\\n' > /etc/systemd/network/70-ens5.network.d/mtu.conf && ip link set dev ens5 mtu 8500\n",
			[]Setting{{MTU: 8500, Persistent: true, Method: "systemd-networkd MTUBytes", Line: 1, File: "/etc/systemd/network/70-ens5.network.d/mtu.conf"}, {Interface: "ens5", MTU: 8500, Method: "ip link set", Line: 1}}},
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

// A file written after the network manager configured the interface takes effect when
// the commands make it re-read its files.
func TestParseReloads(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"none", "printf '[Link]\\nMTUBytes=8500\\n' > /etc/systemd/network/70-ens5.network.d/mtu.conf\n", nil},
		{"networkctl reload", "mkdir -p /etc/systemd/network/70-ens5.network.d && printf '[Link]\\nMTUBytes=8500\\n' > /etc/systemd/network/70-ens5.network.d/mtu.conf && networkctl reload\n", []string{"systemd-networkd"}},
		{"networkctl reconfigure", "networkctl --no-pager reconfigure ens5\n", []string{"systemd-networkd"}},
		{"systemctl restart", "sudo systemctl restart systemd-networkd.service\n", []string{"systemd-networkd"}},
		{"systemctl status is no reload", "systemctl status systemd-networkd\n", nil},
		{"netplan apply", "netplan apply\n", []string{"netplan", "systemd-networkd"}},
		{"netplan generate is no reload", "netplan generate\n", nil},
		{"cloud-config list", "#cloud-config\nruncmd:\n- [networkctl, reload]\n", []string{"systemd-networkd"}},
		{"commented out", "# networkctl reload\n", nil},
		{"in a MIME part", "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/x-shellscript\n\nnetworkctl reload\n--B--\n", []string{"systemd-networkd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Reloads, ",") != strings.Join(tc.want, ",") {
				t.Errorf("reloads %q, want %q", got.Reloads, tc.want)
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

func TestParseMIMELines(t *testing.T) {
	// Settings in unencoded parts keep their line in the user data; nested parts too.
	data := "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"//\"\n\n" + // 1-3
		"--//\nContent-Type: application/node.eks.aws\n\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec: {}\n" + // 4-9
		"--//\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\n\n#!/bin/bash\nip link set dev ens5 mtu 9001\n" + // 10-14
		"--//\nContent-Type: multipart/mixed; boundary=\"inner\"\n\n--inner\nContent-Type: text/cloud-config\n\nruncmd:\n- echo 8500 > /sys/class/net/ens6/mtu\n--inner--\n" + // 15-23
		"--//\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: quoted-printable\n\nip link set dev ens7 mtu 8400\n" + // 24-28
		"--//--\n"
	got, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Setting{
		{Interface: "ens5", MTU: 9001, Method: "ip link set", Line: 14},
		{Interface: "ens6", MTU: 8500, Method: "/sys/class/net/*/mtu", Line: 22},
		{Interface: "ens7", MTU: 8400, Method: "ip link set", Line: 0},
	}
	if len(got.Settings) != len(want) {
		t.Fatalf("%+v", got.Settings)
	}
	for i := range want {
		if got.Settings[i] != want[i] {
			t.Errorf("setting %d: %+v, want %+v", i, got.Settings[i], want[i])
		}
	}
}

func gzipBase64(t testing.TB, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// cloud-init decompresses gzip parts and write_files; so does mtuguard, within 1 MiB.
func TestParseGzip(t *testing.T) {
	script := gzipBase64(t, []byte("#!/bin/bash\nip link set dev ens5 mtu 8500\n"))
	networkd := gzipBase64(t, []byte("[Match]\nName=ens5\n[Link]\nMTUBytes=8500\n"))
	part := func(header, body string) string {
		return "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: application/node.eks.aws\n\nkind: NodeConfig\n--B\n" + header + "\n\n" + body + "\n--B--\n"
	}
	for _, tc := range []struct {
		name, data string
		want       Setting
	}{
		{"x-gzip part", part("Content-Type: application/x-gzip\nContent-Transfer-Encoding: base64", script), Setting{Interface: "ens5", MTU: 8500, Method: "ip link set"}},
		{"content-encoding gzip", part("Content-Type: text/x-shellscript\nContent-Encoding: gzip\nContent-Transfer-Encoding: base64", script), Setting{Interface: "ens5", MTU: 8500, Method: "ip link set"}},
		{"gzip told by its magic", part("Content-Type: text/x-shellscript\nContent-Transfer-Encoding: base64", script), Setting{Interface: "ens5", MTU: 8500, Method: "ip link set"}},
		{"gzip cloud-config part", part("Content-Type: application/gzip\nContent-Transfer-Encoding: base64", gzipBase64(t, []byte("#cloud-config\nbootcmd:\n- ip link set dev ens5 mtu 8500\n"))), Setting{Interface: "ens5", MTU: 8500, Method: "ip link set"}},
		{"write_files gz+b64", "#cloud-config\nwrite_files:\n- path: /etc/systemd/network/70-ens5.network.d/mtu.conf\n  encoding: gz+b64\n  content: " + networkd + "\n", Setting{Interface: "ens5", MTU: 8500, Persistent: true, Method: "systemd-networkd MTUBytes", File: "/etc/systemd/network/70-ens5.network.d/mtu.conf"}},
		{"write_files gzip+base64", "#cloud-config\nwrite_files:\n- path: /etc/systemd/network/70-ens5.network.d/mtu.conf\n  encoding: gzip+base64\n  content: " + networkd + "\n", Setting{Interface: "ens5", MTU: 8500, Persistent: true, Method: "systemd-networkd MTUBytes", File: "/etc/systemd/network/70-ens5.network.d/mtu.conf"}},
		{"write_files gz+b64 script", "#cloud-config\nwrite_files:\n- path: /etc/rc.d/rc.local\n  encoding: gz+b64\n  content: " + script + "\n", Setting{Interface: "ens5", MTU: 8500, Method: "ip link set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Settings) != 1 || got.Settings[0] != tc.want {
				t.Errorf("settings %+v, want [%+v]", got.Settings, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	bomb := gzipBase64(t, make([]byte, 2<<20))
	twoParts := func(header, body string) string {
		return "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n\nip link set dev ens5 mtu 8500\n--B\n" + header + "\n\n" + body + "\n--B--\n"
	}
	for _, tc := range []struct {
		name, data string
		line       int
		msg        string
	}{
		{"bad base64 part", "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Transfer-Encoding: base64\n\n!!!notbase64\n--B--\n", 3, "invalid base64"},
		{"no boundary", "Content-Type: multipart/mixed\n\nx\n", 1, "no boundary"},
		{"cloud-config not YAML", "#cloud-config\nruncmd: [\n", 1, "not YAML"},
		{"toml garbage", "[settings.kubernetes]\ncluster-name \"x\"\n", 2, "not TOML"},
		{"bootstrap container not base64", "[settings.bootstrap-containers.x]\nuser-data = \"%%%\"\n", 2, "invalid base64"},
		{"gzip bomb part", twoParts("Content-Type: application/x-gzip\nContent-Transfer-Encoding: base64", bomb), 6, "part 2: gzip content decompresses to more than 1048576 bytes"},
		{"gzip part that is not gzip", twoParts("Content-Type: application/x-gzip\nContent-Transfer-Encoding: base64", base64.StdEncoding.EncodeToString([]byte("ip link set dev ens5 mtu 8500"))), 6, "part 2: invalid gzip"},
		{"truncated gzip part", twoParts("Content-Type: application/x-gzip\nContent-Transfer-Encoding: base64", gzipBase64(t, []byte("ip link set dev ens5 mtu 8500\n"))[:24]), 6, "part 2: invalid gzip"},
		{"gzip bomb file", "#cloud-config\nwrite_files:\n- path: /etc/systemd/network/a.network\n  encoding: gz+b64\n  content: " + bomb + "\n", 1, "write_files /etc/systemd/network/a.network (encoding gz+b64): gzip content decompresses to more than"},
		{"bad part inside nested MIME", "Content-Type: multipart/mixed; boundary=\"a\"\n\n--a\nContent-Type: text/cloud-config\n\nruncmd: [\n--a--\n", 6, "not YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.data)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want *Error, got %v", err)
			}
			if e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got line %d %q, want line %d containing %q", e.Line, e.Msg, tc.line, tc.msg)
			}
		})
	}
}

func TestBootstrapContainerScript(t *testing.T) {
	r, err := BootstrapContainerScript(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\nip link set eth0 mtu 9001\n")))
	if err != nil || len(r.Settings) != 1 || r.Settings[0].MTU != 9001 || r.Settings[0].Line != 0 {
		t.Errorf("%+v %v", r, err)
	}
	if _, err := BootstrapContainerScript("%%%"); err == nil {
		t.Error("bad base64 must be an error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("ip link set dev ens5 mtu 9001\n")
	f.Add("#cloud-config\nruncmd: [x]\n")
	f.Add("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n")
	f.Add("cat > /etc/systemd/network/10-ens5.network <<EOF\n[Link]\nMTUBytes=8.3K 1.5B\nEOF\n")
	for _, seed := range upstream.Seeds("../..", "FuzzUserData") {
		f.Add(string(seed))
	}
	f.Fuzz(func(t *testing.T, data string) {
		_, _ = Parse(data)
	})
}
