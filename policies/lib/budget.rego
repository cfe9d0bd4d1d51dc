# The byte budget of a tunnelled packet: the one place the overhead arithmetic lives.
# The rules, `mtuguard explain` and the netns lab all evaluate it.
#
# Read in Cilium's source (github.com/cilium/cilium; v1.20.2 unless a tag is named):
#   - constants, pkg/mtu/mtu.go:30-74: TunnelOverheadIPv4 = 50 (outer IPv4 20, UDP 8,
#     VXLAN/Geneve 8, inner Ethernet 14), TunnelOverheadIPv6 = 70, DsrTunnelOverhead = 12,
#     EncryptionIPsecOverhead = 77, EncryptionDefaultAuthKeyLength = 16,
#     WireguardOverhead = 95, IPv6MinMTU = 1280. Before 1.18 there is one TunnelOverhead = 50
#     (v1.17.0 pkg/mtu/mtu.go:29) and before 1.20 WireguardOverhead is 80 (v1.19.0
#     pkg/mtu/mtu.go:66; 1.20 adds WireGuard's up to 15 bytes of padding).
#   - getRouteMTU, pkg/mtu/mtu.go:127-166, is the pod's route MTU: base - (WireGuard or
#     IPsec) - (the tunnel overhead when the MTU adapts to a tunnel). The base is the
#     device MTU, which `mtu` states (pkg/mtu/cell.go:144-167; a CNI config file's `mtu`
#     wins over it) or the smallest MTU of the devices Cilium selects (pkg/mtu/manager.go:53-59).
#     The CNI plugin puts the route MTU on the pod's default routes and the device MTU on
#     its veth (plugins/cilium-cni/cmd/cmd.go:729,789,807).
package mtuguard.lib.budget

tunnel_overhead_ipv4 := 50

tunnel_overhead_ipv6 := 70

dsr_tunnel_overhead := 12

wireguard_overhead := 95

# wireguard_overhead_before_1_20 is the constant of Cilium 1.16-1.19, for messages.
wireguard_overhead_before_1_20 := 80

ipsec_overhead := 77

ipsec_default_key_length := 16

ipv6_min_mtu := 1280

ipv4_min_mtu := 576

# adapts_to_tunnel(s): Cilium subtracts the tunnel overhead from the pod MTU when one of
# the features that turn tunnelling on asks for MTU adaptation (tunnel.Config.ShouldAdaptMTU,
# pkg/datapath/tunnel/tunnel.go:141-153, pkg/mtu/cell.go:139):
#   - the tunnel routing mode (pkg/datapath/tunnel/cell.go:27-29);
#   - an egress gateway, in native routing too (pkg/egressgateway/cell.go:20-25; 1.16/1.17
#     pkg/egressgateway/manager.go NewEgressGatewayManager): traffic to a gateway node is
#     tunnelled (bpf/lib/egress_gateway.h:654-657), so every pod gets the tunnel's MTU;
#   - high-scale ipcache, Cilium 1.16/1.17 only (v1.17.0 pkg/datapath/tunnel/cell.go:49;
#     the agent refuses it with tunnel routing, v1.17.0 daemon/cmd/daemon_main.go:1369-1372,
#     and 1.18 removed it): native routing that encapsulates pod traffic to carry identities.
# Geneve DSR load balancing also turns tunnelling on, but WithoutMTUAdaptation
# (pkg/loadbalancer/config.go:261-272): the pod MTU keeps no room for it.
default adapts_to_tunnel(_) := false

adapts_to_tunnel(s) if s.routing_mode == "tunnel"

adapts_to_tunnel(s) if object.get(s, "egress_gateway", false)

adapts_to_tunnel(s) if object.get(s, "high_scale_ipcache", false)

# tunnel_overhead(s): s.routing_mode "tunnel"|"native", s.underlay "ipv4"|"ipv6". The IPv6
# figure applies only in the tunnel routing mode (pkg/mtu/cell.go:134-135); an egress
# gateway's tunnel in native routing is budgeted at 50, and needs an IPv4 underlay anyway
# (pkg/egressgateway/manager.go:205-207, since 1.19). Cilium 1.18 took 70 only with IPv4
# disabled, whatever underlay-protocol said (v1.18.0 pkg/mtu/cell.go:93): a dual-stack 1.18
# cluster with `underlay-protocol: ipv6` sends packets 20 bytes above its MTU. 1.16/1.17
# have no IPv6 underlay (no underlay-protocol; TunnelOverhead 50). underlay-protocol
# defaults to ipv4 in 1.18/1.19 (v1.19.0 pkg/defaults/defaults.go:452), auto in 1.20
# (IPv4 when enabled: pkg/datapath/tunnel/tunnel.go:103-125).
tunnel_overhead(s) := tunnel_overhead_ipv6 if {
	s.routing_mode == "tunnel"
	s.underlay == "ipv6"
} else := tunnel_overhead_ipv4 if {
	adapts_to_tunnel(s)
} else := 0

