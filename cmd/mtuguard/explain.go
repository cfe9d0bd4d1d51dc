package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

type explainFlags struct {
	nodeMTU, mtu, pathMTU     int
	paths                     []string
	tunnel, underlay, encrypt string
	links                     bool
}

func newExplainCmd() *cobra.Command {
	var fl explainFlags
	cmd := &cobra.Command{
		Use:   "explain [CILIUM-CONFIG-FILE...]",
		Short: "Show the byte budget of a tunnelled packet and the largest safe MTU",
		Long: `Show how Cilium's overheads eat into the path MTU: outer headers, tunnel,
encryption, the pod's packet and its TCP MSS, and whether the path between clusters
carries it. The arithmetic is the rules' own (policies/lib/budget.rego).`,
		Example: `  mtuguard explain --node-mtu 9001 --path aws-transit-gateway --tunnel vxlan
  mtuguard explain --path-mtu 1400 --tunnel geneve --underlay ipv6 --encryption wireguard
  mtuguard explain --path aws-transit-gateway clusters/prod/cilium-values.yaml
  mtuguard explain --links`,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if fl.links {
				return printLinks(out)
			}
			if len(args) > 0 {
				return explainFiles(cmd, args, fl)
			}
			q, path, err := fl.query()
			if err != nil {
				return usageError("%v", err)
			}
			engine, err := policies.NewEngine(cmd.Context())
			if err != nil {
				return err
			}
			b, err := engine.Budget(cmd.Context(), q)
			if err != nil {
				return err
			}
			printBudget(out, q, b, path)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&fl.nodeMTU, "node-mtu", policies.DefaultNodeMTU, "MTU of the node's interface (what Cilium auto-detects)")
	f.IntVar(&fl.mtu, "mtu", 0, "Cilium's mtu setting (Helm MTU); 0 = auto-detect the node MTU")
	f.StringSliceVar(&fl.paths, "path", nil, "links between the clusters (repeatable or comma-separated; see --links)")
	f.IntVar(&fl.pathMTU, "path-mtu", 0, "the path MTU, instead of --path")
	f.StringVar(&fl.tunnel, "tunnel", "vxlan", "vxlan, geneve or none (native routing)")
	f.StringVar(&fl.underlay, "underlay", "ipv4", "ipv4 or ipv6: the family of the nodes' addresses")
	f.StringVar(&fl.encrypt, "encryption", "none", "none, wireguard or ipsec")
	f.BoolVar(&fl.links, "links", false, "list the known links and their MTUs")
	return cmd
}

func (fl explainFlags) query() (policies.BudgetQuery, []policies.Link, error) {
	q := policies.BudgetQuery{BaseMTU: fl.nodeMTU, RoutingMode: "tunnel", Underlay: fl.underlay, Encryption: fl.encrypt, PathMTU: fl.pathMTU}
	if fl.mtu > 0 {
		q.BaseMTU = fl.mtu
	}
	switch fl.tunnel {
	case "vxlan", "geneve":
	case "none", "native":
		q.RoutingMode = "native"
	default:
		return q, nil, fmt.Errorf("--tunnel %q: want vxlan, geneve or none", fl.tunnel)
	}
	if fl.underlay != "ipv4" && fl.underlay != "ipv6" {
		return q, nil, fmt.Errorf("--underlay %q: want ipv4 or ipv6", fl.underlay)
	}
	if fl.encrypt != "none" && fl.encrypt != "wireguard" && fl.encrypt != "ipsec" {
		return q, nil, fmt.Errorf("--encryption %q: want none, wireguard or ipsec", fl.encrypt)
	}
	var links []policies.Link
	if q.PathMTU == 0 && len(fl.paths) > 0 {
		cfg := policies.Config{Mesh: policies.MeshConfig{Links: fl.paths}}
		if err := cfg.Validate(); err != nil {
			return q, nil, err
		}
		q.PathMTU, _, _ = cfg.PathMTU()
		for _, name := range fl.paths {
			l, _ := policies.LookupLink(name)
			links = append(links, l)
		}
	}
	return q, links, nil
}

