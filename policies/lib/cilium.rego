# One reading of Cilium's settings, whatever they were written in: the `cilium-config`
# ConfigMap, Cilium Helm values, or values embedded in a Flux HelmRelease / Argo CD
# Application. Go hands each such object over as kind "CiliumConfig" with
#   cilium: {"form": "configmap"|"helm", "at": <path of the settings in the object>, "values": {...}}
# and this package applies Cilium's own defaults:
#   - agent defaults: pkg/defaults/defaults.go (RoutingMode "tunnel", TunnelProtocol "vxlan",
#     UnderlayProtocol "auto", AllowICMPFragNeeded true, EnableIPv4/EnableIPv6 true,
#     MaxConnectedClusters 255), tunnel ports pkg/defaults (VXLAN 8472, Geneve 6081);
#   - chart defaults and rendering: install/kubernetes/cilium/templates/cilium-configmap.yaml
#     (routing-mode defaults to native only with eni.enabled or gke.enabled; encryption.type
#     defaults to ipsec; ipv6.enabled false; extraConfig entries land in the ConfigMap verbatim).
# Several CiliumConfig objects of one cluster are layers (e.g. values.yaml + values-prod.yaml):
# a key set in a later layer wins, as with `helm -f a -f b`.
package mtuguard.lib.cilium

import data.mtuguard.lib.objects

# Where Cilium's chart reads each setting (cilium-config key -> Helm values path).
helm_paths := {
	"routing-mode": ["routingMode"],
	"tunnel-protocol": ["tunnelProtocol"],
	"tunnel": ["tunnel"],
	"tunnel-port": ["tunnelPort"],
	"underlay-protocol": ["underlayProtocol"],
	"mtu": ["MTU"],
	"cluster-name": ["cluster", "name"],
	"cluster-id": ["cluster", "id"],
	"max-connected-clusters": ["clustermesh", "maxConnectedClusters"],
	"ipam": ["ipam", "mode"],
	"cluster-pool-ipv4-cidr": ["ipam", "operator", "clusterPoolIPv4PodCIDRList"],
	"cluster-pool-ipv6-cidr": ["ipam", "operator", "clusterPoolIPv6PodCIDRList"],
	"enable-ipv4": ["ipv4", "enabled"],
	"enable-ipv6": ["ipv6", "enabled"],
	"enable-host-firewall": ["hostFirewall", "enabled"],
	"enable-pmtu-discovery": ["pmtuDiscovery", "enabled"],
	"packetization-layer-pmtud-mode": ["pmtuDiscovery", "packetizationLayerPMTUDMode"],
	"enable-non-default-deny-policies": ["enableNonDefaultDenyPolicies"],
	"cni-chaining-mode": ["cni", "chainingMode"],
	"enable-route-mtu-for-cni-chaining": ["cni", "enableRouteMTUForCNIChaining"],
	"helm:cni.chainingTarget": ["cni", "chainingTarget"],
	# A CNI configuration the agent reads instead of writing its own; its cilium-cni entry's
	# `enable-route-mtu` turns the route MTU on in chaining too (pkg/mtu/endpoint_updater.go).
	"read-cni-conf": ["cni", "readCniConf"],
	"helm:cni.configMap": ["cni", "configMap"],
	# Cilium 1.16/1.17 render enable-ipv4-egress-gateway from it, 1.18 and later enable-egress-gateway.
	"enable-egress-gateway": ["egressGateway", "enabled"],
	# Charts up to 1.17 only (the feature is gone in 1.18).
	"enable-high-scale-ipcache": ["highScaleIPcache", "enabled"],
	# The devices Cilium takes its base MTU from (lib/nodes.rego).
	"devices": ["devices"],
	"force-device-detection": ["forceDeviceDetection"],
	# Helm-only inputs to the keys above.
	"helm:encryption.enabled": ["encryption", "enabled"],
	"helm:encryption.type": ["encryption", "type"],
	"helm:eni.enabled": ["eni", "enabled"],
	"helm:gke.enabled": ["gke", "enabled"],
	"helm:clustermesh.useAPIServer": ["clustermesh", "useAPIServer"],
	"helm:clustermesh.config.enabled": ["clustermesh", "config", "enabled"],
	"helm:clustermesh.config.clusters": ["clustermesh", "config", "clusters"],
	# Where the agent runs and which config sources it reads (lib/nodeconfig.rego).
	"helm:namespaceOverride": ["namespaceOverride"],
	"helm:daemon.configSources": ["daemon", "configSources"],
	"helm:daemon.allowedConfigOverrides": ["daemon", "allowedConfigOverrides"],
	"helm:daemon.blockedConfigOverrides": ["daemon", "blockedConfigOverrides"],
}

