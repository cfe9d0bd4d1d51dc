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
#   undoes, or one the agent ignores (MTU008), re-opens nothing.
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
	cilium.mtu_known(c)
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

# METADATA
# title: CiliumNodeConfig overrides the agent ignores
# description: |
#   The Cilium agent reads CiliumNodeConfigs only from the sources its config init container
#   lists (Helm `daemon.configSources`; by default every CiliumNodeConfig in the namespace
#   Cilium runs in, normally kube-system), drops keys that `daemon.allowedConfigOverrides`
#   does not list or `daemon.blockedConfigOverrides` lists, and applies the ones matching a
#   node in name order, later names winning per key. A CiliumNodeConfig in another
#   namespace, or a key it sets that is dropped or that a later-named CiliumNodeConfig
#   selecting the same nodes sets otherwise, never reaches the nodes, silently: a clamp
#   written there does not clamp. Fires only when the cluster's Cilium config is in scope.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu008
# custom:
#   id: MTU008
#   severity: warning
#   applies_to: CiliumNodeConfig
#   kinds: [CiliumNodeConfig]
#   remediation: |
#     Create the CiliumNodeConfig in the namespace Cilium runs in, allow its keys in
#     `daemon.allowedConfigOverrides` (or unblock them), and name CiliumNodeConfigs so the
#     one that should win sorts last.
MTU008 contains f if {
	some o in overriding
	count(nodeconfig.layers_of(o)) == 0
	f := finding.new({"object": o.id, "path": unread_path(o)}, unread_text(o))
}

MTU008 contains f if {
	some o in overriding
	ls := nodeconfig.layers_of(o)
	count(ls) > 0
	dropped := sort([k |
		some k, _ in o.object.spec.defaults
		every l in ls {
			nodeconfig.filtered(o.cluster, l.rank[0], k)
		}
	])
	count(dropped) > 0
	f := finding.new({"object": o.id, "path": ["spec", "defaults", dropped[0]]}, filtered_text(o, dropped))
}

MTU008 contains f if {
	some o in overriding
	ls := nodeconfig.layers_of(o)
	count(ls) > 0
	dropped := sort([k |
		some k, _ in o.object.spec.defaults
		every l in ls {
			not nodeconfig.filtered(o.cluster, l.rank[0], k)
			nodeconfig.held(o.cluster, l.rank[0], k)
		}
	])
	count(dropped) > 0
	f := finding.new({"object": o.id, "path": ["spec", "defaults", dropped[0]]}, {
		"message": sprintf(
			"CiliumNodeConfig %q sets %s, but daemon.configSources %q reads the cilium-config ConfigMap after it and the ConfigMap sets them too: the agent never applies these overrides.",
			[nodeconfig.name(o), concat(", ", dropped), nodeconfig.helm_setting(o.cluster, "helm:daemon.configSources")],
		),
		"remediation": "List `cilium-node-config` after `config-map:cilium-config` in daemon.configSources (the default order), or set these keys in the Cilium config itself.",
	})
}

MTU008 contains f if {
	some o in overriding
	m := nodeconfig.group_entries(o)
	some l in nodeconfig.layers_of(o)
	some k, e in l.entries
	m[k].object != o.id
	m[k].value != e.value
	winner := objects.by_id(m[k].object)
	winner.kind == "CiliumNodeConfig"
	f := finding.new({"object": o.id, "path": ["spec", "defaults", k]}, {
		"message": sprintf(
			"CiliumNodeConfig %q sets %s: %q, but CiliumNodeConfig %q (%s), later in name order, sets %q on every node this one selects: the agent applies CiliumNodeConfigs in name order, later names winning per key, so this value never applies.",
			[nodeconfig.name(o), k, e.value, nodeconfig.name(winner), nodeconfig.selector_text(winner.object.spec), m[k].value],
		),
		"remediation": sprintf("Remove %s from one of them, or rename them so the one that should win sorts last.", [k]),
	})
}

