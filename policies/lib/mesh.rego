# What the mesh looks like to the rules: the path between members and each member's budget.
package mtuguard.lib.mesh

import data.mtuguard.lib.budget
import data.mtuguard.lib.cilium
import data.mtuguard.lib.nodeconfig
import data.mtuguard.lib.nodes

path_known if input.config.mesh.pathMTU

path_mtu := input.config.mesh.pathMTU

# path_text names the path for messages, e.g. "aws-transit-gateway 8500".
path_text := sprintf("the mesh path (%s)", [input.config.mesh.pathSource]) if path_known

# settings[cluster] are what every node of a cluster runs with: its Cilium settings and the
# CiliumNodeConfigs selecting every node, which the agent applies over them. An every-node
# `mtu` override is the cluster's MTU. Clusters with unknown MTU settings (a Flux
# substitution variable) are left out: nothing can be said of their packets.
settings := {c: s | some c, s in nodeconfig.everywhere; cilium.mtu_known(c)}

# base_mtu[cluster]: what Cilium sizes packets to, `mtu` or the detected node MTU.
base_mtu := {c: base_of(c, s) | some c, s in settings}

# Chained to another CNI (aws-cni, ...), Cilium sets no pod MTU unless
# enable-route-mtu-for-cni-chaining is on (pkg/mtu/endpoint_updater.go,
# plugins/cilium-cni/chaining/generic-veth): the primary plugin does, at the node MTU unless
# configured otherwise (aws-cni: AWS_VPC_ENI_MTU, default 9001). Cilium's mtu is then moot.
base_of(c, s) := s.mtu if {
	s.mtu > 0
	not primary_sets_mtu(s)
} else := nodes.mtu(c)

default primary_sets_mtu(_) := false

# In `portmap` mode cilium-cni is the first plugin and sets up the pod as it does unchained
# (plugins/cilium-cni/cmd/cmd.go getChainedAction treats the network name "portmap" as a
# standard plugin; daemon/cmd/cni/config.go puts cilium-cni first), so it gives the pods
# Cilium's route MTU at creation; only the endpoint updater that would change it later is
# off (pkg/mtu/endpoint_updater.go). The generic-veth chainers (aws-cni, azure, flannel,
# generic-veth) leave the MTU to the primary plugin.
primary_sets_mtu(s) if {
	not object.get(s, "chaining", "none") in {"none", "portmap"}
	not object.get(s, "route_mtu_in_chaining", false)
}

# pod_mtu[cluster]: the MTU pods get: Cilium's route MTU, the base less its overheads;
# chained to a CNI that sets it, the primary's (the node MTU), the overheads then coming on
# top of it on the wire.
pod_mtu := {c: pod_of(c, s) | some c, s in settings}

pod_of(c, s) := base_of(c, s) if primary_sets_mtu(s)

else := budget.pod_mtu(base_of(c, s), s)

# wire_mtu[cluster]: the largest packet a member puts on the wire: the base, or chained
# pods' MTU plus the overheads Cilium adds.
wire_mtu := {c: wire_of(c, s) | some c, s in settings}

wire_of(c, s) := base_of(c, s) + budget.overhead(s) if primary_sets_mtu(s)

else := base_of(c, s)

budget_pod_mtu(base, s) := budget.pod_mtu(base, s)

# base_source[cluster] explains base_mtu in a message.
base_source := {c: source_of(c, s) | some c, s in settings}

source_of(c, s) := sprintf("Cilium runs chained to %s and leaves the pods' MTU to it (enable-route-mtu-for-cni-chaining is off%s%s), which gives them the node MTU %d (%s)", [s.chaining, custom_conf_text(s), ignored_mtu(s), nodes.mtu(c), nodes.source(c)]) if {
	primary_sets_mtu(s)
} else := sprintf("mtu: %d is set by CiliumNodeConfig %q for every node", [s.mtu, nodeconfig.mtu_from[c]]) if {
	s.mtu > 0
	nodeconfig.mtu_from[c]
} else := sprintf("mtu: %d is set explicitly", [s.mtu]) if s.mtu > 0

source_of(c, s) := sprintf("mtu is unset, so Cilium auto-detects the node MTU %d (%s)", [nodes.mtu(c), nodes.source(c)]) if {
	s.mtu == 0
	not primary_sets_mtu(s)
}

# The custom CNI configuration (read-cni-conf) is a file the run does not read: its
# cilium-cni entry's `enable-route-mtu: true` would turn the route MTU on as well
# (pkg/mtu/endpoint_updater.go, plugins/cilium-cni/chaining/generic-veth).
custom_conf_text(s) := ", and unless the custom CNI configuration the agent reads (read-cni-conf) sets `enable-route-mtu: true` on cilium-cni" if {
	object.get(s, "custom_cni_conf", false)
} else := ""

ignored_mtu(s) := sprintf(", so mtu: %d does not reach them", [s.mtu]) if s.mtu > 0

else := ""

default encapsulated(_) := false

# encapsulated(s): Cilium wraps pod traffic between nodes in packets the node sends -
# VXLAN/Geneve in tunnel mode, WireGuard or IPsec (ESP) with encryption in native routing,
# Geneve in native routing with Cilium 1.16/1.17's high-scale ipcache (pkg/mtu/mtu.go
# subtracts their overhead from the pod MTU either way) - so those packets reach the MTU
# Cilium uses, a router's ICMP about them reaches the node, not the pod, and a hop's TCP MSS
# clamping (an AWS Transit Gateway's) cannot see the pods' TCP inside. An egress gateway in
# native routing is not encapsulation between clusters: it tunnels only traffic to the
# cluster's own gateway nodes, though Cilium keeps room for that tunnel in every pod's MTU.
encapsulated(s) if s.routing_mode == "tunnel"

encapsulated(s) if s.encryption != "none"

encapsulated(s) if high_scale_ipcache(s)

high_scale_ipcache(s) if {
	s.routing_mode == "native"
	object.get(s, "high_scale_ipcache", false)
}

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
} else := sprintf("in native routing with %s encryption", [encryption_names[s.encryption]]) if {
	s.encryption != "none"
} else := "in native routing with high-scale ipcache (Cilium 1.16/1.17 encapsulate pod traffic in Geneve to carry identities)"

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
} else := [sprintf("%d Geneve with the DSR option (high-scale ipcache)", [budget.tunnel_overhead(s) + budget.dsr_overhead(s)])] if {
	high_scale_ipcache(s)
	budget.dsr_overhead(s) > 0
} else := [sprintf("%d Geneve (high-scale ipcache)", [budget.tunnel_overhead(s)])] if {
	high_scale_ipcache(s)
} else := [sprintf("%d kept for the egress gateway's tunnel", [budget.tunnel_overhead(s)])] if {
	budget.tunnel_overhead(s) > 0
} else := []

# The overheads of Cilium 1.20; older versions are named where they differ.
encryption_part(s) := [sprintf("%d WireGuard (%d before Cilium 1.20)", [budget.encryption_overhead(s), budget.wireguard_overhead_before_1_20])] if {
	s.encryption == "wireguard"
} else := [sprintf("%d IPsec (assuming the documented rfc4106(gcm(aes)) key with a 128-bit ICV)", [budget.encryption_overhead(s)])] if {
	s.encryption == "ipsec"
} else := []

upper_protocol("vxlan") := "VXLAN"

upper_protocol("geneve") := "Geneve"

family_name("ipv4") := "IPv4"

family_name("ipv6") := "IPv6"
