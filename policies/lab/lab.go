// Package lab builds a network-namespace model of the Transit Gateway black hole: two
// "pods" behind two "nodes" joined by a VXLAN or Geneve tunnel with DF set, and a
// "transit gateway" between the nodes' underlays that drops (or, in the ICMP variant,
// signals) packets above the path MTU. It proves the rules' byte budget against the
// Linux kernel: the largest safe pod MTU mtuguard computes must carry a TCP transfer and
// one byte more must stall. It needs root, iproute2, nftables and ethtool.
package lab

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Case is one lab topology.
type Case struct {
	Encap     string // "vxlan" or "geneve"
	Underlay  string // "ipv4" or "ipv6"
	Variant   string // "drop": the hop drops silently; "icmp": it sends frag-needed / packet too big
	PathMTU   int
	NodeMTU   int
	TunnelMTU int  // the tunnel device's MTU (node MTU minus the overhead); 0 = node MTU - 50
	Userspace bool // Geneve by the lab's own encapsulator, for kernels without CONFIG_GENEVE
}

// Lab is a built topology; Close removes every namespace and process it made.
type Lab struct {
	Case
	prefix     string
	PodA, PodB string // namespace names; the server listens in pod B, so B sends the data
	NodeA      string
	NodeB      string
	ns         []string
	procs      []*exec.Cmd
	port       int
}

// Pod and underlay addresses: only inside the lab's own namespaces.
const (
	PodAAddr = "10.200.1.2"
	PodBAddr = "10.200.2.2"
	podAGW   = "10.200.1.1"
	podBGW   = "10.200.2.1"
)

type underlay struct{ family, na, nb, ga, gb, plen, host string }

func (l *Lab) underlay() underlay {
	if l.Underlay == "ipv6" {
		return underlay{"-6", "fd00:31:1::1", "fd00:31:2::2", "fd00:31:1::2", "fd00:31:2::1", "64", "128"}
	}
	return underlay{"-4", "172.31.1.1", "172.31.2.2", "172.31.1.2", "172.31.2.1", "24", "32"}
}

// NamePrefix starts every namespace the lab creates; the owner's PID follows it, so a
// later run can remove what a killed run left behind (Sweep).
const NamePrefix = "mglab-"

func output(args ...string) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

func run(args ...string) error {
	_, err := output(args...)
	return err
}

