package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

type explainFlags struct {
	config                    string
	nodeMTU, mtu, pathMTU     int
	paths                     []string
	tunnel, underlay, encrypt string
	links, egressGateway      bool
}

// datapathFlags describe a datapath by hand; with files the files describe it.
var datapathFlags = []string{"mtu", "tunnel", "underlay", "encryption", "egress-gateway"}

func newExplainCmd() *cobra.Command {
	var fl explainFlags
	cmd := &cobra.Command{
		Use:   "explain [CILIUM-CONFIG-FILE...]",
		Short: "Show the byte budget of a tunnelled packet and the largest safe MTU",
		Long: `Show how Cilium's overheads eat into the path MTU: the packet on the wire, the outer
headers and tunnel, encryption, the pod's packet and its TCP MSS; whether the path between
clusters carries it, and what the path does with a larger packet (drops it silently, or
drops it and signals). The arithmetic is the rules' own (policies/lib/budget.rego).

Describe the datapath with flags, or give Cilium configs (cilium-config ConfigMap, Helm
values, HelmRelease/Application) to read it the way the rules do. The path comes from
--path/--path-mtu, else from the config file (.mtuguard.yaml).`,
		Example: `  mtuguard explain --node-mtu 9001 --path aws-transit-gateway --tunnel vxlan
  mtuguard explain --path-mtu 1400 --tunnel geneve --underlay ipv6 --encryption wireguard
  mtuguard explain --path aws-vpc-peering-inter-region clusters/prod/cilium-values.yaml
  mtuguard explain --links`,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if fl.links {
				return printLinks(out)
			}
			if len(args) > 0 {
				for _, name := range datapathFlags {
					if cmd.Flags().Changed(name) {
						return usageError("--%s describes the datapath by hand; with files, the files describe it", name)
					}
				}
				return explainFiles(cmd, args, fl)
			}
			q, links, err := fl.query()
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
			d := datapath{protocol: fl.tunnel, explicitMTU: fl.mtu > 0}
			if q.RoutingMode == "native" {
				d.protocol = "vxlan" // an egress gateway's tunnel: Cilium's default tunnel-protocol
			}
			printBudget(out, q, b, d, links)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.config, "config", "c", "", "config file for the path and node MTU with files (default: "+defaultConfigFile+", if present)")
	f.IntVar(&fl.nodeMTU, "node-mtu", policies.DefaultNodeMTU, "MTU of the node's interface (what Cilium auto-detects)")
	f.IntVar(&fl.mtu, "mtu", 0, "Cilium's mtu setting (Helm MTU); 0 = auto-detect the node MTU")
	f.StringSliceVar(&fl.paths, "path", nil, "links between the clusters (repeatable or comma-separated; see --links)")
	f.IntVar(&fl.pathMTU, "path-mtu", 0, "the path MTU, instead of --path")
	f.StringVar(&fl.tunnel, "tunnel", "vxlan", "vxlan, geneve or none (native routing)")
	f.StringVar(&fl.underlay, "underlay", "ipv4", "ipv4 or ipv6: the family of the nodes' addresses")
	f.StringVar(&fl.encrypt, "encryption", "none", "none, wireguard or ipsec")
	f.BoolVar(&fl.egressGateway, "egress-gateway", false, "the egress gateway is enabled: Cilium keeps room for its tunnel in the pod MTU, in native routing too")
	f.BoolVar(&fl.links, "links", false, "list the known links: MTU and what each does with a larger packet")
	return cmd
}

func (fl explainFlags) query() (policies.BudgetQuery, []policies.Link, error) {
	q := policies.BudgetQuery{BaseMTU: fl.nodeMTU, RoutingMode: "tunnel", Underlay: fl.underlay, Encryption: fl.encrypt, EgressGateway: fl.egressGateway, PathMTU: fl.pathMTU}
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
	if q.BaseMTU < 68 || fl.pathMTU < 0 || fl.pathMTU > 0 && fl.pathMTU < 68 {
		return q, nil, fmt.Errorf("MTUs start at 68 bytes")
	}
	if q.PathMTU > 0 || len(fl.paths) == 0 {
		return q, nil, nil
	}
	cfg := policies.Config{Mesh: policies.MeshConfig{Links: fl.paths}}
	if err := cfg.Validate(); err != nil {
		return q, nil, err
	}
	q.PathMTU, _, _ = cfg.PathMTU()
	return q, resolveLinks(fl.paths), nil
}

func resolveLinks(names []string) []policies.Link {
	var links []policies.Link
	for _, name := range names {
		if l, err := policies.LookupLink(name); err == nil {
			links = append(links, l)
		}
	}
	return links
}