func printBudget(w io.Writer, q policies.BudgetQuery, b policies.Budget, links []policies.Link) {
	tunnel := "native routing (no tunnel)"
	if q.RoutingMode == "tunnel" {
		tunnel = fmt.Sprintf("tunnel over %s", strings.ToUpper(q.Underlay[:2])+q.Underlay[2:])
	}
	fmt.Fprintf(w, "Byte budget: %s, encryption %s, Cilium MTU %d\n\n", tunnel, q.Encryption, b.BaseMTU)
	fmt.Fprintf(w, "  packet on the wire (Cilium's MTU)    %5d bytes\n", b.Wire)
	if b.TunnelOverhead > 0 {
		fmt.Fprintf(w, "  ├─ outer IP + UDP + tunnel + inner Ethernet  %d\n", b.TunnelOverhead)
	}
	if b.EncryptionOverhead > 0 {
		fmt.Fprintf(w, "  ├─ %s                          %d\n", q.Encryption, b.EncryptionOverhead)
	}
	fmt.Fprintf(w, "  └─ pod packet (pod MTU)              %5d\n", b.PodMTU)
	fmt.Fprintf(w, "       ├─ inner IP + TCP headers       %5d\n", b.PodMTU-b.MSS)
	fmt.Fprintf(w, "       └─ TCP payload (MSS)            %5d\n\n", b.MSS)
	if b.PathMTU == 0 {
		fmt.Fprintln(w, "Path between clusters: not given (--path or --path-mtu).")
		return
	}
	via := fmt.Sprintf("%d bytes", b.PathMTU)
	if len(links) > 0 {
		var names []string
		for _, l := range links {
			names = append(names, fmt.Sprintf("%s %d", l.Name, l.MTU))
		}
		via = strings.Join(names, " → ")
	}
	fmt.Fprintf(w, "Path between clusters: %s\n", via)
	if b.Fits {
		fmt.Fprintf(w, "  OK: %d-byte packets fit the %d-byte path; pod MTU %d is safe.\n", b.Wire, b.PathMTU, b.PodMTU)
		return
	}
	fmt.Fprintf(w, "  UNSAFE: pod MTU %d makes %d-byte packets; the path carries %d. %s\n", b.PodMTU, b.Wire, b.PathMTU, pathBehaviour(links, q))
	fmt.Fprintf(w, "\nLargest safe setting: mtu: %d (Helm MTU: %d) → pod MTU %d, TCP MSS %d\n", b.SafeMTU, b.SafeMTU, b.SafePodMTU, b.SafeMSS)
	if b.SafePodMTU < 1280 {
		fmt.Fprintf(w, "  Note: pod MTU %d is below 1280: IPv6 between pods stops working (MTU005).\n", b.SafePodMTU)
	}
}

// pathBehaviour says what the narrowest hop does with the oversized packet.
func pathBehaviour(links []policies.Link, q policies.BudgetQuery) string {
	narrow := policies.Link{}
	for _, l := range links {
		if narrow.Name == "" || l.MTU < narrow.MTU {
			narrow = l
		}
	}
	switch {
	case narrow.Name == "":
		return "Larger packets are lost."
	case narrow.Behaviour == "drops":
		return fmt.Sprintf("%s drops them silently: no ICMP, so nothing can adapt.", narrow.Name)
	case q.RoutingMode == "tunnel":
		return fmt.Sprintf("%s drops them and signals \"fragmentation needed\" to the sender, which for tunnel traffic is the node, not the pod: Cilium does not relay it, so the pod never learns and the connection hangs.", narrow.Name)
	default:
		return fmt.Sprintf("%s drops them and signals \"fragmentation needed\" to the pod: path-MTU discovery recovers, unless a network policy drops that ICMP.", narrow.Name)
	}
}

func printLinks(w io.Writer) error {
	fmt.Fprintf(w, "%-36s %5s  %-8s %s\n", "LINK", "MTU", "OVERSIZE", "DESCRIPTION")
	for _, l := range policies.Links() {
		fmt.Fprintf(w, "%-36s %5d  %-8s %s\n", l.Name, l.MTU, l.Behaviour, l.Description)
	}
	return nil
}

// explainFiles prints the budget of every cluster whose Cilium config is in the files,
// with the settings read the way the rules read them.
func explainFiles(cmd *cobra.Command, files []string, fl explainFlags) error {
	ctx := cmd.Context()
	cfg, err := loadConfig("")
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if fl.nodeMTU != policies.DefaultNodeMTU || cfg.Nodes.MTU == 0 {
		cfg.Nodes.MTU = fl.nodeMTU
	}
	if len(fl.paths) > 0 {
		cfg.Mesh.Links = fl.paths
	}
	if fl.pathMTU > 0 {
		cfg.Mesh.PathMTU = fl.pathMTU
	}
	if err := cfg.Validate(); err != nil {
		return &exitError{code: 2, err: err}
	}
	objects, errs := lint.Objects(lint.Load(ctx, files, lint.LoadOptions{Stdin: cmd.InOrStdin()}), lint.Options{})
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(cmd.ErrOrStderr(), "mtuguard:", e)
		}
		return &exitError{code: 2}
	}
	engine, err := policies.NewEngine(ctx)
	if err != nil {
		return err
	}
	clusters, err := engine.Settings(ctx, policies.Input{Config: cfg, Objects: objects})
	if err != nil {
		return err
	}
	if len(clusters) == 0 {
		return usageError("no Cilium config (cilium-config ConfigMap or Helm values) in %s", strings.Join(files, ", "))
	}
	pathMTU, _, _ := cfg.PathMTU()
	var links []policies.Link
	for _, name := range cfg.Mesh.Links {
		l, _ := policies.LookupLink(name)
		links = append(links, l)
	}
	for _, s := range clusters {
		q := policies.BudgetQuery{BaseMTU: s.BaseMTU, RoutingMode: s.RoutingMode, Underlay: s.Underlay, Encryption: s.Encryption, PathMTU: pathMTU}
		b, err := engine.Budget(ctx, q)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "== cluster %q (%s %s, ClusterMesh member: %v)\n", s.ClusterName, s.RoutingMode, s.TunnelProtocol, s.ClusterMesh)
		printBudget(cmd.OutOrStdout(), q, b, links)
		fmt.Fprintln(cmd.OutOrStdout())
	}
	return nil
}