# overriding are the focused CiliumNodeConfigs with overrides, of clusters whose Cilium
# config is in scope (without it, where the agent looks is unknown).
overriding := [o |
	some o in objects.focus
	o.kind == "CiliumNodeConfig"
	count(object.get(o.object.spec, "defaults", {})) > 0
	is_object(o.object.spec.nodeSelector) # the CRD requires one
	cilium.settings[o.cluster]
]

unread_path(o) := ["metadata", "namespace"] if {
	nodeconfig.reads_any_namespace(o.cluster)
	o.object.metadata.namespace
} else := ["spec", "defaults"]

# unread_text says why no source reads o: none reads CiliumNodeConfigs at all, or none
# from o's namespace, or none by o's name.
unread_text(o) := {
	"message": sprintf(
		"cluster %q's Cilium reads no CiliumNodeConfig (daemon.configSources is %q): the agent ignores CiliumNodeConfig %q and its overrides (%s) reach no node.",
		[cilium.settings[o.cluster].cluster_name, nodeconfig.helm_setting(o.cluster, "helm:daemon.configSources"), nodeconfig.name(o), concat(", ", sort(object.keys(o.object.spec.defaults)))],
	),
	"remediation": "Add `cilium-node-config` to daemon.configSources (the default is \"config-map:cilium-config,cilium-node-config\"), or set these keys in the Cilium config itself.",
} if {
	not nodeconfig.reads_any_namespace(o.cluster)
} else := {
	"message": sprintf(
		"CiliumNodeConfig %q is in namespace %q, but cluster %q's Cilium runs in %q and reads CiliumNodeConfigs only from %s: the agent ignores this one, and its overrides (%s) reach no node.",
		[nodeconfig.name(o), o.object.metadata.namespace, cilium.settings[o.cluster].cluster_name, nodeconfig.namespace[o.cluster], concat(", ", [sprintf("%q", [n]) | some n in nodeconfig.read_namespaces(o.cluster)]), concat(", ", sort(object.keys(o.object.spec.defaults)))],
	),
	"remediation": sprintf("Create it in namespace %q, where Cilium runs (or list `cilium-node-config:%s` in daemon.configSources).", [nodeconfig.namespace[o.cluster], o.object.metadata.namespace]),
} if {
	o.object.metadata.namespace
	not o.object.metadata.namespace in nodeconfig.read_namespaces(o.cluster)
} else := {
	"message": sprintf(
		"daemon.configSources %q reads CiliumNodeConfigs of namespace %q by name only, and not %q: the agent ignores it, and its overrides (%s) reach no node.",
		[nodeconfig.helm_setting(o.cluster, "helm:daemon.configSources"), object.get(o.object.metadata, "namespace", ""), nodeconfig.name(o), concat(", ", sort(object.keys(o.object.spec.defaults)))],
	),
	"remediation": sprintf("List `cilium-node-config:%s/%s` in daemon.configSources, or the namespace alone to read all of its CiliumNodeConfigs.", [object.get(o.object.metadata, "namespace", ""), nodeconfig.name(o)]),
}

filtered_text(o, dropped) := {
	"message": sprintf(
		"daemon.allowedConfigOverrides %q lets config sources after the first set only those keys: the agent ignores %s of CiliumNodeConfig %q.",
		[nodeconfig.helm_setting(o.cluster, "helm:daemon.allowedConfigOverrides"), concat(", ", dropped), nodeconfig.name(o)],
	),
	"remediation": sprintf("Add %s to daemon.allowedConfigOverrides, or set them in the Cilium config itself.", [concat(", ", dropped)]),
} if {
	nodeconfig.allowed[o.cluster]
} else := {
	"message": sprintf(
		"daemon.blockedConfigOverrides %q keeps config sources after the first from setting those keys: the agent ignores %s of CiliumNodeConfig %q.",
		[nodeconfig.helm_setting(o.cluster, "helm:daemon.blockedConfigOverrides"), concat(", ", dropped), nodeconfig.name(o)],
	),
	"remediation": sprintf("Remove %s from daemon.blockedConfigOverrides, or set them in the Cilium config itself.", [concat(", ", dropped)]),
}
