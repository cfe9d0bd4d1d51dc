package lab

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mtuguard/mtuguard/policies"
)

func TestMain(m *testing.M) {
	if RunRole() {
		return
	}
	os.Exit(m.Run())
}

// Open labs are closed on interrupt too, so no namespace outlives the run.
var (
	openMu sync.Mutex
	open   = map[*Lab]bool{}
)

func newLab(t *testing.T, c Case) *Lab {
	t.Helper()
	l, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	openMu.Lock()
	open[l] = true
	openMu.Unlock()
	t.Cleanup(func() {
		openMu.Lock()
		delete(open, l)
		openMu.Unlock()
		l.Close()
	})
	return l
}

func closeOnSignal(t *testing.T) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	t.Cleanup(func() { signal.Stop(ch); close(done) })
	go func() {
		select {
		case s := <-ch:
			openMu.Lock()
			for l := range open {
				l.Close()
			}
			fmt.Fprintf(os.Stderr, "lab: %v: namespaces removed\n", s)
			os.Exit(1)
		case <-done:
		}
	}()
}

const (
	nodeMTU  = 9001
	pathMTU  = 8500
	transfer = 2 << 20 // 2 MiB
	stall    = 5 * time.Second
	recovery = 60 * time.Second // the bound on tcp_mtu_probing's recovery
)

type row struct {
	c       Case
	mtu     int
	probing bool
	r       Result
	skipped bool
	note    string
}

func (r row) String() string {
	encap := r.c.Encap
	if r.c.Userspace {
		encap += "*"
	}
	outcome := "stalled"
	if r.r.Completed {
		outcome = "completed"
	}
	if r.skipped {
		return fmt.Sprintf("| %-7s | %-4s | %-4s | %6d | %7s | %-9s | %9s | %6s | %5s | %s", encap, r.c.Underlay, r.c.Variant, r.mtu, "-", "-", "-", "-", "-", r.note)
	}
	probing := "0"
	if r.probing {
		probing = "1"
	}
	drops := "-"
	if r.c.Variant == "drop" {
		drops = fmt.Sprint(r.r.HopDrops)
	}
	return fmt.Sprintf("| %-7s | %-4s | %-4s | %6d | %7s | %-9s | %9d | %6.1f | %5s | %s", encap, r.c.Underlay, r.c.Variant, r.mtu, probing, outcome, r.r.Bytes, r.r.Elapsed.Seconds(), drops, r.note)
}

