# A model of how Cilium enforces network policy on the ICMP errors path-MTU discovery
# needs: ICMPv4 type 3 (DestinationUnreachable; code 4 = fragmentation needed) and ICMPv6
# type 2 (PacketTooBig). Sources (github.com/cilium/cilium v1.20.2):
#   - pkg/policy/api/rule.go: enableDefaultDeny defaults to true for each direction that
#     has rules (ingress or ingressDeny); any policy requesting it wins.
#   - pkg/policy/api/icmp.go: icmps fields take a type number or name; family defaults to
#     IPv4; "DestinationUnreachable" is 3 for IPv4 but 1 for IPv6; "PacketTooBig" is IPv6 2.
#   - pkg/policy/api/ingress.go: an ingress rule without from* selectors applies to all
#     sources; a rule without toPorts/icmps allows every protocol (L3-only).
#   - bpf/lib/policy.h __policy_can_access: with allow_icmp_frag_needed (default true,
#     pkg/defaults AllowICMPFragNeeded) ICMPv4 type 3 code 4 is accepted before any policy
#     lookup, deny rules included; ICMPv6 has no such bypass.
#   - bpf/bpf_lxc.c and bpf/lib/host_firewall.h: CT_REPLY and CT_RELATED skip policy, so an
#     ICMP error about a connection conntrack tracks for that endpoint always passes.
#   - Host policies (CCNP with nodeSelector) apply only with enable-host-firewall.
package mtuguard.lib.netpol

import data.mtuguard.lib.objects

policy_kinds := {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}

# specs_of(o) lists the rules of a Cilium policy object: {"object", "path", "spec", "host"}.
# It is a function, not a set of all specs, so the webhook only looks at the policies it
# needs (sets of whole policies cost a hash of each).
specs_of(o) := array.concat(
	[{"object": o, "path": ["spec"], "spec": o.object.spec, "host": is_host(o.object.spec)} | is_object(o.object.spec)],
	[{"object": o, "path": ["specs", i], "spec": s, "host": is_host(s)} | some i, s in object.get(o.object, "specs", []); is_object(s)],
) if o.kind in policy_kinds

# focused_specs are the rules findings may be reported on.
focused_specs contains x if {
	some o in objects.focus
	some x in specs_of(o)
}

# cluster_specs[cluster] are all rules of the cluster's Cilium policies.
cluster_specs(cluster) := [x |
	some o in cilium_policies
	o.cluster == cluster
	some x in specs_of(o)
]

is_host(s) if s.nodeSelector

default is_host(_) := false

# --- ICMP matching -------------------------------------------------------------------

# The types that carry path-MTU signals, per family.
signal_type := {"IPv4": 3, "IPv6": 2}

icmp_names := {
	"IPv4": {"DestinationUnreachable": 3},
	"IPv6": {"DestinationUnreachable": 1, "PacketTooBig": 2},
}

field_family(f) := object.get(f, "family", "IPv4")

field_type(f) := to_number(f.type) if regex.match(`^[0-9]+$`, sprintf("%v", [f.type]))

field_type(f) := icmp_names[field_family(f)][f.type] if is_string(f.type)

# matches(rule, family): the rule (allow or deny) covers the family's PMTU signal type.
matches(rule, family) if {
	some icmp in rule.icmps
	some f in icmp.fields
	field_family(f) == family
	field_type(f) == signal_type[family]
}

matches(rule, family) if {
	some tp in rule.toPorts
	some p in tp.ports
	upper(object.get(p, "protocol", "ANY")) in protocol_names[family]
	object.get(p, "port", "0") in {"0", 0, ""}
	not object.get(p, "endPort", 0) > 0
}

# An L3-only rule (no toPorts, no icmps) covers every protocol.
matches(rule, _) if {
	not rule.toPorts
	not rule.icmps
}

protocol_names := {"IPv4": {"ICMP", "ANY"}, "IPv6": {"ICMPV6", "ANY"}}

# how(rule, family) says, for messages, by what a rule matches.
how(rule, family) := "icmps" if {
	some icmp in rule.icmps
	some f in icmp.fields
	field_family(f) == family
	field_type(f) == signal_type[family]
} else := "toPorts protocol" if {
	rule.toPorts
} else := "an L3-only rule"

# --- peers: where the signal comes from ----------------------------------------------

# A router outside the cluster is `world` (or a CIDR); the underlay's signal to a node may
# also come from a remote node. `all` covers both; a rule with no from* selector covers all.
router_entities := {"world", "world-ipv4", "world-ipv6", "all"}

node_entities := {"remote-node", "host", "all", "cluster"}