configs := objects.kind("CiliumConfig")

# raw[id][key] = {"value", "path", "object"}: each setting as written in one object.
# The rules below are complete documents (`:=` over a comprehension), not partial ones:
# OPA evaluates them once per query, where a keyed lookup into a partial rule would
# re-evaluate its body on every call.

# raw[id][key] = {"value", "path", "object"}: each setting as written in one object.
raw := {o.id: entries_of(o) | some o in configs}

entries_of(o) := {key: e | some key, e in written(o); not deferred(e.value)}

# written(o) is every setting o writes, deferred ones included.
written(o) := {key: {"value": v, "path": array.concat(o.cilium.at, [key]), "object": o.id} |
	some key, v in o.cilium.values
} if o.cilium.form == "configmap"

written(o) := object.union(
	{key: {"value": v, "path": array.concat(o.cilium.at, p), "object": o.id} |
		some key, p in helm_paths
		not has_extra_config(o, key)
		v := object.get(o.cilium.values, p, null)
		v != null
	},
	{key: {"value": v, "path": array.concat(o.cilium.at, ["extraConfig", key]), "object": o.id} |
		some key, v in object.get(o.cilium.values, "extraConfig", {})
	},
) if o.cilium.form == "helm"

# deferred(v): a value the file does not hold but gets when it is applied: a variable of a
# substitution (Flux post-build and clusterctl ${VAR}, ${VAR:=default}; Terraform
# ${var.x}; Fleet ${ .ClusterName } and global.fleet.clusterLabels.x), or what a Cluster API HelmChartProxy's template
# renders for a field the linted files do not set ("<no value>").
# The rules read such a setting as unknown (unknown below), never as its default.
deferred(v) if deferred_text(v)

deferred(v) if {
	is_array(v)
	some x in v
	deferred_text(x)
}

deferred_text(v) if {
	is_string(v)
	contains(v, "${") # cheaper than the match, which most values never need
	regex.match(`\$\{\s*[.A-Za-z_][^}]*\}`, v)
}

deferred_text(v) if {
	is_string(v)
	contains(v, "<no value>")
}

# Fleet replaces a value global.fleet.clusterLabels.<label> with the target cluster's label.
deferred_text(v) if {
	is_string(v)
	startswith(v, "global.fleet.clusterLabels.")
}

# deferred_keys[id] are the settings the rules read that object id writes as deferred
# values (a cilium-config's other keys may be deferred too: nothing reads them): those it
# writes that raw leaves out.
deferred_keys := {o.id: keys |
	some o in configs
	keys := {key | some key, _ in written(o); not raw[o.id][key]; key in read_keys}
	count(keys) > 0
}

# read_keys are the settings the rules read.
read_keys := ({k | some k, _ in helm_paths} | numeric_keys) | (boolean_keys | {k | some k, _ in enums})

# unknown[cluster] are the settings whose winning layer defers them: no higher layer
# writes them outright.
unknown := {c: keys |
	some c, ids in layers
	keys := {key |
		some i, id in ids
		some key in object.get(deferred_keys, id, set())
		not written_above(ids, i, key)
	}
	count(keys) > 0
}

written_above(ids, i, key) if {
	some j, id in ids
	j > i
	raw[id][key]
}

# unknown_of(c) are cluster c's unknown settings (a list once the webhook's derived
# settings went through JSON).
unknown_of(c) := {k | some k in object.get(settings[c], "unknown", [])}

# known(c, keys): none of keys is unknown in cluster c. The rules comparing members skip
# a member whose identity setting they compare is unknown.
known(c, keys) if count(keys & unknown_of(c)) == 0

# identity_keys tell mesh members apart without changing their packets' sizes.
identity_keys := {
	"cluster-name", "cluster-id", "max-connected-clusters", "cluster-pool-ipv4-cidr",
	"cluster-pool-ipv6-cidr", "helm:clustermesh.config.clusters",
}