# dsr_overhead(s): the Geneve DSR option. Cilium 1.16/1.17 subtract DsrTunnelOverhead only
# with high-scale ipcache and NodePort (v1.17.0 pkg/mtu/cell.go:98, pkg/mtu/mtu.go:143-145;
# v1.16.0 pkg/mtu/cell.go:78, pkg/mtu/mtu.go:135-137), and not with WireGuard, whose branch
# returns first (v1.17.0 pkg/mtu/mtu.go:115-120). NodePort is assumed on: the mode is built
# for DSR Geneve load balancing, which it then requires (v1.16.0
# daemon/cmd/kube_proxy_replacement.go:203-208). From 1.18 the constant is unused, for
# Geneve DSR dispatch too: nodeport.h checks the option's bytes against the device MTU
# itself, and only with enable-pmtu-discovery (bpf/lib/nodeport.h:184-191,1759-1762).
dsr_overhead(s) := dsr_tunnel_overhead if {
	s.routing_mode == "native" # 1.16/1.17 refuse the mode with tunnel routing, 1.18+ ignore its key
	object.get(s, "high_scale_ipcache", false)
	s.encryption != "wireguard"
} else := 0

# encryption_overhead(s): s.encryption "none"|"wireguard"|"ipsec", s.ipsec_key_length optional.
# Both stack on the tunnel: in tunnel mode WireGuard encrypts the VXLAN/Geneve packets
# (bpf/lib/wireguard.h:76-81) on cilium_wg0, whose MTU is the base minus 95
# (pkg/wireguard/agent/agent.go:278-285), and getRouteMTU subtracts both (mtu.go:128-133);
# in native routing WireGuard alone.
# IPsec adds the key length minus 16 (pkg/mtu/mtu.go:141-145): the ICV length in bytes
# for an AEAD key (pkg/datapath/linux/ipsec/ipsec_linux.go:1146-1155: ICV 96, 128 or 256
# bits), the authentication key's length for an auth+cipher key (ipsec_linux.go:1159).
# The key lives in a Secret mtuguard does not read: 16 is the documented
# `rfc4106(gcm(aes)) ... 128` key.
encryption_overhead(s) := wireguard_overhead if {
	s.encryption == "wireguard"
} else := (ipsec_overhead + object.get(s, "ipsec_key_length", ipsec_default_key_length)) - ipsec_default_key_length if {
	s.encryption == "ipsec"
} else := 0

# pod_mtu is Cilium's route MTU for a base MTU (pkg/mtu/mtu.go getRouteMTU).
pod_mtu(base, s) := base - overhead(s)

# overhead is every byte Cilium adds to a pod's packet on the wire.
overhead(s) := (tunnel_overhead(s) + dsr_overhead(s)) + encryption_overhead(s)

# tcp_mss is the MSS a pod announces: pod MTU minus inner IP and TCP headers.
tcp_mss(pod, "ipv6") := pod - 60

tcp_mss(pod, "ipv4") := pod - 40

# explain answers `mtuguard explain` and the lab: input {base, routing_mode, underlay,
# encryption, egress_gateway and high_scale_ipcache (optional), path_mtu (optional),
# inner ("ipv4"|"ipv6", default ipv4)}.
explain := report if {
	s := input
	inner := object.get(s, "inner", "ipv4")
	pod := pod_mtu(s.base, s)
	report := object.union(
		{
			"base": s.base,
			"tunnel_overhead": tunnel_overhead(s),
			"dsr_overhead": dsr_overhead(s),
			"encryption_overhead": encryption_overhead(s),
			"overhead": overhead(s),
			"pod_mtu": pod,
			"mss": tcp_mss(pod, inner),
			"wire": s.base,
		},
		path_report(s, inner),
	)
}

path_report(s, inner) := {
	"path_mtu": s.path_mtu,
	"fits": s.base <= s.path_mtu,
	"safe_mtu": min({s.base, s.path_mtu}),
	"safe_pod_mtu": pod_mtu(min({s.base, s.path_mtu}), s),
	"safe_mss": tcp_mss(pod_mtu(min({s.base, s.path_mtu}), s), inner),
} if s.path_mtu

path_report(s, _) := {} if not s.path_mtu
