# How the Cilium agent combines its config sources (checked against Cilium v1.18.0, v1.19.0
# and v1.20.2): the `config` init container (`cilium-dbg build-config`,
# cilium-dbg/cmd/build-config.go) reads the sources in order, by default the
# `cilium-config` ConfigMap then every CiliumNodeConfig in the namespace Cilium runs in
# (CILIUM_K8S_NAMESPACE), and pkg/option/resolver/resolver.go merges them, a later source
# winning per key:
#   - CiliumNodeConfigs of one source apply to a node when their nodeSelector matches its
#     labels (a nil selector: no node; {}: every node) and their defaults are not empty;
#     among them, lexicographic name order decides, later names winning per key. A
#     source naming one CiliumNodeConfig (`cilium-node-config:NS/NAME`) applies it to every
#     node, whatever its selector;
#   - keys of every source but the first are dropped unless allowed
#     (`--allow-config-keys`), or when denied (`--deny-config-keys`, ignored when an allow
#     list is given).
# The chart renders those flags from daemon.configSources, daemon.allowedConfigOverrides and
# daemon.blockedConfigOverrides (templates/cilium-agent/daemonset.yaml), each a
# comma-separated string, so they are known only from Helm values; with a ConfigMap the
# defaults are assumed.
package mtuguard.lib.nodeconfig

import data.mtuguard.lib.cilium
import data.mtuguard.lib.nodes
import data.mtuguard.lib.objects

cncs := objects.kind("CiliumNodeConfig")

# The overrides that change the tunnel's byte budget.
mtu_keys := ["mtu", "routing-mode", "tunnel", "tunnel-protocol", "underlay-protocol", "enable-wireguard", "enable-ipsec"]

# --- the agent's namespace and sources --------------------------------------------------

# namespace[cluster] is the namespace Cilium runs in, "" when the configs do not say: the
# chart's namespaceOverride, else the release's namespace (a Flux HelmRelease's
# targetNamespace or its own, an Argo CD Application's destination), else the
# cilium-config ConfigMap's.
namespace := {c: namespace_of(c) | some c in {o.cluster | some o in cncs}}

namespace_of(c) := v if {
	v := cilium.merged[c]["helm:namespaceOverride"].value
	is_string(v)
	v != ""
} else := nss[count(nss) - 1] if {
	nss := [ns | some id in object.get(cilium.layers, c, []); ns := layer_namespace(objects.by_id(id).object); ns != ""]
	count(nss) > 0
} else := ""

layer_namespace(obj) := object.get(obj, ["spec", "targetNamespace"], object.get(obj, ["metadata", "namespace"], "")) if {
	obj.kind == "HelmRelease"
} else := object.get(obj, ["spec", "destination", "namespace"], "") if {
	obj.kind == "Application"
} else := object.get(obj, ["metadata", "namespace"], "") if {
	obj.kind == "ConfigMap"
} else := ""

# helm_setting(c, key) is a daemon.* Helm value as written ("" when unset or null).
helm_setting(c, key) := v if {
	v := cilium.merged[c][key].value
	is_string(v)
} else := ""

# sources[cluster] are the agent's config sources in order: {"kind", "namespace", "name"},
# "" standing for Cilium's own namespace and, for CiliumNodeConfigs, for all of them.
sources := {c: sources_of(helm_setting(c, "helm:daemon.configSources")) | some c, _ in namespace}

default_sources := [
	{"kind": "config-map", "namespace": "", "name": "cilium-config"},
	{"kind": "cilium-node-config", "namespace": "", "name": ""},
]

sources_of("") := default_sources

sources_of(s) := [source_of(p) | some part in split(s, ","); p := trim_space(part); p != ""] if s != ""

# source_of parses one `--source` entry as build-config does: KIND[:NS[/NAME]], where a
# lone word is a ConfigMap's name or CiliumNodeConfigs' namespace.
source_of(p) := {"kind": kind, "namespace": ns, "name": name} if {
	[kind, spec] := kind_spec(p)
	[ns, name] := ns_name(kind, spec)
}

kind_spec(p) := [p, ""] if not contains(p, ":")

kind_spec(p) := split(p, ":") if count(split(p, ":")) == 2

kind_spec(p) := [k, concat(":", rest)] if {
	parts := split(p, ":")
	count(parts) > 2
	k := parts[0]
	rest := array.slice(parts, 1, count(parts))
}

ns_name("config-map", "") := ["", "cilium-config"]

ns_name(kind, "") := ["", ""] if kind != "config-map"

