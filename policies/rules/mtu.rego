# MTU rules: will the packets Cilium sends fit the path between clusters?
package mtuguard.rules.mtu

import data.mtuguard.lib.budget
import data.mtuguard.lib.cilium
import data.mtuguard.lib.finding
import data.mtuguard.lib.mesh
import data.mtuguard.lib.nodeconfig
import data.mtuguard.lib.objects

# METADATA
# title: Packets between clusters exceed the mesh path MTU
# description: |
#   A ClusterMesh member runs in tunnel mode (VXLAN or Geneve), or encrypts pod traffic
#   (WireGuard, IPsec) in native routing, or uses Cilium 1.16/1.17's high-scale ipcache
#   (Geneve in native routing), and the MTU Cilium uses (the explicit `mtu`, else the node
#   MTU it auto-detects) is larger than the path between clusters. Cilium gives pods that
#   MTU minus the tunnel and encryption overhead, so encapsulated packets reach the full
#   MTU; a hop such as an AWS Transit Gateway (8500) drops the larger ones, any
#   ICMP it sends reaches the node, not the pod, and its TCP MSS clamping cannot see inside.
#   Small requests work; anything larger between clusters hangs with no error. In native
#   routing without encryption the pods' own packets cross the path, and the rule fires
#   only where a declared link drops larger packets without ICMP (inter-region VPC peering,
#   Transit Gateway peering): an error, or a warning when a hop clamps TCP's MSS (a Transit
#   Gateway), so that only UDP over the path MTU is lost. CiliumNodeConfigs
#   the agent reads (in Cilium's namespace, allowed by `daemon.*ConfigOverrides`) that
#   select every node (an empty `nodeSelector`) are the cluster's settings, applied in name
#   order: when they make the packets fit, that is the fix; ones selecting some nodes are
#   not (MTU003 judges those nodes).
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu001
# custom:
#   id: MTU001
#   severity: error
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Set Cilium's `mtu` (Helm `MTU`) to the mesh path MTU, clamp the node interface MTU to
#     it, or clamp TCP MSS. `packetization-layer-pmtud-mode` only mitigates (TCP recovers
#     after a stall; UDP never does).
MTU001 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	mesh.path_known
	own := cilium.settings[c]
	mesh.encapsulated(own)
	mesh.wire_of(c, own) > mesh.path_mtu # the cluster's own config opens it; MTU003 judges overrides that do
	s := mesh.settings[c]
	mesh.encapsulated(s) # and no CiliumNodeConfig selecting every node closes it
	wire := mesh.wire_mtu[c]
	wire > mesh.path_mtu
	at := cilium.at(c, "mtu")
	objects.focused(at.object)
	f := finding.new(at, mtu001_text(c, s, wire))
}

# Native routing without encryption: pods' packets cross the path as they are, so a hop
# that signals lets path-MTU discovery work (unless policies drop the signal: ICMP001-004),
# but one that drops them silently is the same black hole, for TCP too unless a hop clamps
# its MSS (then only UDP over the path MTU is lost: a warning).
MTU001 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	mesh.path_known
	own := cilium.settings[c]
	not mesh.encapsulated(own)
	mesh.pod_of(c, own) > mesh.path_mtu
	s := mesh.settings[c]
	not mesh.encapsulated(s) # an every-node CiliumNodeConfig that encapsulates is MTU003's
	pod := mesh.pod_mtu[c] # what pods send: the base, less room an egress gateway keeps
	droppers := mesh.silent_droppers(pod)
	count(droppers) > 0
	at := cilium.at(c, "mtu")
	objects.focused(at.object)
	f := finding.with_severity(at, native_text(c, s, pod, droppers), native_severity(droppers))
}

native_severity(droppers) := "warning" if mesh.mss_clamped(droppers)

else := "error"

native_text(c, s, pod, droppers) := {
	"message": sprintf(
		"cluster %q is a ClusterMesh member in native routing and %s: pods get MTU %d, so their packets to other clusters reach %d bytes, but %s, so path-MTU discovery never learns of it. %s",
		[s.cluster_name, mesh.base_source[c], pod, pod, silent_drop_text(droppers), native_effect(droppers)],
	),
	"remediation": sprintf(
		"%s so pods get MTU %d (TCP MSS %d) and packets fit %d; or clamp the nodes' interface MTU to %d.",
		[set_mtu_snippet(c, mesh.path_mtu), budget.pod_mtu(mesh.path_mtu, s), budget.tcp_mss(budget.pod_mtu(mesh.path_mtu, s), mesh.inner_family(s)), mesh.path_mtu, mesh.path_mtu],
	),
}

