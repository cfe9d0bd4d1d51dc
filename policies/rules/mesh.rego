# ClusterMesh rules: can the members form one mesh at all?
package mtuguard.rules.mesh

import data.mtuguard.lib.cilium
import data.mtuguard.lib.finding
import data.mtuguard.lib.objects

# METADATA
# title: ClusterMesh cluster-id duplicated or out of range
# description: |
#   Every mesh member needs a unique `cluster-id` (Helm `cluster.id`) from 1 to 255, or to 511
#   with `max-connected-clusters: 511`. Duplicates make identities and pod IPs of the two
#   clusters collide; an id of 0 or out of range cannot join the mesh. With ENI IPAM or AWS
#   VPC CNI chaining, Cilium also refuses ids 128-255 and 384-511 (cilium/cilium#21330).
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mesh001
# custom:
#   id: MESH001
#   severity: error
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Give every member a distinct `cluster-id` (Helm `cluster.id`) in range.
MESH001 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	cilium.known(c, {"cluster-id"}) # set per cluster when applied: nothing to compare
	id := cilium.settings[c].cluster_id
	twins := sort([sprintf("%q", [cilium.settings[o].cluster_name]) |
		some o in cilium.meshmates[c]
		cilium.known(o, {"cluster-id"})
		cilium.settings[o].cluster_id == id
	])
	count(twins) > 0
	at := cilium.at(c, "cluster-id")
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf("cluster %q uses cluster-id %d, as does %s: security identities and endpoints of the two clusters collide in the mesh.", [cilium.settings[c].cluster_name, id, concat(", ", twins)]),
		"remediation": sprintf("Give cluster %q a cluster-id no other member uses (1-%d).", [cilium.settings[c].cluster_name, max_id(cilium.settings[c])]),
	})
}

MESH001 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	cilium.known(c, {"cluster-id"})
	s := cilium.settings[c]
	not in_range(s)
	at := cilium.at(c, "cluster-id")
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf("cluster %q is a ClusterMesh member with cluster-id %d, outside 1-%d (max-connected-clusters %d): Cilium refuses it.", [s.cluster_name, s.cluster_id, max_id(s), s.max_connected_clusters]),
		"remediation": sprintf("Set cluster-id (Helm `cluster.id`) to a unique value from 1 to %d.", [max_id(s)]),
	})
}

# pkg/clustermesh/types/option.go ValidateBuggyClusterID (and the chart's validate.yaml):
# with ENI IPAM or AWS VPC CNI chaining, ids with bit 7 set (128-255, 384-511) make
# policy-matched traffic drop (cilium/cilium#21330), so the agent refuses to start.
MESH001 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	cilium.known(c, {"cluster-id"})
	s := cilium.settings[c]
	in_range(s)
	bits.and(s.cluster_id, 128) != 0
	s.aws_datapath
	not s.allow_unsafe_policy_skb_usage
	at := cilium.at(c, "cluster-id")
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf("cluster %q uses cluster-id %d with %s: Cilium refuses ids 128-255 and 384-511 there, because policy-matched traffic would be dropped (cilium/cilium#21330), so the agent does not start.", [s.cluster_name, s.cluster_id, aws_datapath_text(s)]),
		"remediation": sprintf("Give cluster %q a unique cluster-id from 1 to 127%s.", [s.cluster_name, high_ids_text(s)]),
	})
}

aws_datapath_text(s) := "ENI IPAM" if s.ipam == "eni"

else := "AWS VPC CNI chaining"

high_ids_text(s) := " (or 256-383 with max-connected-clusters 511)" if s.max_connected_clusters == 511

else := ""

in_range(s) if {
	s.cluster_id >= 1
	s.cluster_id <= max_id(s)
}

max_id(s) := 511 if s.max_connected_clusters == 511

max_id(s) := 255 if s.max_connected_clusters != 511

# METADATA
# title: ClusterMesh cluster-name duplicated
# description: |
#   Mesh members are told apart by `cluster-name` (Helm `cluster.name`); two members with the
#   same name cannot both connect. Cilium also refuses the name "default" with a non-zero
#   cluster-id.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mesh002
# custom:
#   id: MESH002
#   severity: error
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Give every member a distinct `cluster-name` (Helm `cluster.name`) other than "default".
MESH002 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	cilium.known(c, {"cluster-name"})
	name := cilium.settings[c].cluster_name
	some o in cilium.meshmates[c]
	cilium.known(o, {"cluster-name"})
	cilium.settings[o].cluster_name == name
	at := cilium.at(c, "cluster-name")
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf("two ClusterMesh members are both named %q: the mesh cannot tell them apart and only one connects.", [name]),
		"remediation": "Set a unique `cluster-name` (Helm `cluster.name`) on each member.",
	})
}