# mtu_known(c): every setting the byte budget reads is known; the MTU rules pass other
# clusters by (lib/mesh.rego settings), since an unknown mtu or routing mode may close
# or open the black hole.
mtu_known(c) if {
	every k in unknown_of(c) {
		k in identity_keys
	}
}

has_extra_config(o, key) if o.cilium.values.extraConfig[key]

# layers[cluster] lists the CiliumConfig object ids of a cluster, lowest precedence first:
# by cilium.order (Flux valuesFrom before values; Argo values, valuesObject, parameters),
# then by object order (values.yaml before values-prod.yaml).
layers := {c: [k[1] | some k in sort(keys)] | some c, keys in layer_keys}

# layer_keys[cluster] holds [order, id] of each of its layers, in one pass over the configs.
layer_keys[o.cluster] contains [object.get(o.cilium, "order", 0), o.id] if some o in configs

# merged[cluster][key]: the entry of the highest layer that sets key.
merged := {c: merged_of(ids) | some c, ids in layers}

merged_of(ids) := {key: raw[ids[top]][key] |
	some key in {k | some id in ids; some k, _ in object.get(raw, id, {})}
	top := max({i | some i, id in ids; raw[id][key]})
}

# form[cluster] is "helm" when any layer is Helm values (defaults follow the chart).
form := {c: layer_form(ids) | some c, ids in layers}

layer_form(ids) := "helm" if {
	some id in ids
	objects.by_id(id).cilium.form == "helm"
} else := "configmap"

# anchor[cluster] is where to point when a setting is absent: the settings root of the first layer.
anchor := {c: {"object": ids[0], "path": objects.by_id(ids[0]).cilium.at} | some c, ids in layers}

# at(cluster, key) is where a finding about key points: the key itself, else the anchor.
at(c, key) := {"object": e.object, "path": e.path} if e := merged[c][key]

at(c, key) := anchor[c] if not merged[c][key]

# --- typed readers -------------------------------------------------------------------

# The readers take a view {"m": merged entries, "f": form, "t": texts}, so a cluster's
# settings and a CiliumNodeConfig's override of them are read alike. "t" holds each
# setting's normalised text, made once per view: re-deriving it in every reader call
# was the largest cost of an admission.
value(c, key) := c.m[key].value

text(c, key) := c.t[key]

set(c, key) if c.t[key] != ""

bool_of(c, key, default_value) if {
	c.t[key] == "true"
} else := false if {
	c.t[key] == "false"
} else := default_value

int_of(c, key, default_value) := n if {
	n := to_number(c.t[key])
	n == floor(n)
} else := default_value

list_of(c, key) := [x | some x in value(c, key)] if is_array(value(c, key))

list_of(c, key) := [x | some x in split(replace(value(c, key), ",", " "), " "); x != ""] if is_string(value(c, key))

# normalised is a setting's text as the agent parses it.
normalised(v) := lower(trim_space(v)) if is_string(v)

normalised(v) := lower(sprintf("%v", [v])) if not is_string(v)

# --- problems: values Cilium would refuse; reported as input errors -----------------

numeric_keys := {"mtu", "cluster-id", "tunnel-port", "max-connected-clusters"}

boolean_keys := {
	"enable-ipv4", "enable-ipv6", "enable-wireguard", "enable-ipsec", "allow-icmp-frag-needed",
	"enable-host-firewall", "enable-pmtu-discovery", "helm:encryption.enabled", "helm:eni.enabled",
	"helm:gke.enabled", "helm:clustermesh.useAPIServer", "helm:clustermesh.config.enabled",
	"enable-icmp-rules", "enable-non-default-deny-policies", "allow-unsafe-policy-skb-usage",
	"enable-egress-gateway", "enable-ipv4-egress-gateway", "enable-high-scale-ipcache",
	"force-device-detection", "enable-route-mtu-for-cni-chaining",
}

enums := {
	"routing-mode": {"tunnel", "native"},
	"tunnel-protocol": {"vxlan", "geneve"},
	"tunnel": {"vxlan", "geneve", "disabled"},
	"underlay-protocol": {"ipv4", "ipv6", "auto"},
}

# checked holds the settings of the focused Cilium configs, the ones problems are reported
# on. Admitting anything else never reads them.
checked[id] := entries if {
	"CiliumConfig" in objects.focused_kinds
	some id, entries in raw
	objects.focused(id)
}