// datapath is what the budget query does not carry but the diagram names.
type datapath struct {
	protocol    string // vxlan or geneve
	explicitMTU bool   // Cilium's mtu is set, rather than auto-detected from the node
	primary     string // the CNI Cilium is chained to, when that one sets the pods' MTU
}

// printBudget draws the budget. Every number comes from b, which budget.rego computed;
// the labels only name the headers each overhead stands for.
func printBudget(w io.Writer, q policies.BudgetQuery, b policies.Budget, d datapath, links []policies.Link) {
	underlay := familyName(q.Underlay)
	tunnel := "native routing (no tunnel)"
	tunnelRow := fmt.Sprintf("├─ outer %s + UDP + %s headers, inner Ethernet", underlay, protocolName(d.protocol))
	switch {
	case q.RoutingMode == "tunnel":
		tunnel = fmt.Sprintf("%s tunnel over %s", protocolName(d.protocol), underlay)
	case q.HighScaleIPcache:
		tunnel = "native routing, pod traffic in Geneve (high-scale ipcache, Cilium 1.16/1.17)"
		tunnelRow = fmt.Sprintf("├─ outer %s + UDP + Geneve headers, inner Ethernet", underlay)
	case q.EgressGateway:
		tunnel = "native routing with an egress gateway"
		tunnelRow = fmt.Sprintf("├─ kept for the egress gateway's %s tunnel", protocolName(d.protocol))
	}
	encryption := "no encryption"
	if q.Encryption != "none" {
		encryption = encryptionName(q.Encryption) + " encryption"
	}
	base := fmt.Sprintf("Cilium mtu %d", b.BaseMTU)
	switch {
	case d.primary != "":
		base = fmt.Sprintf("node MTU %d, which %s gives the pods (Cilium is chained to it and leaves their MTU alone)", b.PodMTU, d.primary)
	case !d.explicitMTU:
		base = fmt.Sprintf("node MTU %d, auto-detected (Cilium mtu unset)", b.BaseMTU)
	}
	fmt.Fprintf(w, "Byte budget: %s, %s; %s\n\n", tunnel, encryption, base)

	inner := familyName(q.Inner)
	rows := [][2]any{{"packet on the wire (Cilium's MTU)", fmt.Sprintf("%5d bytes", b.Wire)}}
	if b.TunnelOverhead > 0 {
		rows = append(rows, [2]any{tunnelRow, b.TunnelOverhead})
	}
	if b.DSROverhead > 0 {
		rows = append(rows, [2]any{"├─ Geneve DSR option", b.DSROverhead})
	}
	if b.EncryptionOverhead > 0 {
		rows = append(rows, [2]any{"├─ " + encryptionName(q.Encryption) + " encapsulation" + encryptionNote(q.Encryption), b.EncryptionOverhead})
	}
	rows = append(rows,
		[2]any{"└─ pod packet (pod MTU)", b.PodMTU},
		[2]any{fmt.Sprintf("   ├─ inner %s + TCP headers", inner), b.PodMTU - b.MSS},
		[2]any{"   └─ TCP payload (MSS)", b.MSS})
	for _, r := range rows {
		if n, ok := r[1].(int); ok {
			fmt.Fprintf(w, "  %-52s %5d\n", r[0], n)
		} else {
			fmt.Fprintf(w, "  %-52s %s\n", r[0], r[1])
		}
	}
	fmt.Fprintln(w)
	if q.EgressGateway && q.RoutingMode != "tunnel" && !q.HighScaleIPcache {
		wrap(w, "  ", "Cilium tunnels traffic to the cluster's egress gateway nodes and keeps room for that tunnel in every pod's MTU; traffic between clusters is not encapsulated.")
		fmt.Fprintln(w)
	}

	if b.PathMTU == 0 {
		fmt.Fprintln(w, "Path between clusters: not given (--path LINK or --path-mtu N; `mtuguard explain --links` lists the links).")
		minimumNote(w, b.PodMTU)
		return
	}
	via := fmt.Sprintf("%d bytes", b.PathMTU)
	if len(links) > 0 {
		var names []string
		for _, l := range links {
			names = append(names, fmt.Sprintf("%s (%d)", l.Name, l.MTU))
		}
		via = fmt.Sprintf("%s: path MTU %d", strings.Join(names, " → "), b.PathMTU)
	}
	fmt.Fprintf(w, "Path between clusters: %s\n", via)
	if b.Fits {
		fmt.Fprintf(w, "  OK: %d-byte packets fit the %d-byte path; pod MTU %d is safe.\n", b.Wire, b.PathMTU, b.PodMTU)
		minimumNote(w, b.PodMTU)
		return
	}
	wrap(w, "  ", fmt.Sprintf("UNSAFE: pod MTU %d makes %d-byte packets on the wire; the path carries %d. %s",
		b.PodMTU, b.Wire, b.PathMTU, pathBehaviour(links, q, b)))
	fmt.Fprintf(w, "\nLargest safe setting: mtu: %d → pod MTU %d, TCP MSS %d\n", b.SafeMTU, b.SafePodMTU, b.SafeMSS)
	clamp := "" // with mtu set, Cilium ignores the node's MTU
	if !d.explicitMTU {
		clamp = fmt.Sprintf("; or clamp the nodes' interface MTU to %d", b.SafeMTU)
	}
	if d.primary != "" {
		fmt.Fprintf(w, "  (Cilium's mtu reaches the pods only with enable-route-mtu-for-cni-chaining: \"true\" (Helm cni.enableRouteMTUForCNIChaining); else set the MTU %s gives pods to %d)\n", d.primary, b.SafePodMTU)
	} else {
		fmt.Fprintf(w, "  (cilium-config ConfigMap: mtu: \"%d\"; Helm values: MTU: %d%s)\n", b.SafeMTU, b.SafeMTU, clamp)
	}
	minimumNote(w, b.SafePodMTU)
}