func in(ns string, args ...string) error {
	return run(append([]string{"ip", "netns", "exec", ns}, args...)...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// New builds the topology for c. Names carry the PID and a random part, so parallel
// runs never collide; links live only inside the lab's namespaces.
func New(c Case) (*Lab, error) {
	if c.TunnelMTU == 0 {
		c.TunnelMTU = c.NodeMTU - 50
	}
	l := &Lab{Case: c, prefix: fmt.Sprintf("%s%d-%s-", NamePrefix, os.Getpid(), randomHex(3)), port: 9000}
	if err := l.build(); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (l *Lab) build() error {
	l.PodA, l.NodeA, l.NodeB, l.PodB = l.prefix+"pa", l.prefix+"na", l.prefix+"nb", l.prefix+"pb"
	pa, na, tg, nb, pb := l.PodA, l.NodeA, l.prefix+"tg", l.NodeB, l.PodB
	for _, ns := range []string{pa, na, tg, nb, pb} {
		if err := run("ip", "netns", "add", ns); err != nil {
			return err
		}
		l.ns = append(l.ns, ns)
		if err := in(ns, "ip", "link", "set", "lo", "up"); err != nil {
			return err
		}
	}
	u := l.underlay()
	mtu := strconv.Itoa(l.NodeMTU)
	steps := [][]string{
		// Underlay: node A - transit gateway - node B, at the node MTU.
		{"ip", "link", "add", "ua", "netns", na, "mtu", mtu, "type", "veth", "peer", "name", "ta", "netns", tg, "mtu", mtu},
		{"ip", "link", "add", "ub", "netns", nb, "mtu", mtu, "type", "veth", "peer", "name", "tb", "netns", tg, "mtu", mtu},
		{"ip", "netns", "exec", na, "ip", u.family, "addr", "add", u.na + "/" + u.plen, "dev", "ua", "nodad"},
		{"ip", "netns", "exec", tg, "ip", u.family, "addr", "add", u.ga + "/" + u.plen, "dev", "ta", "nodad"},
		{"ip", "netns", "exec", tg, "ip", u.family, "addr", "add", u.gb + "/" + u.plen, "dev", "tb", "nodad"},
		{"ip", "netns", "exec", nb, "ip", u.family, "addr", "add", u.nb + "/" + u.plen, "dev", "ub", "nodad"},
		{"ip", "netns", "exec", na, "ip", "link", "set", "ua", "up"},
		{"ip", "netns", "exec", nb, "ip", "link", "set", "ub", "up"},
		{"ip", "netns", "exec", tg, "ip", "link", "set", "ta", "up"},
		{"ip", "netns", "exec", tg, "ip", "link", "set", "tb", "up"},
		{"ip", "netns", "exec", na, "ip", u.family, "route", "add", u.nb, "via", u.ga},
		{"ip", "netns", "exec", nb, "ip", u.family, "route", "add", u.na, "via", u.gb},
		{"ip", "netns", "exec", tg, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return err
		}
	}
	if err := l.pathLimit(tg, u); err != nil {
		return err
	}
	// The tunnel between the nodes, DF set on the outer header like Cilium's datapath.
	// (`df set` only changes IPv4 outer headers; IPv6 routers never fragment anyway.)
	for _, side := range []struct{ ns, local, remote, self string }{
		{na, u.na, u.nb, "10.201.0.1"},
		{nb, u.nb, u.na, "10.201.0.2"},
	} {
		switch {
		case l.Encap == "vxlan":
			if err := in(side.ns, "ip", "link", "add", "tun0", "type", "vxlan", "id", "42", "local", side.local, "remote", side.remote, "dstport", "4789", "df", "set"); err != nil {
				return err
			}
		case l.Encap == "geneve" && !l.Userspace:
			if err := in(side.ns, "ip", "link", "add", "tun0", "type", "geneve", "id", "42", "remote", side.remote, "df", "set"); err != nil {
				return err
			}
		case l.Encap == "geneve":
			if _, _, err := l.spawn(side.ns, "geneve", "LAB_DEV=tun0", "LAB_REMOTE="+side.remote); err != nil {
				return fmt.Errorf("userspace geneve: %w", err)
			}
		default:
			return fmt.Errorf("unknown encapsulation %q", l.Encap)
		}
		for _, s := range [][]string{
			{"ip", "link", "set", "tun0", "mtu", strconv.Itoa(l.TunnelMTU), "up"},
			{"ip", "addr", "add", side.self + "/30", "dev", "tun0"},
			{"sysctl", "-qw", "net.ipv4.ip_forward=1"},
		} {
			if err := in(side.ns, s...); err != nil {
				return err
			}
		}
	}
	// Pods: a veth to their node, routed through the tunnel.
	for _, p := range []struct{ pod, node, addr, gw, remote, via string }{
		{pa, na, PodAAddr, podAGW, "10.200.2.0/24", "10.201.0.2"},
		{pb, nb, PodBAddr, podBGW, "10.200.1.0/24", "10.201.0.1"},
	} {
		for _, s := range [][]string{
			{"ip", "link", "add", "eth0", "netns", p.pod, "type", "veth", "peer", "name", "lxc0", "netns", p.node},
			{"ip", "netns", "exec", p.pod, "ip", "addr", "add", p.addr + "/24", "dev", "eth0"},
			{"ip", "netns", "exec", p.pod, "ip", "link", "set", "eth0", "up"},
			{"ip", "netns", "exec", p.pod, "ip", "route", "add", "default", "via", p.gw},
			// Each transfer starts cold: no cwnd/ssthresh remembered from the last one.
			{"ip", "netns", "exec", p.pod, "sysctl", "-qw", "net.ipv4.tcp_no_metrics_save=1"},
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
		if err := in(dev[0], "ethtool", "-K", dev[1], "gro", "off", "gso", "off", "tso", "off"); err != nil {
			return err
		}
	}
	return nil
}

// pathLimit makes the transit gateway enforce the path MTU in both directions.
func (l *Lab) pathLimit(tg string, u underlay) error {
	if l.Variant == "icmp" {
		// Locked host routes to both nodes: the kernel drops larger packets and sends
		// frag-needed / packet-too-big to their source, the tunnel endpoint (the node).
		// Host routes win over the connected ones whatever their metric.
		for _, r := range [][2]string{{u.na, "ta"}, {u.nb, "tb"}} {
			if err := in(tg, "ip", u.family, "route", "add", r[0]+"/"+u.host, "dev", r[1], "mtu", "lock", strconv.Itoa(l.PathMTU)); err != nil {
				return err
			}
		}
		return nil
	}
	// meta length is the L3 length (outer IP header included), i.e. what a path MTU bounds.
	rules := fmt.Sprintf("table inet lab {\n chain forward_drop {\n  type filter hook forward priority 0;\n  meta length > %d counter drop\n }\n}\n", l.PathMTU)
	cmd := exec.Command("ip", "netns", "exec", tg, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft: %v: %s", err, out)
	}
	return nil
}

// SetPodMTU sets the pod MTU on both ends of each pod veth and on the pods' routes, as
// Cilium does.
func (l *Lab) SetPodMTU(mtu int) error {
	m := strconv.Itoa(mtu)
	for _, s := range [][]string{
		{l.PodA, "ip", "link", "set", "eth0", "mtu", m},
		{l.PodB, "ip", "link", "set", "eth0", "mtu", m},
		{l.NodeA, "ip", "link", "set", "lxc0", "mtu", m},
		{l.NodeB, "ip", "link", "set", "lxc0", "mtu", m},
		{l.PodA, "ip", "route", "replace", "default", "via", podAGW, "dev", "eth0", "mtu", m},
		{l.PodB, "ip", "route", "replace", "default", "via", podBGW, "dev", "eth0", "mtu", m},
	} {
		if err := in(s[0], s[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// SetMTUProbing sets net.ipv4.tcp_mtu_probing in the pods (Cilium's
// packetization-layer-pmtud-mode: blackhole sets 1).
func (l *Lab) SetMTUProbing(v int) error {
	for _, ns := range []string{l.PodA, l.PodB} {
		if err := in(ns, "sysctl", "-qw", fmt.Sprintf("net.ipv4.tcp_mtu_probing=%d", v)); err != nil {
			return err
		}
	}
	return nil
}

// A learned path MTU is a route exception: `cache expires 594sec mtu 8450` (IPv4) or
// `... expires 599sec mtu 8500 pref medium` (IPv6); a route's own mtu has no expiry.
var learnedMTU = regexp.MustCompile(`expires \S+ mtu (\d+)`)

// LearnedMTU is the path MTU namespace ns has learned towards dst (from an ICMP
// frag-needed / packet-too-big, or from its tunnel driver), or 0 when it learned none.
func LearnedMTU(ns, dst string) int {
	family := "-4"
	if strings.Contains(dst, ":") {
		family = "-6"
	}
	return numberFrom(learnedMTU, "ip", "netns", "exec", ns, "ip", family, "route", "get", dst)
}

var dropCounter = regexp.MustCompile(`counter packets (\d+)`)

// HopDrops is how many packets the dropping hop has discarded so far (0 for the ICMP
// variant): evidence that a stall is the black hole and not something else.
func (l *Lab) HopDrops() int {
	return numberFrom(dropCounter, "ip", "netns", "exec", l.prefix+"tg", "nft", "list", "chain", "inet", "lab", "forward_drop")
}

// numberFrom runs a command and returns the number re captures from its output, or 0 when
// the command fails or prints none.
func numberFrom(re *regexp.Regexp, args ...string) int {
	out, err := output(args...)
	if err != nil {
		return 0
	}
	if m := re.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// SetNodeSysctl sets a sysctl ("key=value") in both nodes.
func (l *Lab) SetNodeSysctl(kv string) error {
	for _, ns := range []string{l.NodeA, l.NodeB} {
		if err := in(ns, "sysctl", "-qw", kv); err != nil {
			return err
		}
	}
	return nil
}

// UnderlayAddr is node A's (want "a") or node B's underlay address.
func (l *Lab) UnderlayAddr(node string) string {
	if node == "a" {
		return l.underlay().na
	}
	return l.underlay().nb
}

// command runs this binary in namespace ns in the given role (see RunRole).
func (l *Lab) command(ns, role string, env ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("ip", "netns", "exec", ns, self, "-test.run=^$")
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	// ip netns exec execs in place, so the death signal reaches the role process and
	// nothing outlives a killed test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd, nil
}

// spawn starts this binary in namespace ns in the given role (see RunRole) and waits for
// its "ready" line. The process dies with the lab, or with the test if it is killed.
func (l *Lab) spawn(ns, role string, env ...string) (*exec.Cmd, *bufio.Reader, error) {
	cmd, err := l.command(ns, role, env...)
	if err != nil {
		return nil, nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	l.procs = append(l.procs, cmd)
	out := bufio.NewReader(pipe)
	ready := make(chan error, 1)
	go func() {
		line, err := out.ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("said %q", line)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-time.After(10 * time.Second):
		err = errors.New("not ready after 10s")
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, nil, fmt.Errorf("%s in %s: %v: %s", role, ns, err, strings.TrimSpace(stderr.String()))
	}
	return cmd, out, nil
}

// Close stops the lab's processes and deletes every namespace (and with them every link).
func (l *Lab) Close() {
	for _, p := range l.procs {
		if p.Process != nil {
			p.Process.Kill()
			p.Wait()
		}
	}
	l.procs = nil
	for _, ns := range l.ns {
		_ = run("ip", "netns", "del", ns)
	}
	l.ns = nil
}

// Sweep deletes namespaces left by lab runs whose process no longer exists (killed
// before their cleanup ran). Live runs, this one included, are left alone.
func Sweep() {
	out, err := output("ip", "netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, NamePrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = run("ip", "netns", "del", name)
		}
	}
}

// Available says why the lab cannot run here ("" when it can), and whether the kernel
// has Geneve devices (without them the lab encapsulates Geneve itself).
func Available() (why string, kernelGeneve bool) {
	for _, tool := range []string{"ip", "nft", "ethtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (make lab-deps)", false
		}
	}
	probe := fmt.Sprintf("%s%d-%s-probe", NamePrefix, os.Getpid(), randomHex(3))
	if err := run("ip", "netns", "add", probe); err != nil {
		return "cannot create network namespaces: " + err.Error(), false
	}
	defer run("ip", "netns", "del", probe)
	if err := in(probe, "ip", "link", "add", "t0", "type", "vxlan", "id", "1", "remote", "10.0.0.2", "dstport", "4789", "df", "set"); err != nil {
		return "this kernel has no VXLAN devices: " + err.Error(), false
	}
	cmd := exec.Command("ip", "netns", "exec", probe, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader("table inet probe { chain f { type filter hook forward priority 0; meta length > 8500 drop; }; }\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Sprintf("nftables does not work here: %v: %s", err, bytes.TrimSpace(out)), false
	}
	kernelGeneve = in(probe, "ip", "link", "add", "t1", "type", "geneve", "id", "1", "remote", "10.0.0.2", "df", "set") == nil
	if !kernelGeneve {
		f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
		if err != nil {
			return "this kernel has no Geneve devices and /dev/net/tun is unusable: " + err.Error(), false
		}
		f.Close()
	}
	return "", kernelGeneve
}