from_router(rule) if {
	some e in rule.fromEntities
	e in router_entities
}

from_router(rule) if count(object.get(rule, "fromCIDR", [])) > 0

from_router(rule) if count(object.get(rule, "fromCIDRSet", [])) > 0

from_router(rule) if no_peer_selector(rule)

from_node(rule) if {
	some e in rule.fromEntities
	e in node_entities
}

from_node(rule) if count(object.get(rule, "fromNodes", [])) > 0

from_node(rule) if no_peer_selector(rule)

peer_fields := {"fromEndpoints", "fromRequires", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "fromGroups"}

no_peer_selector(rule) if {
	every k in peer_fields {
		not rule[k]
	}
}

# --- per spec verdicts ---------------------------------------------------------------

# default_deny(spec): the spec puts its subjects into ingress default-deny.
default_deny(s) if s.enableDefaultDeny.ingress == true

default_deny(s) if {
	not s.enableDefaultDeny.ingress == false
	count(object.get(s, "ingress", [])) + count(object.get(s, "ingressDeny", [])) > 0
}

# allows(spec, family): an ingress rule lets the family's signal in from the routers that
# send it (world, all, CIDRs). Allowing only remote-node or cluster does not help: the hop
# that drops a tunnel packet, e.g. a Transit Gateway, is outside the cluster.
allows(s, family) if {
	some rule in s.ingress
	matches(rule, family)
	from_router(rule)
}

# denies(spec, family) lists the ingressDeny rules that match the family's signal.
denies(s, family) := [i |
	some i, rule in object.get(s, "ingressDeny", [])
	matches(rule, family)
	from_signal_source(rule, s)
	not l3_only(rule)
]

l3_only(rule) if {
	not rule.toPorts
	not rule.icmps
}

# A deny matters wherever the signal can come from: routers, or nodes that forward.
from_signal_source(rule, _) if from_router(rule)

from_signal_source(rule, _) if from_node(rule)

# egress_denies(spec, family): egressDeny rules that stop the subjects sending the signal
# (a pod or node that routes for others must be able to say "fragmentation needed").
egress_denies(s, family) := [i |
	some i, rule in object.get(s, "egressDeny", [])
	matches(rule, family)
	not l3_only(rule)
]

# subject(spec) names what a spec selects, for messages.
subject(s) := "nodes selected by nodeSelector" if is_host(s)

subject(s) := "pods selected by endpointSelector" if not is_host(s)

# --- Kubernetes NetworkPolicy --------------------------------------------------------

# k8s_default_deny: a NetworkPolicy whose policyTypes include Ingress (or that has ingress
# rules and no policyTypes) isolates its pods for ingress; it cannot name ICMP types at all.
k8s_default_deny(np) if "Ingress" in np.spec.policyTypes

k8s_default_deny(np) if {
	not np.spec.policyTypes
	is_object(np.spec)
}

# k8s_allows_all(np): some ingress rule without ports and peers admits everything.
k8s_allows_all(np) if {
	some rule in np.spec.ingress
	not rule.from
	not rule.ports
}

# --- blanket allowances: a policy that lets the signals in for everyone it selects ------

# covered_pods[cluster][namespace] is true when some policy with an empty endpointSelector
# (all pods in the namespace; a CCNP: all pods, namespace "*") allows both signals.
cilium_policies := array.concat(objects.kind("CiliumNetworkPolicy"), objects.kind("CiliumClusterwideNetworkPolicy"))

blanket_ns := {c: {e[1] | some e in blanket_entries; e[0] == c} | some c in {e[0] | some e in blanket_entries}}

blanket_entries contains [o.cluster, namespace_of(o)] if {
	some o in cilium_policies
	some s in spec_list(o)
	not s.nodeSelector
	empty_selector(s.endpointSelector)
	allows(s, "IPv4")
	allows(s, "IPv6")
}

spec_list(o) := array.concat([o.object.spec | is_object(o.object.spec)], [s | some s in object.get(o.object, "specs", []); is_object(s)])

empty_selector(sel) if {
	is_object(sel)
	count(object.get(sel, "matchLabels", {})) + count(object.get(sel, "matchExpressions", [])) == 0
}

namespace_of(o) := "*" if o.kind == "CiliumClusterwideNetworkPolicy"

namespace_of(o) := object.get(o.object, ["metadata", "namespace"], "default") if o.kind != "CiliumClusterwideNetworkPolicy"

# covered(x): a blanket policy lets the signals in for the subjects of spec entry x.
# Pod blankets never cover nodes: host policies are enforced separately.
covered(x) if {
	not x.host
	"*" in blanket_ns[x.object.cluster]
}