// TestLab checks, against the kernel, that the largest safe pod MTU mtuguard computes
// (policies/lib/budget.rego, via Engine.Budget) carries a TCP transfer across a hop that
// drops packets above the path MTU, and that one byte more stalls; it records how
// tcp_mtu_probing and an ICMP-sending hop change that.
func TestLab(t *testing.T) {
	if os.Getenv("MTUGUARD_LAB") == "" {
		t.Skip("the netns lab runs with `make lab` (part of `make test`), which installs its tools")
	}
	if os.Geteuid() != 0 {
		t.Skip("lab needs root and network namespaces: not running as root (run `make lab` as root)")
	}
	Sweep()
	why, kernelGeneve := Available()
	if why != "" {
		t.Skip("lab needs root and network namespaces: " + why)
	}
	closeOnSignal(t)
	engine, err := policies.NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var (
		rowsMu sync.Mutex
		rows   []row
		notes  []string
	)
	add := func(r row) {
		rowsMu.Lock()
		rows = append(rows, r)
		rowsMu.Unlock()
	}
	disagree := func(msg string) {
		rowsMu.Lock()
		notes = append(notes, "DISAGREEMENT: "+msg)
		rowsMu.Unlock()
	}
	defer func() {
		var b strings.Builder
		fmt.Fprintf(&b, "\nnetns lab: node MTU %d, path MTU %d, %d-byte TCP transfer pod B -> pod A; stalled = no byte for %v; drops = packets the hop dropped (> path MTU)\n", nodeMTU, pathMTU, transfer, stall)
		b.WriteString("| encap   | ulay | hop  | podMTU | probing | outcome   |     bytes |    sec | drops | note\n")
		b.WriteString("|---------|------|------|--------|---------|-----------|-----------|--------|-------|-----\n")
		for _, r := range rows {
			b.WriteString(r.String() + "\n")
		}
		for _, n := range notes {
			b.WriteString(n + "\n")
		}
		fmt.Print(b.String())
	}()
	if !kernelGeneve {
		notes = append(notes, "geneve* = this kernel has no Geneve devices (CONFIG_GENEVE): the lab's own encapsulator (TAP + UDP socket with DF, RFC 8926 8-byte header); the kernel's Geneve header is not exercised")
	}

	for _, encap := range []string{"vxlan", "geneve"} {
		for _, underlay := range []string{"ipv4", "ipv6"} {
			t.Run(encap+"-"+underlay, func(t *testing.T) {
				b, err := engine.Budget(context.Background(), policies.BudgetQuery{BaseMTU: nodeMTU, RoutingMode: "tunnel", Underlay: underlay, Encryption: "none", PathMTU: pathMTU, Inner: "ipv4"})
				if err != nil {
					t.Fatal(err)
				}
				safe := b.SafePodMTU
				c := Case{Encap: encap, Underlay: underlay, Variant: "drop", PathMTU: pathMTU, NodeMTU: nodeMTU, TunnelMTU: b.PodMTU, Userspace: encap == "geneve" && !kernelGeneve}
				l := newLab(t, c)
				warmUp(t, l)
				try := func(l *Lab, mtu, probing int, stall, total time.Duration) Result {
					t.Helper()
					if err := l.SetPodMTU(mtu); err != nil {
						t.Fatal(err)
					}
					if err := l.SetMTUProbing(probing); err != nil {
						t.Fatal(err)
					}
					before := l.HopDrops()
					r, err := l.Transfer(transfer, stall, total)
					if err != nil {
						t.Fatal(err)
					}
					r.HopDrops = l.HopDrops() - before
					return r
				}

				atSafe := try(l, safe, 0, stall, 3*stall)
				add(row{c: c, mtu: safe, r: atSafe, note: fmt.Sprintf("mtuguard's SafePodMTU (overhead %d)", b.Overhead)})
				above := try(l, safe+1, 0, stall, 3*stall)
				add(row{c: c, mtu: safe + 1, r: above})
				if !above.Completed && above.HopDrops == 0 {
					t.Errorf("%s over %s: pod MTU %d stalled but the hop dropped nothing: the lab is broken, not the budget", encap, underlay, safe+1)
				}
				// failing is the smallest pod MTU the kernel cannot carry: the rows below
				// need a black hole to recover from, even when mtuguard is wrong.
				failing := safe + 1
				if !atSafe.Completed || above.Completed {
					largest, found := boundary(t, l, safe)
					kernel := fmt.Sprintf("%d (overhead %d)", largest, pathMTU-largest)
					if found {
						failing = largest + 1
					} else if atSafe.Completed {
						kernel = fmt.Sprintf("above %d (overhead < %d)", largest, pathMTU-largest)
					} else {
						kernel = fmt.Sprintf("below %d (overhead > %d)", largest, pathMTU-largest)
					}
					msg := fmt.Sprintf("%s over %s, path MTU %d: the kernel's largest working pod MTU is %s; mtuguard computes %d (overhead %d)",
						c.Encap, underlay, pathMTU, kernel, safe, b.Overhead)
					disagree(msg)
					t.Error(msg)
				}

				// Cilium's packetization-layer-pmtud-mode: blackhole; DESIGN.md says TCP recovers.
				probed := try(l, failing, 1, recovery, recovery)
				add(row{c: c, mtu: failing, probing: true, r: probed, note: "tcp_mtu_probing=1: time to finish after the black hole"})
				if !probed.Completed {
					t.Errorf("%s over %s: with tcp_mtu_probing=1 pod MTU %d did not recover within %v (%d bytes)", encap, underlay, failing, recovery, probed.Bytes)
				}

				// The hop sends frag-needed / packet-too-big to the tunnel source instead.
				ci := c
				ci.Variant = "icmp"
				if c.Userspace {
					add(row{c: ci, mtu: failing, skipped: true, note: "not run: the lab's own encapsulator has no kernel tunnel PMTU handling to observe"})
					return
				}
				li := newLab(t, ci)
				warmUp(t, li)
				r := try(li, failing, 0, stall, 30*time.Second)
				under := LearnedMTU(li.NodeB, li.UnderlayAddr("a"))
				inner := LearnedMTU(li.NodeB, PodAAddr) // the tunnel driver's: learned path MTU minus its headroom
				pod := LearnedMTU(li.PodB, PodAAddr)
				add(row{c: ci, mtu: failing, r: r, note: fmt.Sprintf("node B learned %s (underlay), lowered its route to pod A to %s; pod B learned %s (ip_forward_use_pmtu=0: forwarding ignores learned PMTUs)",
					learned(under), learned(inner), learned(pod))})
				// The kernel's own tunnel headroom, read off the route it lowered: a second,
				// independent witness of the overhead.
				if under > 0 && inner > 0 && inner != under-b.Overhead {
					msg := fmt.Sprintf("%s over %s: the kernel's tunnel driver lowered the inner route to %d after learning path MTU %d (overhead %d); mtuguard's overhead is %d (SafePodMTU %d)",
						encap, underlay, inner, under, under-inner, b.Overhead, safe)
					disagree(msg)
					t.Error(msg)
				}
				if under != pathMTU || inner == 0 {
					t.Errorf("%s over %s: the transit gateway's ICMP did not reach node B's tunnel (underlay learned %d, want %d; inner route %d)", encap, underlay, under, pathMTU, inner)
				}
				// With forwarding honouring learned PMTUs the node's own frag-needed reaches the pod.
				if err := li.SetNodeSysctl("net.ipv4.ip_forward_use_pmtu=1"); err != nil {
					t.Fatal(err)
				}
				r = try(li, failing, 0, stall, 30*time.Second)
				add(row{c: ci, mtu: failing, r: r, note: fmt.Sprintf("nodes with net.ipv4.ip_forward_use_pmtu=1: pod B learned %s from node B", learned(LearnedMTU(li.PodB, PodAAddr)))})
			})
		}
	}
}