# silent_drop_text names the path and the links of it that drop larger packets silently.
silent_drop_text(droppers) := sprintf("%s carries at most %d and %s drops larger packets without ICMP", [mesh.path_text, mesh.path_mtu, concat(", ", sort({l.name | some l in droppers}))])

native_effect(droppers) := "TCP survives because the path clamps its MSS, but UDP datagrams over the path MTU between clusters are lost." if {
	mesh.mss_clamped(droppers)
} else := "Requests work, but large transfers between clusters hang and large UDP datagrams are lost."

mtu001_text(c, s, wire) := {
	"message": sprintf(
		"cluster %q is a ClusterMesh member %s and %s: %s, but %s carries at most %d and drops larger ones; ICMP from the path, if any, reaches the node, not the pod. Requests work, but packets over %d bytes between clusters are lost and large transfers hang.",
		[s.cluster_name, mesh.mode_text(s), mesh.base_source[c], wire_text(c, s, wire), mesh.path_text, mesh.path_mtu, budget.pod_mtu(mesh.path_mtu, s)],
	),
	"remediation": sprintf(
		"%s so pods get MTU %d (TCP MSS %d) and packets fit %d; or clamp the nodes' interface MTU to %d. packetization-layer-pmtud-mode (now %q) only lets TCP recover after a stall and never helps UDP; enable-pmtu-discovery is for DSR load balancing and does not fix the tunnel.",
		[set_mtu_snippet(c, mesh.path_mtu), budget.pod_mtu(mesh.path_mtu, s), budget.tcp_mss(budget.pod_mtu(mesh.path_mtu, s), mesh.inner_family(s)), mesh.path_mtu, mesh.path_mtu, s.plpmtud_mode],
	),
}

# wire_text says how pods' packets grow to wire bytes: Cilium sizes pods to fit its MTU,
# but a primary CNI's pod MTU gets the tunnel on top.
wire_text(c, s, wire) := sprintf("pods get MTU %d, so encapsulated packets reach %d = %d + %s bytes", [mesh.pod_mtu[c], wire, mesh.pod_mtu[c], mesh.overhead_text(s)]) if {
	mesh.primary_sets_mtu(s)
} else := sprintf("pods get MTU %d = %d - %s, so encapsulated packets reach %d bytes", [mesh.pod_mtu[c], wire, mesh.overhead_text(s), wire])

# set_mtu_snippet is the line to paste, in the form the user wrote the settings in; where
# a CiliumNodeConfig sets mtu for every node, only that override changes it.
set_mtu_snippet(c, mtu) := sprintf("Lower the MTU %s gives pods to %d%s, or let Cilium set it: %s", [mesh.settings[c].chaining, pod, primary_knob(mesh.settings[c].chaining, pod), chained_snippet(c, mtu)]) if {
	pod := budget.pod_mtu(mtu, mesh.settings[c]) # room for what Cilium adds on top
	mesh.primary_sets_mtu(mesh.settings[c])
} else := sprintf("Set `mtu: \"%d\"` in CiliumNodeConfig %q (its mtu overrides the cluster's on every node)", [mtu, nodeconfig.mtu_from[c]]) if {
	nodeconfig.mtu_from[c]
} else := sprintf("Set `MTU: %d` in the Cilium Helm values", [mtu]) if {
	cilium.form[c] == "helm"
} else := sprintf("Set `mtu: \"%d\"` in the cilium-config ConfigMap", [mtu])

# The Amazon VPC CNI sets pods' MTU from POD_MTU (v1.16.4+), else AWS_VPC_ENI_MTU (9001).
primary_knob(chaining, mtu) := sprintf(" (POD_MTU=%d on the aws-node DaemonSet, or AWS_VPC_ENI_MTU before VPC CNI 1.16.4)", [mtu]) if {
	chaining == "aws-cni"
} else := ""

chained_snippet(c, mtu) := sprintf("`cni: {enableRouteMTUForCNIChaining: true}` and `MTU: %d` in the Cilium Helm values", [mtu]) if {
	cilium.form[c] == "helm"
} else := sprintf("`enable-route-mtu-for-cni-chaining: \"true\"` and `mtu: \"%d\"` in the cilium-config ConfigMap", [mtu])