covered(x) if {
	not x.host
	namespace_of(x.object) in blanket_ns[x.object.cluster]
}

# A Kubernetes NetworkPolicy's pods are covered like a CNP's in the same namespace.
k8s_covered(o) if covered({"object": o, "host": false})

# snippet is the ingress rule to paste, for the families that need it.
snippet(families) := sprintf("ingress:\n- fromEntities: [world]\n  icmps:\n  - fields:\n%s", [concat("\n", [field_line(f) | some f in sort(families)])])

field_line("IPv4") := "    - {type: DestinationUnreachable, family: IPv4}"

field_line("IPv6") := "    - {type: PacketTooBig, family: IPv6}"

# --- problems: policy fields of the wrong shape, which Cilium's CRD validation refuses ---

rule_lists := ["ingress", "ingressDeny", "egress", "egressDeny"]

problems contains {"object": o.id, "path": array.concat(path, [k]), "message": sprintf("%s must be a list of rules, got %v", [k, json.marshal(v)])} if {
	some o in objects.focus
	o.kind in policy_kinds
	some x in specs_of(o)
	path := x.path
	some k in rule_lists
	v := x.spec[k]
	not is_array(v)
}

problems contains {"object": o.id, "path": array.concat(path, [k, i, field]), "message": sprintf("%s[%d].%s must be a list, got %v", [k, i, field, json.marshal(v)])} if {
	some o in objects.focus
	o.kind in policy_kinds
	some x in specs_of(o)
	path := x.path
	some k in rule_lists
	some i, rule in array_or_empty(x.spec[k])
	some field in ["icmps", "toPorts", "fromEntities", "toEntities", "fromEndpoints", "fromCIDR", "fromCIDRSet"]
	v := rule[field]
	not is_array(v)
}

problems contains {"object": o.id, "path": array.concat(path, [k, i, "icmps", j, "fields", n]), "message": msg} if {
	some o in objects.focus
	o.kind in policy_kinds
	some x in specs_of(o)
	path := x.path
	some k in rule_lists
	some i, rule in array_or_empty(x.spec[k])
	some j, icmp in array_or_empty(rule.icmps)
	some n, f in array_or_empty(icmp.fields)
	msg := field_problem(f)
}

field_problem(f) := sprintf("icmps family %v is not IPv4 or IPv6", [f.family]) if {
	f.family
	not f.family in {"IPv4", "IPv6"}
}

field_problem(f) := sprintf("icmps type %v is neither a number from 0 to 255 nor an %s type name Cilium knows", [json.marshal(f.type), field_family(f)]) if {
	field_family(f) in {"IPv4", "IPv6"}
	not valid_type(f)
}

valid_type(f) if {
	is_number(f.type)
	f.type >= 0
	f.type <= 255
}

valid_type(f) if {
	is_string(f.type)
	regex.match(`^[0-9]+$`, f.type)
	to_number(f.type) <= 255
}

valid_type(f) if {
	is_string(f.type)
	icmp_type_names[field_family(f)][f.type]
}

# All type names Cilium accepts (pkg/policy/api/icmp.go), not only the PMTU ones.
icmp_type_names := {
	"IPv4": {"EchoReply", "DestinationUnreachable", "Redirect", "Echo", "EchoRequest", "RouterAdvertisement", "RouterSelection", "TimeExceeded", "ParameterProblem", "Timestamp", "TimestampReply", "Photuris", "ExtendedEchoRequest", "ExtendedEchoReply"},
	"IPv6": {"DestinationUnreachable", "PacketTooBig", "TimeExceeded", "ParameterProblem", "EchoRequest", "EchoReply", "MulticastListenerQuery", "MulticastListenerReport", "MulticastListenerDone", "RouterSolicitation", "RouterAdvertisement", "NeighborSolicitation", "NeighborAdvertisement", "RedirectMessage", "RouterRenumbering", "ICMPNodeInformationQuery", "ICMPNodeInformationResponse", "InverseNeighborDiscoverySolicitation", "InverseNeighborDiscoveryAdvertisement", "HomeAgentAddressDiscoveryRequest", "HomeAgentAddressDiscoveryReply", "MobilePrefixSolicitation", "MobilePrefixAdvertisement", "DuplicateAddressRequestCodeSuffix", "DuplicateAddressConfirmationCodeSuffix", "ExtendedEchoRequest", "ExtendedEchoReply"},
}

array_or_empty(v) := v if is_array(v)

array_or_empty(v) := [] if not is_array(v)
