# What the mesh looks like to the rules: the path between members and each member's budget.
package mtuguard.lib.mesh

import data.mtuguard.lib.budget
import data.mtuguard.lib.nodeconfig
import data.mtuguard.lib.nodes

path_known if input.config.mesh.pathMTU

path_mtu := input.config.mesh.pathMTU

# path_text names the path for messages, e.g. "aws-transit-gateway 8500".
path_text := sprintf("the mesh path (%s)", [input.config.mesh.pathSource]) if path_known

# settings[cluster] are what every node of a cluster runs with: its Cilium settings and the
# CiliumNodeConfigs selecting every node, which the agent applies over them. An every-node
# `mtu` override is the cluster's MTU.
settings := nodeconfig.everywhere

# base_mtu[cluster]: what Cilium sizes packets to, `mtu` or the detected node MTU.
base_mtu := {c: base_of(c, s) | some c, s in settings}

base_of(_, s) := s.mtu if s.mtu > 0

base_of(c, s) := nodes.mtu(c) if s.mtu == 0

# pod_mtu[cluster]: the route MTU Cilium gives pods.
pod_mtu := {c: budget.pod_mtu(base_mtu[c], s) | some c, s in settings}

budget_pod_mtu(base, s) := budget.pod_mtu(base, s)

# base_source[cluster] explains base_mtu in a message.
base_source := {c: source_of(c, s) | some c, s in settings}

source_of(c, s) := sprintf("mtu: %d is set by CiliumNodeConfig %q for every node", [s.mtu, nodeconfig.mtu_from[c]]) if {
	s.mtu > 0
	nodeconfig.mtu_from[c]
} else := sprintf("mtu: %d is set explicitly", [s.mtu]) if s.mtu > 0

source_of(c, s) := sprintf("mtu is unset, so Cilium auto-detects the node MTU %d (%s)", [nodes.mtu(c), nodes.source(c)]) if s.mtu == 0

default encapsulated(_) := false

# encapsulated(s): Cilium wraps pod traffic between nodes in packets the node sends -
# VXLAN/Geneve in tunnel mode, WireGuard or IPsec (ESP) with encryption in native routing
# (pkg/mtu/mtu.go subtracts their overhead from the pod MTU either way) - so those packets
# reach the MTU Cilium uses, a router's ICMP about them reaches the node, not the pod, and a
# hop's TCP MSS clamping (an AWS Transit Gateway's) cannot see the pods' TCP inside.
encapsulated(s) if s.routing_mode == "tunnel"

encapsulated(s) if s.encryption != "none"

# silent_droppers(size) are the declared links narrower than size that drop larger packets
# without ICMP: nothing, path-MTU discovery included, tells the sender, whatever it is.
silent_droppers(size) := {l |
	some l in input.config.mesh.links
	l.mtu < size
	l.behaviour == "drops"
}

default mss_clamped(_) := false

# mss_clamped(droppers): a link no wider than any of them clamps the MSS of TCP through it
# (an AWS Transit Gateway), so pods' TCP fits them all; their UDP does not.
mss_clamped(droppers) if {
	some l in input.config.mesh.links
	l.clampsMSS
	l.mtu <= min({d.mtu | some d in droppers})
}

# mode_text(s) names how an encapsulated cluster wraps pod traffic, for messages.
mode_text(s) := "in tunnel mode" if {
	s.routing_mode == "tunnel"
} else := sprintf("in native routing with %s encryption", [encryption_names[s.encryption]])

encryption_names := {"wireguard": "WireGuard", "ipsec": "IPsec"}

# inner_family(s) is the family of the pods' own packets, for their TCP MSS: IPv6 only
# when IPv4 is off (its header is 20 bytes larger).
inner_family(s) := "ipv4" if s.ipv4

else := "ipv6"

# overhead_text describes the overhead in bytes, e.g. "50 (VXLAN over IPv4)".
overhead_text(s) := concat(" + ", [x | some x in parts(s)])

parts(s) := array.concat(tunnel_part(s), encryption_part(s))

tunnel_part(s) := [sprintf("%d %s over %s", [budget.tunnel_overhead(s), upper_protocol(s.tunnel_protocol), family_name(s.underlay)])] if {
	s.routing_mode == "tunnel"
} else := []

encryption_part(s) := [sprintf("%d WireGuard", [budget.encryption_overhead(s)])] if {
	s.encryption == "wireguard"
} else := [sprintf("%d IPsec", [budget.encryption_overhead(s)])] if {
	s.encryption == "ipsec"
} else := []

upper_protocol("vxlan") := "VXLAN"

upper_protocol("geneve") := "Geneve"

family_name("ipv4") := "IPv4"

family_name("ipv6") := "IPv6"