// warmUp resolves the neighbours first (on an IPv6 underlay the first SYN is lost to
// neighbour discovery and retransmitted after 1 s), so the rows time only the data.
func warmUp(t *testing.T, l *Lab) {
	t.Helper()
	if r, err := l.Transfer(1, stall, stall); err != nil || !r.Completed {
		t.Fatalf("the lab does not carry even one byte: %+v %v", r, err)
	}
}

func learned(n int) string {
	if n == 0 {
		return "nothing"
	}
	return fmt.Sprint(n)
}

// boundary finds the kernel's largest working pod MTU near mtuguard's, so a disagreement
// is reported as two numbers rather than a bare failure. found is false when it lies
// outside the searched span; largest is then the span's edge.
func boundary(t *testing.T, l *Lab, safe int) (largest int, found bool) {
	t.Helper()
	const span, quick = 160, 3 * time.Second
	works := func(m int) bool {
		if err := l.SetMTUProbing(0); err != nil {
			t.Fatal(err)
		}
		if err := l.SetPodMTU(m); err != nil {
			t.Fatal(err)
		}
		r, err := l.Transfer(transfer, quick, 4*quick)
		if err != nil {
			t.Fatal(err)
		}
		return r.Completed
	}
	lo, hi := safe-span, safe+span
	if !works(lo) {
		return lo, false
	}
	if works(hi) {
		return hi, false
	}
	for hi-lo > 1 { // works(lo), !works(hi)
		if m := (lo + hi) / 2; works(m) {
			lo = m
		} else {
			hi = m
		}
	}
	return lo, true
}