problems contains {"object": e.object, "path": e.path, "message": msg} if {
	some id, entries in checked
	some key, e in entries
	key in numeric_keys
	s := lower(trim_space(sprintf("%v", [e.value])))
	s != ""
	not regex.match(`^[0-9]+$`, s)
	msg := sprintf("%s: %q is not a whole number >= 0", [display_key(id, key), e.value])
}

problems contains {"object": e.object, "path": e.path, "message": msg} if {
	some id, entries in checked
	some key, e in entries
	key in boolean_keys
	s := lower(trim_space(sprintf("%v", [e.value])))
	s != ""
	not s in {"true", "false"}
	msg := sprintf("%s: %q is not true or false", [display_key(id, key), e.value])
}

problems contains {"object": e.object, "path": e.path, "message": msg} if {
	some id, entries in checked
	some key, allowed in enums
	e := entries[key]
	s := lower(trim_space(sprintf("%v", [e.value])))
	s != ""
	not s in allowed
	msg := sprintf("%s: %q is not one of %s", [display_key(id, key), e.value, concat(", ", sort(allowed))])
}

problems contains {"object": e.object, "path": e.path, "message": msg} if {
	some id, entries in checked
	some key in {"cluster-pool-ipv4-cidr", "cluster-pool-ipv6-cidr"}
	e := entries[key]
	not is_string(e.value)
	not is_array(e.value)
	msg := sprintf("%s: want a CIDR list, got %v", [display_key(id, key), e.value])
}

# Cilium's chart types these values (values.schema.json): Helm refuses a quoted "8500" or
# "true" before rendering anything, and older charts without the schema read a quoted
# "false" as true.
helm_typed := {
	"mtu": "number", "tunnel-port": "number", "cluster-id": "number", "max-connected-clusters": "number",
	"enable-ipv4": "boolean", "enable-ipv6": "boolean", "enable-host-firewall": "boolean",
	"enable-pmtu-discovery": "boolean", "helm:encryption.enabled": "boolean", "helm:eni.enabled": "boolean",
	"helm:gke.enabled": "boolean", "helm:clustermesh.useAPIServer": "boolean", "helm:clustermesh.config.enabled": "boolean",
	"enable-egress-gateway": "boolean", "enable-high-scale-ipcache": "boolean", "force-device-detection": "boolean",
}

problems contains {"object": e.object, "path": e.path, "message": msg} if {
	some id, entries in checked
	objects.by_id(id).cilium.form == "helm"
	some key, want in helm_typed
	e := entries[key]
	not objects.by_id(id).cilium.values.extraConfig[key]
	is_string(e.value)
	readable(want, lower(trim_space(e.value))) # other strings are reported above
	msg := sprintf("%s: %q is a string; Cilium's chart wants a %s (values.schema.json): write %s without quotes", [display_key(id, key), e.value, want, e.value])
}

# The agent refuses to start when the underlay's family is disabled
# (pkg/datapath/tunnel/tunnel.go newConfig, since 1.20: "underlay protocol set to IPv6, but
# IPv6 is disabled"), in native routing too: the check runs before tunneling is considered.
problems contains {"object": e.object, "path": e.path, "message": msg} if {
	some id, entries in checked
	entries["underlay-protocol"] # only a focused config that names the underlay is read
	c := objects.by_id(id).cluster
	[family, key] := refused_underlay(settings[c])
	e := merged[c]["underlay-protocol"]
	e.object == id
	msg := sprintf(
		"%s: %q while %s is disabled (%s): the Cilium agent (1.20 and later) refuses to start (\"underlay protocol set to %s, but %s is disabled\"). Enable %s (%s) or set %s to %s.",
		[display_key(e.object, "underlay-protocol"), e.value, family, disabled_by(c, e.object, key), family, family, family, enable_snippet(e.object, key), display_key(e.object, "underlay-protocol"), other_underlay(family)],
	)
}

# refused_underlay(s) is the family and enabling key of an underlay the agent refuses.
refused_underlay(s) := ["IPv6", "enable-ipv6"] if {
	s.underlay == "ipv6"
	not s.ipv6
} else := ["IPv4", "enable-ipv4"] if {
	s.underlay == "ipv4"
	not s.ipv4
}

other_underlay("IPv6") := "ipv4 or auto (IPv4 when it is enabled)"

other_underlay("IPv4") := "ipv6 or auto (IPv6 when IPv4 is off)"

