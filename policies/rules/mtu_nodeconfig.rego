# MTU rules on CiliumNodeConfig: per-node overrides of the cluster's Cilium settings.
package mtuguard.rules.mtu

import data.mtuguard.lib.cilium
import data.mtuguard.lib.finding
import data.mtuguard.lib.mesh
import data.mtuguard.lib.nodeconfig
import data.mtuguard.lib.objects

# METADATA
# title: CiliumNodeConfig re-opens the tunnel MTU problem for its nodes
# description: |
#   A CiliumNodeConfig overrides `mtu`, `routing-mode`, `tunnel-protocol`, encryption or
#   the underlay for the nodes it selects, and with the override those nodes, members of a
#   ClusterMesh, send tunnel packets larger than the mesh path MTU (MTU001 for a subset of
#   nodes, invisible in the cluster-wide config). The nodes' settings are the agent's: the
#   cluster's config, then the CiliumNodeConfigs it reads that select every node or the
#   same nodes, in name order, later names winning per key; an override a later name
#   undoes, or one the agent ignores, re-opens nothing.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu003
# custom:
#   id: MTU003
#   severity: error
#   applies_to: CiliumNodeConfig
#   kinds: [CiliumNodeConfig]
#   remediation: |
#     Keep the override's `mtu` at or below the mesh path MTU (or set it to the path MTU).
MTU003 contains f if {
	some o in objects.focus
	o.kind == "CiliumNodeConfig"
	c := o.cluster
	cilium.settings[c].clustermesh
	mesh.path_known
	m := nodeconfig.group_entries(o)
	keys := [k | some k in nodeconfig.mtu_keys; m[k].object == o.id] # the overrides in force
	count(keys) > 0
	v := nodeconfig.group_settings(o)
	mesh.encapsulated(v)
	selector := object.get(o.object.spec, "nodeSelector", {})
	base := nodeconfig.base(v, c, selector)
	base > mesh.path_mtu
	base > baseline_bytes(o, selector) # the override, not the cluster's own config, opens it
	f := finding.new({"object": o.id, "path": ["spec", "defaults", keys[0]]}, {
		"message": sprintf(
			"CiliumNodeConfig %q overrides %s for the nodes it selects (%s)%s: with it, those ClusterMesh nodes send tunnel packets of %d bytes (pods %d = %d - %s), but %s carries at most %d.",
			[nodeconfig.name(o), concat(", ", keys), nodeconfig.selector_text(o.object.spec), others_text(o), base, mesh.budget_pod_mtu(base, v), base, mesh.overhead_text(v), mesh.path_text, mesh.path_mtu],
		),
		"remediation": sprintf("Set `mtu: \"%d\"` in this CiliumNodeConfig's spec.defaults (or remove the override).", [mesh.path_mtu]),
	})
}

# baseline_bytes: the tunnel packet size those nodes would have without the override (the
# cluster's config and the other CiliumNodeConfigs in force on them), or 0 when they do
# not encapsulate. When that is already too large for the path, MTU001 (or MTU003 on the
# other override) reports it; MTU003 reports overrides that make it so, or worse.
baseline_bytes(o, selector) := nodeconfig.base(s, o.cluster, selector) if {
	s := nodeconfig.baseline_settings(o)
	mesh.encapsulated(s)
} else := 0

# others_text names the other CiliumNodeConfigs the agent applies on those nodes, in its order.
others_text(o) := sprintf(", after %s in name order", [concat(", ", names)]) if {
	names := [sprintf("%q", [n]) | some l in nodeconfig.group_layers(o); l.id != o.id; n := l.rank[1]]
	count(names) > 0
} else := ""