# METADATA
# title: ClusterMesh members disagree on MTU
# description: |
#   Mesh members size their tunnel packets differently (a CiliumNodeConfig setting `mtu`
#   for every node counts as the member's). Packets from the member with the larger MTU can
#   be dropped on their way to, or at, the smaller one: traffic breaks in one direction
#   only, which is hard to diagnose.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu004
# custom:
#   id: MTU004
#   severity: warning
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Set the same `mtu` (Helm `MTU`) on every member, no larger than the mesh path MTU.
MTU004 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	count(cilium.meshmates[c]) > 0
	smallest := min({mesh.base_mtu[m] | some m in cilium.meshmates[c]})
	mesh.base_mtu[c] > smallest
	at := cilium.at(c, "mtu")
	objects.focused(at.object)
	smaller := sort([sprintf("%q (%d)", [mesh.settings[m].cluster_name, mesh.base_mtu[m]]) | some m in cilium.meshmates[c]; mesh.base_mtu[m] < mesh.base_mtu[c]])
	f := finding.new(at, {
		"message": sprintf(
			"cluster %q sends packets of up to %d bytes (%s), but mesh member(s) %s use less: packets from %q that are larger than the other side accepts are dropped one way only.",
			[mesh.settings[c].cluster_name, mesh.base_mtu[c], mesh.base_source[c], concat(", ", smaller), mesh.settings[c].cluster_name],
		),
		"remediation": sprintf("%s on every member (the smallest member's value), or lower them all to the mesh path MTU.", [set_mtu_snippet(c, smallest)]),
	})
}

# METADATA
# title: Pod MTU too small for IP
# description: |
#   After tunnel and encryption overhead, the pod MTU falls below 1280 while IPv6 is enabled
#   (IPv6 requires 1280: it stops working) or below 576 for IPv4, with the CiliumNodeConfigs
#   selecting every node applied. Cilium keeps the tunnel overhead in native routing too when
#   the egress gateway is enabled (it tunnels traffic to the gateway nodes).
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu005
# custom:
#   id: MTU005
#   severity: error
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Raise `mtu` (Helm `MTU`) or the node MTU so the pod MTU stays at or above 1280 (IPv6) or 576 (IPv4).
MTU005 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c, s in mesh.settings
	pod := mesh.pod_mtu[c]
	[family, floor] := ip_floor(s)
	pod < floor
	at := cilium.at(c, "mtu")
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf(
			"cluster %q: %s, and pods get MTU %d = %d - %s, below the %d bytes %s requires: %s traffic between pods fails.",
			[s.cluster_name, mesh.base_source[c], pod, mesh.base_mtu[c], mesh.overhead_text(s), floor, family, family],
		),
		"remediation": sprintf("%s or more (the smallest MTU that leaves pods %d).", [set_mtu_snippet(c, (floor + mesh.base_mtu[c]) - pod), floor]),
	})
}

ip_floor(s) := ["IPv6", budget.ipv6_min_mtu] if {
	s.ipv6
} else := ["IPv4", budget.ipv4_min_mtu]

# METADATA
# title: Jumbo MTU in a ClusterMesh with an undeclared path
# description: |
#   A ClusterMesh member in tunnel mode (or encrypting, or with Cilium 1.16/1.17's
#   high-scale ipcache, in native routing) uses a jumbo MTU (above 1500, its own or one a
#   CiliumNodeConfig sets for every node) but the mtuguard config does not say what
#   connects the clusters, so MTU001 cannot tell whether packets fit.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu006
# custom:
#   id: MTU006
#   severity: warning
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Declare the path in .mtuguard.yaml, e.g. `mesh.links: [aws-transit-gateway]` or `mesh.pathMTU: 8500`.
MTU006 contains f if {
	"CiliumConfig" in objects.focused_kinds
	not mesh.path_known
	some c in cilium.members
	s := mesh.settings[c]
	mesh.encapsulated(s)
	mesh.base_mtu[c] > 1500
	at := cilium.at(c, "mtu")
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf(
			"cluster %q is a ClusterMesh member %s and %s, so encapsulated packets reach %d bytes; mtuguard cannot tell whether the path between clusters carries them (AWS Transit Gateway and inter-region peering carry 8500).",
			[s.cluster_name, mesh.mode_text(s), mesh.base_source[c], mesh.base_mtu[c]],
		),
		"remediation": "Declare what connects the clusters in .mtuguard.yaml: `mesh: {links: [aws-transit-gateway]}` (see `mtuguard explain` for the link names) or `mesh: {pathMTU: 8500}`.",
	})
}