MESH002 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	cilium.known(c, {"cluster-name"})
	s := cilium.settings[c]
	s.cluster_name == "default"
	s.cluster_id != 0
	at := cilium.at(c, "cluster-name")
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf("a ClusterMesh member (cluster-id %d) is named \"default\": Cilium refuses the default name with a non-zero cluster-id.", [s.cluster_id]),
		"remediation": "Set `cluster-name` (Helm `cluster.name`) to a unique name for this cluster.",
	})
}

# METADATA
# title: ClusterMesh members disagree on tunnel protocol or port
# description: |
#   Members in tunnel mode must encapsulate alike: a VXLAN node cannot decapsulate Geneve, and
#   packets to a port the other side does not listen on are dropped.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mesh003
# custom:
#   id: MESH003
#   severity: error
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Use the same `tunnel-protocol` and `tunnel-port` (Helm `tunnelProtocol`, `tunnelPort`) on every member.
MESH003 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	cilium.known(c, tunnel_keys)
	s := cilium.settings[c]
	s.routing_mode == "tunnel"
	others := sort([sprintf("%q (%s/%d)", [t.cluster_name, t.tunnel_protocol, t.tunnel_port]) |
		some o in cilium.meshmates[c]
		cilium.known(o, tunnel_keys)
		t := cilium.settings[o]
		t.routing_mode == "tunnel"
		[t.tunnel_protocol, t.tunnel_port] != [s.tunnel_protocol, s.tunnel_port]
	])
	count(others) > 0
	at := tunnel_at(c, s)
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf("cluster %q tunnels with %s on UDP port %d, but mesh member(s) %s differ: pod traffic between them is dropped.", [s.cluster_name, s.tunnel_protocol, s.tunnel_port, concat(", ", others)]),
		"remediation": "Set the same `tunnel-protocol` and `tunnel-port` (Helm `tunnelProtocol`, `tunnelPort`) on every member.",
	})
}

# tunnel_keys decide how a member tunnels.
tunnel_keys := {"routing-mode", "tunnel-protocol", "tunnel", "tunnel-port", "underlay-protocol", "helm:eni.enabled", "helm:gke.enabled", "ipam"}

tunnel_at(c, _) := cilium.at(c, "tunnel-protocol") if cilium.merged[c]["tunnel-protocol"]

tunnel_at(c, _) := cilium.at(c, "tunnel-port") if {
	not cilium.merged[c]["tunnel-protocol"]
	cilium.merged[c]["tunnel-port"]
}

tunnel_at(c, _) := cilium.at(c, "routing-mode") if {
	not cilium.merged[c]["tunnel-protocol"]
	not cilium.merged[c]["tunnel-port"]
}

# METADATA
# title: ClusterMesh members' pod CIDRs overlap
# description: |
#   ClusterMesh routes pod traffic by destination IP, so members' pod CIDRs must not overlap;
#   the chart's default cluster pool (10.0.0.0/8) makes every default install collide.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mesh004
# custom:
#   id: MESH004
#   severity: error
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Give each member its own pod CIDR (`cluster-pool-ipv4-cidr`, Helm `ipam.operator.clusterPoolIPv4PodCIDRList`).
MESH004 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c in cilium.members
	cilium.known(c, cidr_keys)
	s := cilium.settings[c]
	clashes := sort([sprintf("%s of %q", [b, t.cluster_name]) |
		some o in cilium.meshmates[c]
		cilium.known(o, cidr_keys)
		t := cilium.settings[o]
		some a in s.pod_cidrs
		some b in t.pod_cidrs
		net.cidr_intersects(a, b)
	])
	count(clashes) > 0
	at := cidr_at(c)
	objects.focused(at.object)
	f := finding.new(at, {
		"message": sprintf("cluster %q allocates pod IPs from %s, which overlaps %s: ClusterMesh cannot route between overlapping pod CIDRs.", [s.cluster_name, concat(" ", s.pod_cidrs), concat(", ", clashes)]),
		"remediation": "Give each member a distinct pod CIDR (`cluster-pool-ipv4-cidr`, Helm `ipam.operator.clusterPoolIPv4PodCIDRList`); existing clusters need their pods re-addressed.",
	})
}

# cidr_keys decide a member's pod CIDRs.
cidr_keys := {"cluster-pool-ipv4-cidr", "cluster-pool-ipv6-cidr", "ipam", "enable-ipv4", "enable-ipv6"}

cidr_at(c) := cilium.at(c, "cluster-pool-ipv4-cidr") if cilium.merged[c]["cluster-pool-ipv4-cidr"]

cidr_at(c) := cilium.at(c, "cluster-pool-ipv6-cidr") if {
	not cilium.merged[c]["cluster-pool-ipv4-cidr"]
	cilium.merged[c]["cluster-pool-ipv6-cidr"]
}

cidr_at(c) := cilium.anchor[c] if {
	not cilium.merged[c]["cluster-pool-ipv4-cidr"]
	not cilium.merged[c]["cluster-pool-ipv6-cidr"]
}