// pathBehaviour says what the narrowest hop does with a packet larger than it carries.
func pathBehaviour(links []policies.Link, q policies.BudgetQuery, b policies.Budget) string {
	var narrow policies.Link
	for _, l := range links {
		if narrow.Name == "" || l.MTU < narrow.MTU {
			narrow = l
		}
	}
	// Tunnel mode and native-routing encryption both send pod traffic inside the node's own
	// packets: a signal about them reaches the node, and MSS clamping cannot see inside.
	encapsulated := q.RoutingMode == "tunnel" || q.HighScaleIPcache || q.Encryption != "" && q.Encryption != "none"
	switch {
	case narrow.Name == "" && encapsulated:
		return "Whether this path drops larger packets silently, fragments them or signals is unknown (name the links with --path); for tunnel or encrypted traffic even a signal reaches the node, not the pod, so count on them being lost."
	case narrow.Name == "":
		return "Whether this path drops larger packets silently, fragments them or signals is unknown (name the links with --path); only if it signals does path-MTU discovery in the pods recover."
	case narrow.Behaviour == "drops" && narrow.ClampsMSS && !encapsulated:
		return fmt.Sprintf("%s drops larger packets silently (no ICMP); it clamps the MSS of TCP through it, so the pods' TCP fits, but their UDP datagrams over %d bytes are lost.", narrow.Name, narrow.MTU)
	case narrow.Behaviour == "drops":
		return fmt.Sprintf("%s drops larger packets silently (no ICMP): nothing can adapt, and connections that send full-size packets hang.", narrow.Name)
	case narrow.Behaviour == "signals" && encapsulated:
		return fmt.Sprintf("%s drops them and signals \"fragmentation needed\" to the sender of the outer packet, which is the node, not the pod. A signal to the node does not help the pod: Cilium does not relay it, so the pod keeps sending %d-byte packets and its connections hang.", narrow.Name, b.PodMTU)
	case narrow.Behaviour == "signals":
		return fmt.Sprintf("%s drops them and signals \"fragmentation needed\" (PacketTooBig for IPv6) to the pod itself: path-MTU discovery recovers after a retransmit, unless a network policy drops that ICMP (rules ICMP001-ICMP004).", narrow.Name)
	}
	return fmt.Sprintf("%s %s them.", narrow.Name, narrow.Behaviour)
}

// minimumNote warns where MTU005 would: below the smallest MTU a family allows.
func minimumNote(w io.Writer, pod int) {
	switch {
	case pod < 576:
		fmt.Fprintf(w, "  Note: pod MTU %d is below 576: IPv4 between pods stops working (MTU005).\n", pod)
	case pod < 1280:
		fmt.Fprintf(w, "  Note: pod MTU %d is below 1280: IPv6 between pods stops working (MTU005).\n", pod)
	}
}

func printLinks(w io.Writer) error {
	fmt.Fprintf(w, "%-36s %5s  %-8s %s\n", "LINK", "MTU", "LARGER", "DESCRIPTION")
	for _, l := range policies.Links() {
		fmt.Fprintf(w, "%-36s %5d  %-8s %s\n", l.Name, l.MTU, l.Behaviour, l.Description)
	}
	fmt.Fprintln(w, "\nLARGER: what the link does with a larger packet (DF set): drops it silently, or drops it and signals\nthe sender (for tunnel traffic the node, not the pod).")
	return nil
}

