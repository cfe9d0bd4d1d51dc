# The byte budget of a tunnelled packet: the one place the overhead arithmetic lives.
# The rules, `mtuguard explain` and the netns lab all evaluate it.
#
# Constants from Cilium pkg/mtu/mtu.go (v1.20.2): TunnelOverheadIPv4 = 50 (outer IPv4 20,
# UDP 8, VXLAN/Geneve 8, inner Ethernet 14), TunnelOverheadIPv6 = 70, WireguardOverhead = 95,
# EncryptionIPsecOverhead = 77 (+ auth key length - 16). getRouteMTU subtracts
# tunnel + encryption overhead from the base MTU: the `mtu` option, else the smallest
# MTU among the native devices (pkg/mtu/manager.go).
package mtuguard.lib.budget

tunnel_overhead_ipv4 := 50

tunnel_overhead_ipv6 := 70

wireguard_overhead := 95

ipsec_overhead := 77

ipsec_default_key_length := 16

ipv6_min_mtu := 1280

ipv4_min_mtu := 576

# tunnel_overhead(s): s.routing_mode "tunnel"|"native", s.underlay "ipv4"|"ipv6".
tunnel_overhead(s) := tunnel_overhead_ipv6 if {
	s.routing_mode == "tunnel"
	s.underlay == "ipv6"
} else := tunnel_overhead_ipv4 if {
	s.routing_mode == "tunnel"
} else := 0

# encryption_overhead(s): s.encryption "none"|"wireguard"|"ipsec", s.ipsec_key_length optional.
encryption_overhead(s) := wireguard_overhead if {
	s.encryption == "wireguard"
} else := (ipsec_overhead + object.get(s, "ipsec_key_length", ipsec_default_key_length)) - ipsec_default_key_length if {
	s.encryption == "ipsec"
} else := 0

# pod_mtu is Cilium's route MTU for a base MTU (pkg/mtu/mtu.go getRouteMTU).
pod_mtu(base, s) := (base - tunnel_overhead(s)) - encryption_overhead(s)

# tcp_mss is the MSS a pod announces: pod MTU minus inner IP and TCP headers.
tcp_mss(pod, "ipv6") := pod - 60

tcp_mss(pod, "ipv4") := pod - 40

# explain answers `mtuguard explain` and the lab: input {base, routing_mode, underlay,
# encryption, path_mtu (optional), inner ("ipv4"|"ipv6", default ipv4)}.
explain := report if {
	s := input
	inner := object.get(s, "inner", "ipv4")
	pod := pod_mtu(s.base, s)
	report := object.union(
		{
			"base": s.base,
			"tunnel_overhead": tunnel_overhead(s),
			"encryption_overhead": encryption_overhead(s),
			"overhead": tunnel_overhead(s) + encryption_overhead(s),
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