ns_name("config-map", spec) := ["", spec] if {
	spec != ""
	not contains(spec, "/")
}

ns_name(kind, spec) := [spec, ""] if {
	kind != "config-map"
	spec != ""
	not contains(spec, "/")
}

ns_name(_, spec) := [ns, name] if {
	contains(spec, "/")
	[ns, name] := split_first(spec, "/")
}

split_first(s, sep) := [substring(s, 0, i), substring(s, i + 1, -1)] if i := indexof(s, sep)

known_source_kinds := {"config-map", "cilium-node-config", "node"}

# config_map_index[cluster] is the position of the cilium-config ConfigMap among the sources.
config_map_index := {c: i | some c, list in sources; i := first_config_map(list)}

first_config_map(list) := min({i | some i, s in list; s.kind == "config-map"}) if {
	some s in list
	s.kind == "config-map"
} else := -1

# allowed[cluster] / blocked[cluster]: the keys sources after the first may (not) set;
# allowed wins when both are given (resolver.go).
allowed := {c: keys | some c, _ in sources; keys := key_list(helm_setting(c, "helm:daemon.allowedConfigOverrides")); count(keys) > 0}

blocked := {c: keys | some c, _ in sources; not allowed[c]; keys := key_list(helm_setting(c, "helm:daemon.blockedConfigOverrides")); count(keys) > 0}

key_list(s) := {k | some part in split(s, ","); k := trim_space(part); k != ""}

default filtered(_, _, _) := false

# filtered(c, i, key): the agent drops key when source i sets it.
filtered(c, i, key) if {
	i > 0
	allowed[c]
	not key in allowed[c]
}

filtered(c, i, key) if {
	i > 0
	key in blocked[c]
}

# The chart renders these keys into cilium-config whatever the values say
# (templates/cilium-configmap.yaml), so a ConfigMap read after a CiliumNodeConfig source
# always overrides them.
chart_rendered := {"routing-mode", "tunnel-protocol", "enable-ipv4", "enable-ipv6"}

default held(_, _, _) := false

# held(c, i, key): the ConfigMap, read after source i, sets key again.
held(c, i, key) if {
	i < config_map_index[c]
	cilium.merged[c][key]
}

held(c, i, key) if {
	i < config_map_index[c]
	cilium.form[c] == "helm"
	key in chart_rendered
}

# --- which CiliumNodeConfigs apply, in which order --------------------------------------

# reads(c, source, o): source reads CiliumNodeConfig o. A namespace mtuguard cannot tell
# (a values file without namespaceOverride, a manifest without one) matches any.
reads(c, s, o) if {
	s.kind == "cilium-node-config"
	same_namespace(source_namespace(c, s), object.get(o.object, ["metadata", "namespace"], ""))
	s.name in {"", object.get(o.object, ["metadata", "name"], "")}
}

source_namespace(_, s) := s.namespace if s.namespace != ""

source_namespace(c, s) := namespace[c] if s.namespace == ""

same_namespace(a, b) if a == b

same_namespace("", _)

same_namespace(_, "")

# layers_of(o) are the layers CiliumNodeConfig o adds to its cluster's configuration, one a
# source reading it: {"rank": [source, name], "every": it applies to every node,
# "id", "selector", "entries": the keys that survive, as cilium.merged holds them}.
layers_of(o) := [layer |
	count(object.get(o.object.spec, "defaults", {})) > 0
	some i, s in sources[o.cluster]
	reads(o.cluster, s, o)
	applies_somewhere(s, o)
	layer := {
		"rank": [i, object.get(o.object, ["metadata", "name"], "")],
		"every": every_node(s, o),
		"id": o.id,
		"selector": object.get(o.object.spec, "nodeSelector", null),
		"entries": {k: {"value": v, "path": ["spec", "defaults", k], "object": o.id} |
			some k, v in o.object.spec.defaults
			not filtered(o.cluster, i, k)
			not held(o.cluster, i, k)
		},
	}
]

# Listed, a CiliumNodeConfig applies where its selector matches (none without one); named
# by its source, everywhere.
applies_somewhere(s, _) if s.name != ""

applies_somewhere(s, o) if {
	s.name == ""
	is_object(o.object.spec.nodeSelector)
}

every_node(s, o) if {
	s.name != ""
} else := objects.selects_all(object.get(o.object.spec, "nodeSelector", null))

