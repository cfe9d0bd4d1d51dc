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
	is_object(o.object.spec.nodeSelector) # without one it applies to no node (see below)
	c := o.cluster
	cilium.settings[c].clustermesh
	mesh.path_known
	keys := override_keys(o)
	count(keys) > 0
	v := override_settings(o)
	mesh.encapsulated(v)
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

# override_keys(o) are the keys of mtu_keys CiliumNodeConfig o overrides.
override_keys(o) := [k | some k in mtu_keys; k in object.keys(object.get(o.object.spec, "defaults", {}))]

# override_settings(o) are the settings of the nodes CiliumNodeConfig o selects.
override_settings(o) := cilium.settings_of({"m": object.union(object.get(cilium.merged, o.cluster, {}), overrides), "f": cilium.form[o.cluster]}) if {
	overrides := {k: {"value": v, "path": ["spec", "defaults", k], "object": o.id} | some k, v in o.object.spec.defaults}
}

# clamped_everywhere holds the clusters where CiliumNodeConfigs selecting every node (an
# empty nodeSelector; pkg/k8s/apis/cilium.io/v2/cnc_types.go) override the tunnel's byte
# budget, and with each of them tunnel packets fit the path: the cluster-wide values
# MTU001 reads are in force on no node.
clamped_everywhere contains c if {
	some o in all_node_overrides
	c := o.cluster
	count([p | some p in all_node_overrides; p.cluster == c; not fits_path(p)]) == 0
}

all_node_overrides := [o |
	some o in objects.kind("CiliumNodeConfig")
	objects.selects_all(o.object.spec.nodeSelector)
	count(override_keys(o)) > 0
]

default fits_path(_) := false

fits_path(o) if not mesh.encapsulated(override_settings(o))

fits_path(o) if {
	v := override_settings(o)
	mesh.encapsulated(v)
	override_base(v, o.cluster, o.object.spec.nodeSelector) <= mesh.path_mtu
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
	mesh.encapsulated(s)
} else := 0

# Without a nodeSelector a CiliumNodeConfig applies to no node (cnc_types.go; the CRD
# requires one), and an empty one selects every node.
selector_text(spec) := "every node" if {
	objects.selects_all(spec.nodeSelector)
} else := json.marshal(spec.nodeSelector)