// explainFiles prints the budget of every cluster whose Cilium config is in the files,
// with the settings read the way the rules read them.
func explainFiles(cmd *cobra.Command, files []string, fl explainFlags) error {
	ctx := cmd.Context()
	cfg, err := loadConfig(fl.config)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if cmd.Flags().Changed("node-mtu") || cfg.Nodes.MTU == 0 {
		cfg.Nodes.MTU = fl.nodeMTU
	}
	if len(fl.paths) > 0 {
		cfg.Mesh.Links, cfg.Mesh.PathMTU = fl.paths, 0
	}
	if fl.pathMTU > 0 {
		cfg.Mesh.PathMTU = fl.pathMTU
	}
	if err := cfg.Validate(); err != nil {
		return &exitError{code: 2, err: err}
	}
	// Overlays beside a values file are layers of its cluster (lint reads them with the
	// directory): read them too, and explain only the named files' clusters.
	siblings := lint.OverlaySiblings(files)
	read := append(append([]string{}, files...), siblings...)
	objects, errs, notes := lint.Objects(lint.Load(ctx, read, lint.LoadOptions{Stdin: cmd.InOrStdin()}), lint.Options{})
	printNotes(cmd, notes)
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
	if len(siblings) > 0 {
		clusters = namedClusters(clusters, objects, files)
	}
	if len(clusters) == 0 {
		return usageError("no Cilium config (cilium-config ConfigMap, Helm values, HelmRelease or Application) in %s", strings.Join(files, ", "))
	}
	pathMTU, _, _ := cfg.PathMTU()
	var links []policies.Link
	if cfg.Mesh.PathMTU == 0 {
		links = resolveLinks(cfg.Mesh.Links)
	}
	out := cmd.OutOrStdout()
	for i, s := range clusters {
		q := policies.BudgetQuery{BaseMTU: s.BaseMTU, RoutingMode: s.RoutingMode, Underlay: s.Underlay, Encryption: s.Encryption,
			EgressGateway: s.EgressGateway, HighScaleIPcache: s.HighScaleIPcache, PathMTU: pathMTU}
		if !s.IPv4 {
			q.Inner = "ipv6" // pods have IPv6 only: their MSS leaves room for the larger header
		}
		b, err := engine.Budget(ctx, q)
		if err != nil {
			return err
		}
		if s.PrimarySetsMTU && b.Overhead > 0 {
			// The primary CNI gives pods the node MTU; Cilium's overheads come on top.
			q.BaseMTU = s.BaseMTU + b.Overhead
			if b, err = engine.Budget(ctx, q); err != nil {
				return err
			}
		}
		if i > 0 {
			fmt.Fprintln(out)
		}
		member := "not a ClusterMesh member"
		if s.ClusterMesh {
			member = "ClusterMesh member"
		}
		fmt.Fprintf(out, "== cluster %q (%s)\n", s.ClusterName, member)
		if len(s.Unknown) > 0 {
			fmt.Fprintf(out, "Not known until the config is applied: %s; read below as unset (the rules do not judge what depends on them).\n", strings.Join(s.Unknown, ", "))
		}
		d := datapath{protocol: s.TunnelProtocol, explicitMTU: s.MTU > 0}
		if s.PrimarySetsMTU {
			d.primary = s.Chaining
		}
		printBudget(out, q, b, d, links)
	}
	return nil
}

// namedClusters keeps the clusters that an object of one of the named files is in.
func namedClusters(clusters []policies.ClusterSettings, objects []policies.Object, files []string) []policies.ClusterSettings {
	named := map[string]bool{}
	for _, f := range files {
		named[filepath.ToSlash(filepath.Clean(f))] = true
	}
	in := map[string]bool{}
	for _, o := range objects {
		if named[o.Source.File] {
			in[o.Cluster] = true
		}
	}
	var out []policies.ClusterSettings
	for _, s := range clusters {
		if in[s.Cluster] {
			out = append(out, s)
		}
	}
	return out
}

func familyName(f string) string {
	if f == "ipv6" {
		return "IPv6"
	}
	return "IPv4"
}

func protocolName(p string) string {
	switch p {
	case "geneve":
		return "Geneve"
	case "vxlan", "":
		return "VXLAN"
	}
	return p
}

// encryptionNote names what an encryption overhead assumes (lib/budget.rego).
func encryptionNote(e string) string {
	switch e {
	case "wireguard":
		return " (80 before 1.20)"
	case "ipsec":
		return " (128-bit ICV key)"
	}
	return ""
}

func encryptionName(e string) string {
	switch e {
	case "wireguard":
		return "WireGuard"
	case "ipsec":
		return "IPsec"
	}
	return e
}

// wrap prints text in lines of at most 90 columns, each starting with indent.
func wrap(w io.Writer, indent, text string) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > 90 {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}