# layers[cluster]: every layer of the cluster's CiliumNodeConfigs, lowest precedence first.
layers := {c: [l | some k in sort([[l.rank, l.id, i] | some i, l in all]); l := all[k[2]]] |
	some c, _ in sources
	all := [l | some o in cncs; o.cluster == c; some l in layers_of(o)]
}

# group_layers(o): the layers in force on all the nodes CiliumNodeConfig o selects: those
# applying to every node, and those with o's own selector. Others may cover some of them;
# they are judged as their own groups.
group_layers(o) := [l |
	some l in object.get(layers, o.cluster, [])
	in_group(l, o)
]

in_group(l, _) if l.every

in_group(l, o) if {
	not l.every
	l.selector == object.get(o.object.spec, "nodeSelector", null)
}

# entries(c, ls) are the cluster's settings with layers ls applied in order.
entries(c, ls) := object.union_n(array.concat([object.get(cilium.merged, c, {})], [l.entries | some l in ls]))

view(c, ls) := {"m": entries(c, ls), "f": cilium.form[c]}

# group_entries(o) are the settings of the nodes o selects; group_settings(o) read them.
group_entries(o) := entries(o.cluster, group_layers(o))

group_settings(o) := cilium.settings_of(view(o.cluster, group_layers(o)))

# baseline_settings(o): those nodes' settings without o.
baseline_settings(o) := cilium.settings_of(view(o.cluster, [l | some l in group_layers(o); l.id != o.id]))

# every_layers[cluster] are the layers applying to every node.
every_layers := {c: ls | some c, all in layers; ls := [l | some l in all; l.every]; count(ls) > 0}

# everywhere[cluster] is what every node of the cluster runs with: the cluster's settings
# with the CiliumNodeConfigs that apply to every node. Rules about the cluster as a whole
# (its MTU, its pods' MTU) read these.
everywhere := {c: everywhere_of(c, s) | some c, s in cilium.settings}

everywhere_of(c, _) := object.union(cilium.settings_of(view(c, every_layers[c])), {"cluster": c}) if every_layers[c]

everywhere_of(c, s) := s if not every_layers[c]

# mtu_from[cluster] names the CiliumNodeConfig whose `mtu` every node runs with.
mtu_from := {c: name |
	some c, ls in every_layers
	e := entries(c, ls).mtu
	some o in cncs
	o.id == e.object
	name := object.get(o.object, ["metadata", "name"], "")
}

# base(v, c, selector): the MTU nodes with settings v size tunnel packets to; without
# mtu, their own interface MTU (the pools the selector picks, else the largest in the
# cluster).
base(v, _, _) := v.mtu if v.mtu > 0

base(v, c, selector) := nodes.selected_mtu(c, selector) if v.mtu == 0

# name(o) is a CiliumNodeConfig's name, for messages.
name(o) := object.get(o.object, ["metadata", "name"], "")

# read_namespaces(c) are the namespaces whose CiliumNodeConfigs the agent lists ("" when
# Cilium's own is unknown).
read_namespaces(c) := {source_namespace(c, s) | some s in sources[c]; s.kind == "cilium-node-config"}

default reads_any_namespace(_) := false

reads_any_namespace(c) if {
	some s in sources[c]
	s.kind == "cilium-node-config"
}

# selector_text describes a nodeSelector for messages; an empty one selects every node
# (cnc_types.go; the CRD requires one).
selector_text(spec) := "every node" if {
	objects.selects_all(spec.nodeSelector)
} else := json.marshal(spec.nodeSelector)

# --- problems: overrides that make the agent on their nodes refuse to start -------------

problems contains {"object": o.id, "path": ["spec", "defaults", keys[0]], "message": msg} if {
	some o in objects.focus
	o.kind == "CiliumNodeConfig"
	cilium.settings[o.cluster]
	m := group_entries(o)
	keys := [k | some k in ["underlay-protocol", "enable-ipv6", "enable-ipv4"]; m[k].object == o.id]
	count(keys) > 0
	[family, _] := cilium.refused_underlay(group_settings(o))
	not cilium.refused_underlay(baseline_settings(o)) # reported where it comes from
	msg := sprintf(
		"CiliumNodeConfig %q sets %s: with it, the nodes it selects (%s) run underlay-protocol %q while %s is disabled, and the Cilium agent (1.20 and later) on them refuses to start (\"underlay protocol set to %s, but %s is disabled\"). Enable %s or pick the other underlay in this CiliumNodeConfig.",
		[name(o), concat(", ", keys), selector_text(o.object.spec), group_settings(o).underlay, family, family, family, family],
	)
}
