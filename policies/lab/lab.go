// Package lab builds a network-namespace model of the Transit Gateway black hole: two
// "pods" behind two "nodes" joined by a VXLAN or Geneve tunnel with DF set, and a
// "transit gateway" between the nodes' underlays that drops (or, in the ICMP variant,
// signals) packets above the path MTU. It proves the rules' byte budget against the
// Linux kernel: the largest safe pod MTU mtuguard computes must carry a TCP transfer and
// one byte more must stall. It needs root, iproute2 and nftables.
package lab

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
)

// Case is one lab topology.
type Case struct {
	Encap    string // "vxlan" or "geneve"
	Underlay string // "ipv4" or "ipv6"
	Variant  string // "drop": the hop drops silently; "icmp": it sends frag-needed / packet too big
	PathMTU  int
	NodeMTU  int
}

// Lab is a built topology; Close removes every namespace it made.
type Lab struct {
	Case
	prefix     string
	PodA, PodB string // namespace names
	ns         []string
}

// Pod addresses: the server listens in pod B.
const (
	PodAAddr = "10.200.1.2"
	PodBAddr = "10.200.2.2"
)

func run(args ...string) error {
	cmd := exec.Command(args[0], args[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

func (l *Lab) in(ns string, args ...string) error {
	return run(append([]string{"ip", "netns", "exec", ns}, args...)...)
}

// New builds the topology for c, with unique names so parallel runs never collide.
func New(c Case) (*Lab, error) {
	suffix := make([]byte, 3)
	rand.Read(suffix)
	l := &Lab{Case: c, prefix: "mg" + hex.EncodeToString(suffix)}
	if err := l.build(); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (l *Lab) name(role string) string { return l.prefix + role }

func (l *Lab) build() error {
	pa, na, tg, nb, pb := l.name("pa"), l.name("na"), l.name("tg"), l.name("nb"), l.name("pb")
	l.PodA, l.PodB = pa, pb
	for _, ns := range []string{pa, na, tg, nb, pb} {
		if err := run("ip", "netns", "add", ns); err != nil {
			return err
		}
		l.ns = append(l.ns, ns)
		if err := l.in(ns, "ip", "link", "set", "lo", "up"); err != nil {
			return err
		}
	}
	v6 := l.Underlay == "ipv6"
	ua, ub, ga, gb, plen := "172.31.1.1", "172.31.2.2", "172.31.1.2", "172.31.2.1", "24"
	if v6 {
		ua, ub, ga, gb, plen = "fd00:31:1::1", "fd00:31:2::2", "fd00:31:1::2", "fd00:31:2::1", "64"
	}
	family := "-4"
	if v6 {
		family = "-6"
	}
	steps := [][]string{
		// Underlay: node A - transit gateway - node B, at the node MTU.
		{"ip", "link", "add", "ua", "netns", na, "mtu", fmt.Sprint(l.NodeMTU), "type", "veth", "peer", "name", "ta", "netns", tg, "mtu", fmt.Sprint(l.NodeMTU)},
		{"ip", "link", "add", "ub", "netns", nb, "mtu", fmt.Sprint(l.NodeMTU), "type", "veth", "peer", "name", "tb", "netns", tg, "mtu", fmt.Sprint(l.NodeMTU)},
		{"ip", "netns", "exec", na, "ip", family, "addr", "add", ua + "/" + plen, "dev", "ua", "nodad"},
		{"ip", "netns", "exec", tg, "ip", family, "addr", "add", ga + "/" + plen, "dev", "ta", "nodad"},
		{"ip", "netns", "exec", tg, "ip", family, "addr", "add", gb + "/" + plen, "dev", "tb", "nodad"},
		{"ip", "netns", "exec", nb, "ip", family, "addr", "add", ub + "/" + plen, "dev", "ub", "nodad"},
		{"ip", "netns", "exec", na, "ip", "link", "set", "ua", "up"},
		{"ip", "netns", "exec", nb, "ip", "link", "set", "ub", "up"},
		{"ip", "netns", "exec", tg, "ip", "link", "set", "ta", "up"},
		{"ip", "netns", "exec", tg, "ip", "link", "set", "tb", "up"},
		{"ip", "netns", "exec", na, "ip", family, "route", "add", ub, "via", ga},
		{"ip", "netns", "exec", nb, "ip", family, "route", "add", ua, "via", gb},
		{"ip", "netns", "exec", tg, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return err
		}
	}
	if err := l.pathLimit(tg, gb, plen); err != nil {
		return err
	}
	// The tunnel between the nodes, DF set on the outer header like Cilium's datapath.
	for _, side := range []struct{ ns, local, remote, self, peer string }{
		{na, ua, ub, "10.201.0.1", "10.201.0.2"},
		{nb, ub, ua, "10.201.0.2", "10.201.0.1"},
	} {
		var add []string
		switch l.Encap {
		case "vxlan":
			add = []string{"ip", "link", "add", "tun0", "type", "vxlan", "id", "42", "local", side.local, "remote", side.remote, "dstport", "4789"}
		case "geneve":
			add = []string{"ip", "link", "add", "tun0", "type", "geneve", "id", "42", "remote", side.remote}
		default:
			return fmt.Errorf("unknown encapsulation %q", l.Encap)
		}
		if !v6 {
			add = append(add, "df", "set")
		}
		if err := l.in(side.ns, add...); err != nil {
			return err
		}
		for _, s := range [][]string{
			{"ip", "link", "set", "tun0", "mtu", "8990", "up"},
			{"ip", "addr", "add", side.self + "/30", "dev", "tun0"},
			{"sysctl", "-qw", "net.ipv4.ip_forward=1"},
		} {
			if err := l.in(side.ns, s...); err != nil {
				return err
			}
		}
	}
	// Pods: a veth to their node, routed through the tunnel.
	for _, p := range []struct{ pod, node, addr, gw, remote, via string }{
		{pa, na, PodAAddr, "10.200.1.1", "10.200.2.0/24", "10.201.0.2"},
		{pb, nb, PodBAddr, "10.200.2.1", "10.200.1.0/24", "10.201.0.1"},
	} {
		for _, s := range [][]string{
			{"ip", "link", "add", "eth0", "netns", p.pod, "type", "veth", "peer", "name", "lxc0", "netns", p.node},
			{"ip", "netns", "exec", p.pod, "ip", "addr", "add", p.addr + "/24", "dev", "eth0"},
			{"ip", "netns", "exec", p.pod, "ip", "link", "set", "eth0", "up"},
			{"ip", "netns", "exec", p.pod, "ip", "route", "add", "default", "via", p.gw},
			{"ip", "netns", "exec", p.node, "ip", "addr", "add", p.gw + "/24", "dev", "lxc0"},
			{"ip", "netns", "exec", p.node, "ip", "link", "set", "lxc0", "up"},
			{"ip", "netns", "exec", p.node, "ip", "route", "add", p.remote, "via", p.via, "dev", "tun0"},
		} {
			if err := run(s...); err != nil {
				return err
			}
		}
	}
	// No segmentation offloads: the transit gateway must see (and drop) wire-sized
	// packets, not GRO/GSO super-packets, as a real hop would.
	for _, dev := range [][2]string{{na, "ua"}, {tg, "ta"}, {tg, "tb"}, {nb, "ub"}, {na, "tun0"}, {nb, "tun0"}, {pa, "eth0"}, {pb, "eth0"}, {na, "lxc0"}, {nb, "lxc0"}} {
		if err := l.in(dev[0], "ethtool", "-K", dev[1], "gro", "off", "gso", "off", "tso", "off"); err != nil {
			return err
		}
	}
	return nil
}

// pathLimit makes the transit gateway enforce the path MTU towards node B.
func (l *Lab) pathLimit(tg, gb, plen string) error {
	if l.Variant == "icmp" {
		// A locked route MTU: the kernel drops larger DF packets and sends
		// fragmentation-needed / packet-too-big to the sender (the node).
		family, dst := "-4", "172.31.2.0/24"
		if l.Underlay == "ipv6" {
			family, dst = "-6", "fd00:31:2::/64"
		}
		return l.in(tg, "ip", family, "route", "replace", dst, "dev", "tb", "mtu", "lock", fmt.Sprint(l.PathMTU))
	}
	rules := fmt.Sprintf("table inet lab {\n chain forward_drop {\n  type filter hook forward priority 0;\n  meta length > %d drop\n }\n}\n", l.PathMTU)
	cmd := exec.Command("ip", "netns", "exec", tg, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft: %v: %s", err, out)
	}
	return nil
}

// SetPodMTU sets the pods' interface MTU (both ends of each pod veth), as Cilium does.
func (l *Lab) SetPodMTU(mtu int) error {
	for _, p := range [][2]string{{l.PodA, "eth0"}, {l.PodB, "eth0"}, {l.name("na"), "lxc0"}, {l.name("nb"), "lxc0"}} {
		if err := l.in(p[0], "ip", "link", "set", p[1], "mtu", fmt.Sprint(mtu)); err != nil {
			return err
		}
	}
	return nil
}

// SetMTUProbing sets net.ipv4.tcp_mtu_probing in the pods (Cilium's
// packetization-layer-pmtud-mode: blackhole sets 1).
func (l *Lab) SetMTUProbing(v int) error {
	for _, ns := range []string{l.PodA, l.PodB} {
		if err := l.in(ns, "sysctl", "-qw", fmt.Sprintf("net.ipv4.tcp_mtu_probing=%d", v)); err != nil {
			return err
		}
	}
	return nil
}

// Close deletes every namespace (and with them every link) the lab made.
func (l *Lab) Close() {
	for _, ns := range l.ns {
		_ = run("ip", "netns", "del", ns)
	}
	l.ns = nil
}

// Available says why the lab cannot run here, or "" when it can.
func Available(encap string) string {
	for _, tool := range []string{"ip", "nft", "ethtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (make lab-deps)"
		}
	}
	probe := "mgprobe" + hex.EncodeToString([]byte{byte(len(encap))})
	if err := run("ip", "netns", "add", probe); err != nil {
		return "cannot create network namespaces (needs root): " + err.Error()
	}
	defer run("ip", "netns", "del", probe)
	args := []string{"ip", "netns", "exec", probe, "ip", "link", "add", "t0", "type", encap, "id", "1", "remote", "10.0.0.2"}
	if encap == "vxlan" {
		args = append(args, "dstport", "4789")
	}
	if err := run(args...); err != nil {
		return fmt.Sprintf("this kernel has no %s devices: %v", encap, err)
	}
	return ""
}