# disabled_by says which setting turns the family off: the key as written, else the
# chart's default (ipv6.enabled: false).
disabled_by(c, _, key) := sprintf("%s is %v", [display_key(merged[c][key].object, key), merged[c][key].value]) if {
	merged[c][key]
} else := sprintf("%s defaults to false in Cilium's chart", [concat(".", helm_paths[key])])

enable_snippet(id, key) := sprintf("`%s: true`", [concat(".", helm_paths[key])]) if {
	objects.by_id(id).cilium.form == "helm"
} else := sprintf("`%s: \"true\"`", [key])

readable("number", s) if regex.match(`^[0-9]+$`, s)

readable("boolean", s) if s in {"true", "false"}

display_key(id, key) := concat(".", helm_paths[key]) if {
	objects.by_id(id).cilium.form == "helm"
	not objects.by_id(id).cilium.values.extraConfig[key]
} else := key

# --- the effective settings of each cluster -------------------------------------------

# settings[cluster] is what the Cilium agent of that cluster runs with. An evaluation may
# bring them derived already from the same configs (input.mtuguard_derived, set only by
# policies.EvalPrepared: the webhook derives them once per version of its context).
settings := input.mtuguard_derived.cilium if input.mtuguard_derived

settings := derived_settings if not input.mtuguard_derived

derived_settings := {c: with_unknown(settings_of(view(c)), c) | some c, _ in layers}

# with_unknown adds a cluster's name and unknown settings to what settings_of read. A
# deferred cluster-id is one set per cluster when applied: a ClusterMesh member's; a
# deferred cluster-name is shown as written (${CLUSTER_NAME}).
with_unknown(s, c) := object.union(s, object.union(
	{"cluster": c, "unknown": object.get(unknown, c, set())},
	object.union(deferred_member(c), deferred_name(c)),
))

deferred_member(c) := {"clustermesh": true} if "cluster-id" in object.get(unknown, c, set())

else := {}

deferred_name(c) := {"cluster_name": deferred_value(c, "cluster-name")} if "cluster-name" in object.get(unknown, c, set())

else := {}

# deferred_value is the deferred text of the highest layer of c that writes key.
deferred_value(c, key) := written(objects.by_id(id))[key].value if {
	ids := layers[c]
	id := ids[max({i | some i, id in ids; key in object.get(deferred_keys, id, set())})]
}

view(c) := {"m": object.get(merged, c, {}), "f": form[c]}

# settings_of(view) reads a view's effective settings with Cilium's defaults applied.
settings_of(v) := s if {
	c := object.union(v, {"t": {k: normalised(e.value) | some k, e in v.m}})
	routing := routing_mode(c)
	protocol := tunnel_protocol(c)
	ipv4 := bool_of(c, "enable-ipv4", true)
	ipv6 := bool_of(c, "enable-ipv6", ipv6_default(c))
	s := {
		"routing_mode": routing,
		"tunnel_protocol": protocol,
		"tunnel_port": tunnel_port(c, protocol),
		"underlay": underlay(c, ipv4),
		"mtu": int_of(c, "mtu", 0),
		"encryption": encryption(c),
		# Features that make Cilium keep tunnel headroom in native routing (lib/budget.rego).
		"egress_gateway": egress_gateway(c),
		"high_scale_ipcache": bool_of(c, "enable-high-scale-ipcache", false),
		# The `devices` filter (comma- or space-separated; the chart joins a list with spaces).
		"devices": devices(c),
		"force_device_detection": bool_of(c, "force-device-detection", false),
		# CNI chaining: the primary plugin sets the pods' MTU unless Cilium is asked to.
		"chaining": chaining_mode(c),
		"route_mtu_in_chaining": bool_of(c, "enable-route-mtu-for-cni-chaining", false),
		"custom_cni_conf": custom_cni_conf(c),
		"cluster_name": cluster_name(c),
		"cluster_id": int_of(c, "cluster-id", 0),
		"max_connected_clusters": int_of(c, "max-connected-clusters", 255),
		"ipam": ipam(c),
		"pod_cidrs": pod_cidrs(c, ipv4, ipv6),
		"ipv4": ipv4,
		"ipv6": ipv6,
		"allow_icmp_frag_needed": bool_of(c, "allow-icmp-frag-needed", true),
		"host_firewall": bool_of(c, "enable-host-firewall", false),
		# ICMP rules (netpol.rego): icmps need enable-icmp-rules; without
		# enable-non-default-deny-policies, enableDefaultDeny: false is ignored (pkg/defaults: both true).
		"icmp_rules": bool_of(c, "enable-icmp-rules", true),
		"non_default_deny": bool_of(c, "enable-non-default-deny-policies", true),
		"pmtu_discovery": bool_of(c, "enable-pmtu-discovery", false),
		"plpmtud_mode": plpmtud_mode(c),
		"clustermesh": is_member(c),
		"peers": peer_names(c),
		# pkg/clustermesh/types/option.go ValidateBuggyClusterID: ENI IPAM and AWS VPC CNI
		# chaining refuse cluster ids with bit 7 set unless this quirk is on.
		"aws_datapath": aws_datapath(c),
		"allow_unsafe_policy_skb_usage": bool_of(c, "allow-unsafe-policy-skb-usage", false),
	}
}

