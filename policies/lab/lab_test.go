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

// open labs are closed on interrupt too, so no namespace outlives the run.
var (
	openMu sync.Mutex
	open   = map[*Lab]bool{}
)

func track(l *Lab) {
	openMu.Lock()
	open[l] = true
	openMu.Unlock()
}

func untrack(l *Lab) {
	openMu.Lock()
	delete(open, l)
	openMu.Unlock()
	l.Close()
}

func init() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		openMu.Lock()
		for l := range open {
			l.Close()
		}
		os.Exit(1)
	}()
}

const (
	nodeMTU  = 9001
	pathMTU  = 8500
	transfer = 2 << 20 // 2 MiB
	stall    = 4 * time.Second
)

// TestLab checks, against the kernel, that the largest safe pod MTU mtuguard computes
// (policies/lib/budget.rego, via Engine.Budget) carries a TCP transfer across a hop that
// drops packets above the path MTU, and that one byte more stalls.
func TestLab(t *testing.T) {
	if os.Getenv("MTUGUARD_LAB") == "" {
		t.Skip("the netns lab runs with `make lab` (part of `make test`), which installs its tools")
	}
	if os.Geteuid() != 0 {
		t.Skip("lab needs root and network namespaces: run `make lab` as root")
	}
	engine, err := policies.NewEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var table []string
	row := func(c Case, mtu int, note string, r Result) {
		outcome := "stalled"
		if r.Completed {
			outcome = "completed"
		}
		table = append(table, fmt.Sprintf("%-6s %-4s %-5s %5d  %-9s %9d  %6.1fs  %s", c.Encap, c.Underlay, c.Variant, mtu, outcome, r.Bytes, r.Elapsed.Seconds(), note))
	}
	defer func() {
		t.Logf("\nencap  ulay hop   podMTU outcome        bytes  seconds\n%s", strings.Join(table, "\n"))
	}()
	for _, encap := range []string{"vxlan", "geneve"} {
		if why := Available(encap); why != "" {
			t.Logf("%s rows skipped: %s", encap, why)
			table = append(table, fmt.Sprintf("%-6s skipped: %s", encap, why))
			continue
		}
		for _, underlay := range []string{"ipv4", "ipv6"} {
			c := Case{Encap: encap, Underlay: underlay, Variant: "drop", PathMTU: pathMTU, NodeMTU: nodeMTU}
			t.Run(encap+"-"+underlay, func(t *testing.T) {
				b, err := engine.Budget(context.Background(), policies.BudgetQuery{BaseMTU: nodeMTU, RoutingMode: "tunnel", Underlay: underlay, Encryption: "none", PathMTU: pathMTU})
				if err != nil {
					t.Fatal(err)
				}
				safe := b.SafePodMTU
				l, err := New(c)
				if err != nil {
					t.Fatal(err)
				}
				track(l)
				defer untrack(l)
				for _, tc := range []struct {
					mtu     int
					want    bool
					probing bool
				}{{safe, true, false}, {safe + 1, false, false}, {safe + 1, true, true}} {
					if err := l.SetPodMTU(tc.mtu); err != nil {
						t.Fatal(err)
					}
					probing := 0
					total := 3 * stall
					note := ""
					if tc.probing {
						probing, total, note = 1, 60*time.Second, "tcp_mtu_probing=1 (Cilium blackhole mode)"
					}
					if err := l.SetMTUProbing(probing); err != nil {
						t.Fatal(err)
					}
					r, err := l.Transfer(transfer, stall, total)
					if err != nil {
						t.Fatal(err)
					}
					row(c, tc.mtu, note, r)
					if !tc.probing && r.Completed != tc.want {
						t.Errorf("pod MTU %d (mtuguard's safe value %d): completed=%v, want %v", tc.mtu, safe, r.Completed, tc.want)
					}
				}
			})
		}
	}
	// The ICMP variant: the hop signals the node; the lab records whether the pod recovers.
	if Available("vxlan") == "" {
		c := Case{Encap: "vxlan", Underlay: "ipv4", Variant: "icmp", PathMTU: pathMTU, NodeMTU: nodeMTU}
		l, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		track(l)
		defer untrack(l)
		b, _ := engine.Budget(context.Background(), policies.BudgetQuery{BaseMTU: nodeMTU, RoutingMode: "tunnel", Underlay: "ipv4", Encryption: "none", PathMTU: pathMTU})
		l.SetPodMTU(b.SafePodMTU + 1)
		r, err := l.Transfer(transfer, stall, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		row(c, b.SafePodMTU+1, "hop sends frag-needed to the node (Linux vxlan relays PMTU; Cilium's BPF path does not)", r)
	}
}
