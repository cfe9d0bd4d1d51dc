# MTU rules on CiliumNodeConfig: per-node overrides of the cluster's Cilium settings.
package mtuguard.rules.mtu

import data.mtuguard.lib.cilium
import data.mtuguard.lib.finding
import data.mtuguard.lib.mesh
import data.mtuguard.lib.nodes
import data.mtuguard.lib.objects

# The overrides that change the tunnel's byte budget.
mtu_keys := ["mtu", "routing-mode", "tunnel", "tunnel-protocol", "underlay-protocol", "enable-wireguard", "enable-ipsec"]

# METADATA
# title: CiliumNodeConfig re-opens the tunnel MTU problem for its nodes
# description: |
#   A CiliumNodeConfig overrides `mtu`, `routing-mode`, `tunnel-protocol`, encryption or
#   the underlay for the nodes it selects, and with the override those nodes, members of a
#   ClusterMesh, send tunnel packets larger than the mesh path MTU (MTU001 for a subset of
#   nodes, invisible in the cluster-wide config).
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
	overrides := {k: {"value": v, "path": ["spec", "defaults", k], "object": o.id} | some k, v in o.object.spec.defaults}
	keys := [k | some k in mtu_keys; overrides[k]]
	count(keys) > 0
	v := cilium.settings_of({"m": object.union(object.get(cilium.merged, c, {}), overrides), "f": cilium.form[c]})
	v.routing_mode == "tunnel"
	selector := object.get(o.object.spec, "nodeSelector", {})
	base := override_base(v, c, selector)
	base > mesh.path_mtu
	base > cluster_bytes(c, selector) # the override, not the cluster's own config, opens it
	f := finding.new({"object": o.id, "path": ["spec", "defaults", keys[0]]}, {
		"message": sprintf(
			"CiliumNodeConfig %q overrides %s for the nodes it selects (%s): with it, those ClusterMesh nodes send tunnel packets of %d bytes (pods %d = %d - %s), but %s carries at most %d.",
			[object.get(o.object, ["metadata", "name"], ""), concat(", ", keys), selector_text(o.object.spec), base, mesh.budget_pod_mtu(base, v), base, mesh.overhead_text(v), mesh.path_text, mesh.path_mtu],
		),
		"remediation": sprintf("Set `mtu: \"%d\"` in this CiliumNodeConfig's spec.defaults (or remove the override).", [mesh.path_mtu]),
	})
}

# override_base: the MTU the selected nodes size tunnel packets to; without mtu, their
# own interface MTU (the pools the selector picks, else the largest in the cluster).
override_base(v, _, _) := v.mtu if v.mtu > 0

override_base(v, c, selector) := nodes.selected_mtu(c, selector) if v.mtu == 0

# cluster_bytes: the tunnel packet size those nodes would have without the override, or
# 0 in native routing. When the cluster's own config is already too large for the
# path, MTU001 reports it there; MTU003 reports overrides that make it so, or worse.
cluster_bytes(c, selector) := override_base(s, c, selector) if {
	s := cilium.settings[c]
	s.routing_mode == "tunnel"
} else := 0

selector_text(spec) := json.marshal(spec.nodeSelector) if spec.nodeSelector

selector_text(spec) := "all nodes" if not spec.nodeSelector