# routing-mode; legacy `tunnel: disabled` (Cilium <= 1.13) means native; Helm defaults
# to native with eni.enabled or gke.enabled; the agent defaults to tunnel.
routing_mode(c) := text(c, "routing-mode") if {
	set(c, "routing-mode")
} else := "native" if {
	text(c, "tunnel") == "disabled"
} else := "tunnel" if {
	set(c, "tunnel")
} else := "native" if {
	c.f == "helm"
	some k in {"helm:eni.enabled", "helm:gke.enabled"}
	bool_of(c, k, false)
} else := "tunnel"

tunnel_protocol(c) := text(c, "tunnel-protocol") if {
	set(c, "tunnel-protocol")
} else := text(c, "tunnel") if {
	text(c, "tunnel") in {"vxlan", "geneve"}
} else := "vxlan"

tunnel_port(c, _) := n if {
	n := int_of(c, "tunnel-port", 0)
	n > 0
} else := 6081 if {
	tunnel_protocol(c) == "geneve"
} else := 8472

# underlay-protocol "auto" picks IPv4 when it is enabled (pkg/datapath/tunnel/tunnel.go).
underlay(c, _) := text(c, "underlay-protocol") if {
	text(c, "underlay-protocol") in {"ipv4", "ipv6"}
} else := "ipv4" if {
	bool_of(c, "enable-ipv4", true)
} else := "ipv6"

# The chart renders enable-ipv6 from ipv6.enabled (default false); a bare agent enables IPv6.
ipv6_default(c) := false if c.f == "helm"

ipv6_default(c) if c.f == "configmap"

encryption(c) := "wireguard" if {
	bool_of(c, "enable-wireguard", false)
} else := "ipsec" if {
	bool_of(c, "enable-ipsec", false)
} else := "wireguard" if {
	bool_of(c, "helm:encryption.enabled", false)
	value(c, "helm:encryption.type") == "wireguard"
} else := "ipsec" if {
	bool_of(c, "helm:encryption.enabled", false)
	helm_ipsec_type(c)
} else := "none"

# The chart compares encryption.type exactly (`eq .Values.encryption.type "ipsec"`): an
# empty or differently spelt type renders no encryption at all. Unset, it is the
# values.yaml default, "ipsec".
helm_ipsec_type(c) if not c.m["helm:encryption.type"]

helm_ipsec_type(c) if value(c, "helm:encryption.type") == "ipsec"

devices(c) := [sprintf("%v", [d]) | some d in list_of(c, "devices")] if {
	list_of(c, "devices")
} else := []

# The egress gateway's key: enable-ipv4-egress-gateway up to 1.18 (v1.16.0
# pkg/option/config.go:363, read with enable-egress-gateway by v1.18.0
# pkg/option/config.go:2677), enable-egress-gateway from 1.18 (pkg/option/config.go:294).
default egress_gateway(_) := false

egress_gateway(c) if bool_of(c, "enable-egress-gateway", false)

egress_gateway(c) if bool_of(c, "enable-ipv4-egress-gateway", false)

# The chart renders cni-chaining-mode from cni.chainingMode, else "generic-veth" when
# cni.chainingTarget is set, else "none" (templates/cilium-configmap.yaml).
chaining_mode(c) := text(c, "cni-chaining-mode") if {
	set(c, "cni-chaining-mode")
} else := "generic-veth" if {
	c.f == "helm"
	set(c, "helm:cni.chainingTarget")
} else := "none"

# The chart renders read-cni-conf from cni.configMap, else cni.readCniConf.
default custom_cni_conf(_) := false

custom_cni_conf(c) if set(c, "read-cni-conf")

custom_cni_conf(c) if {
	c.f == "helm"
	set(c, "helm:cni.configMap")
}

cluster_name(c) := sprintf("%v", [value(c, "cluster-name")]) if set(c, "cluster-name")

cluster_name(c) := "default" if not set(c, "cluster-name")

ipam(c) := "eni" if {
	c.f == "helm"
	bool_of(c, "helm:eni.enabled", false)
} else := text(c, "ipam") if {
	set(c, "ipam")
} else := "cluster-pool"

# Pod CIDRs are only known for cluster-pool IPAM; the chart's default pool is 10.0.0.0/8.
pod_cidrs(c, ipv4, ipv6) := array.concat(family_cidrs(c, "cluster-pool-ipv4-cidr", ipv4, ["10.0.0.0/8"]), family_cidrs(c, "cluster-pool-ipv6-cidr", ipv6, ["fd00::/104"])) if {
	ipam(c) == "cluster-pool"
} else := []

family_cidrs(c, key, true, _) := list_of(c, key) if set(c, key)

family_cidrs(c, key, true, chart_default) := chart_default if {
	not set(c, key)
	c.f == "helm"
}

family_cidrs(c, key, true, _) := [] if {
	not set(c, key)
	c.f == "configmap"
}

family_cidrs(_, _, false, _) := []

# The chart's default mode is "blackhole" (1.20); an agent without the key leaves the sysctl alone.
plpmtud_mode(c) := text(c, "packetization-layer-pmtud-mode") if {
	set(c, "packetization-layer-pmtud-mode")
} else := "blackhole" if {
	c.f == "helm"
} else := "unset"

default aws_datapath(_) := false

aws_datapath(c) if ipam(c) == "eni"

aws_datapath(c) if text(c, "cni-chaining-mode") == "aws-cni"

# A ClusterMesh member has a cluster-id >= 1, or enables the clustermesh API server / config.
member(c) if int_of(c, "cluster-id", 0) >= 1

member(c) if bool_of(c, "helm:clustermesh.useAPIServer", false)

member(c) if bool_of(c, "helm:clustermesh.config.enabled", false)

default is_member(_) := false

is_member(c) if member(c)

# members is the set of cluster names that are ClusterMesh members.
members := {c | some c, s in settings; s.clustermesh}

# peer_names(c) are the clusters a member's Helm values connect it to
# (clustermesh.config.clusters, which the chart renders into the cilium-clustermesh Secret).
peer_names(c) := {name |
	some peer in list_of(c, "helm:clustermesh.config.clusters")
	name := peer.name
	is_string(name)
}

default declares_peers(_) := false

declares_peers(c) if count(settings[c].peers) > 0

# meshmates[c] are the other members of c's mesh. A repository may hold several meshes
# (prod and dev, each reusing ids and CIDRs): members that list their peers are linked to
# the members they list or that list them; members that do not (a cilium-config ConfigMap
# cannot say) are taken to share one mesh with each other, as without lists. A mesh is
# whatever those links connect.
meshmates[c] := graph.reachable(mesh_links, {c}) - {c, undeclared_hub} if some c in members

# mesh_links is the graph of those links, built in time linear in members and peers: a
# member links to the members its peers name and to those naming it; the members that
# list no peers all link to one hub node instead of to each other (n² links otherwise).
mesh_links := object.union({c: links_of(c) | some c in members}, {undeclared_hub: undeclared})

links_of(c) := ((named_by_peers(c) | object.get(listed_by, settings[c].cluster_name, set())) - {c}) | hub_of(c)

# The hub's name cannot be a cluster's: cluster names are DNS labels.
undeclared_hub := "*members that list no peers*"

hub_of(c) := {undeclared_hub} if not declares_peers(c)

hub_of(c) := set() if declares_peers(c)

undeclared := {c | some c in members; not declares_peers(c)}

# named[name] are the members called name (several when names clash, MESH002).
named := {name: {c | some c in members; settings[c].cluster_name == name} | some name in {settings[c].cluster_name | some c in members}}

# listed_by[name] are the members whose peers include name.
listed_by := {name: {c | some c in members; name in settings[c].peers} | some o in members; some name in settings[o].peers}

named_by_peers(c) := {o | some name in settings[c].peers; some o in named[name]}
