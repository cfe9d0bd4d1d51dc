# A model of how Cilium enforces network policy on the ICMP errors path-MTU discovery
# needs: ICMPv4 type 3 (DestinationUnreachable; code 4 = fragmentation needed) and ICMPv6
# type 2 (PacketTooBig). Every behaviour below is read from github.com/cilium/cilium
# v1.20.2; each comment names the file it comes from.
#
# The one fact everything hinges on (bpf/lib/conntrack.h): bpf_lxc.c and host_firewall.h
# skip policy for CT_REPLY and CT_RELATED, but Cilium relates an ICMP error to a connection
# by the error's own (outer) addresses: ct_create4/6 add an ICMP entry for the connection's
# two endpoints, and ct_extract_ports4/6 look an error up with ports 0 and TUPLE_F_RELATED.
# So only errors the connection's peer sends are CT_RELATED. A router on the path has
# another address: its fragmentation-needed / PacketTooBig is CT_NEW and meets policy as
# traffic from `world` (a CIDR identity when a CIDR rule covers the router).
#
# Host policies never see ICMPv6 PacketTooBig: with the host firewall on, bpf/lib/icmp6.h
# icmp6_host_handle returns SKIP_HOST_FIREWALL for ICMPv6 types 1-4 (RFC 4890), and
# bpf/bpf_host.c then skips the host policy lookup in both directions. For nodes only the
# IPv4 signal is judged (judged_families).
package mtuguard.lib.netpol

import data.mtuguard.lib.cilium
import data.mtuguard.lib.objects

# Boolean helpers default to false: OPA remembers a function's result for the same
# arguments only when the result is defined, and these are asked many times per policy.

policy_kinds := {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}

# specs_of(o) lists the rules of a Cilium policy object: {"object", "path", "spec", "host",
# "cluster"}, the last the setup it is enforced by (cluster(o)). It is a function, not a set
# of all specs, so the webhook only looks at the policies it needs.
specs_of(o) := array.concat(
	[{"object": o, "path": ["spec"], "spec": o.object.spec, "host": is_host(o.object.spec), "cluster": c} | is_object(o.object.spec)],
	[{"object": o, "path": ["specs", i], "spec": s, "host": is_host(s), "cluster": c} | some i, s in object.get(o.object, "specs", []); is_object(s)],
) if {
	o.kind in policy_kinds
	c := cluster(o)
}

# focused_specs are the rules findings may be reported on: those of focused policies
# Cilium accepts (a refused one is a problem, not a verdict; see invalid). An array: a set
# would hash every policy object it holds.
focused_specs := [x |
	some o in objects.focus
	some x in specs_of(o)
	not invalid(o)
]

# focused_raw_specs are the rules of every focused policy, refused or not: problems read them.
focused_raw_specs := [x |
	some o in objects.focus
	some x in specs_of(o)
]

# cluster_specs(cluster) are all rules of the cluster's Cilium policies Cilium accepts.
cluster_specs(cluster) := [x |
	some o in cilium_policies
	o.cluster == cluster
	some x in specs_of(o)
	not invalid(o)
]

cilium_policies := array.concat(objects.kind("CiliumNetworkPolicy"), objects.kind("CiliumClusterwideNetworkPolicy"))

# A host policy selects nodes (pkg/policy/api/rule.go: NodeSelector).
is_host(s) := object.get(s, "nodeSelector", null) != null

# --- the cluster a policy runs under -------------------------------------------------

# cluster(o) is the Cilium setup o is enforced by: its cluster's settings when that config is
# in scope, else Cilium's defaults with `known` false so messages can say so. Unknown
# clusters count both families (the agent enables IPv6 by default, the chart does not).
# Both are built once per evaluation; cluster(o) only looks them up.
cluster(o) := setups[o.cluster]

cluster(o) := unknown_setup if not setups[o.cluster]

setups := input.mtuguard_derived.netpol if input.mtuguard_derived # see cilium.settings

setups := derived_setups if not input.mtuguard_derived

derived_setups := {name: setup(object.union(s, {"known": true})) | some name, s in cilium.settings}

unknown_setup := setup({"known": false})

# setup(s) fills what s does not say with Cilium's defaults, and names the families whose
# signals matter in the cluster.
setup(s) := object.union(c, {"families": families[[c.ipv4, c.ipv6]]}) if {
	c := object.union(assumed, s)
}

families := {[true, true]: {"IPv4", "IPv6"}, [true, false]: {"IPv4"}, [false, true]: {"IPv6"}, [false, false]: set()}

# pkg/defaults/defaults.go: AllowICMPFragNeeded, EnableICMPRules and
# EnableNonDefaultDenyPolicies are true; the host firewall is off.
assumed := {
	"allow_icmp_frag_needed": true, "host_firewall": false, "ipv4": true, "ipv6": true,
	"underlay": "ipv4", "routing_mode": "tunnel", "icmp_rules": true, "non_default_deny": true,
}

# judged_families(c, host) are the families whose signal the subjects' policies decide on:
# all of the cluster's for pods; for nodes IPv4 only, since the host firewall lets ICMPv6
# types 1-4 through before any host policy (bpf/lib/icmp6.h icmp6_host_handle,
# SKIP_HOST_FIREWALL in bpf/bpf_host.c): a host policy can neither allow nor drop PacketTooBig.
judged_families(c, false) := c.families

judged_families(c, true) := c.families & {"IPv4"}

# --- ICMP matching (pkg/policy/api/icmp.go) -------------------------------------------

# The types that carry path-MTU signals, per family.
signal_type := {"IPv4": 3, "IPv6": 2}

# icmp_codes are the type names Cilium accepts, per family (icmpIpv4TypeNameToCode,
# icmpIpv6TypeNameToCode). "DestinationUnreachable" is 3 for IPv4 but 1 for IPv6.
icmp_codes := {
	"IPv4": {
		"EchoReply": 0, "DestinationUnreachable": 3, "Redirect": 5, "Echo": 8, "EchoRequest": 8,
		"RouterAdvertisement": 9, "RouterSelection": 10, "TimeExceeded": 11, "ParameterProblem": 12,
		"Timestamp": 13, "TimestampReply": 14, "Photuris": 40, "ExtendedEchoRequest": 42, "ExtendedEchoReply": 43,
	},
	"IPv6": {
		"DestinationUnreachable": 1, "PacketTooBig": 2, "TimeExceeded": 3, "ParameterProblem": 4,
		"EchoRequest": 128, "EchoReply": 129, "MulticastListenerQuery": 130, "MulticastListenerReport": 131,
		"MulticastListenerDone": 132, "RouterSolicitation": 133, "RouterAdvertisement": 134,
		"NeighborSolicitation": 135, "NeighborAdvertisement": 136, "RedirectMessage": 137,
		"RouterRenumbering": 138, "ICMPNodeInformationQuery": 139, "ICMPNodeInformationResponse": 140,
		"InverseNeighborDiscoverySolicitation": 141, "InverseNeighborDiscoveryAdvertisement": 142,
		"HomeAgentAddressDiscoveryRequest": 144, "HomeAgentAddressDiscoveryReply": 145,
		"MobilePrefixSolicitation": 146, "MobilePrefixAdvertisement": 147,
		"DuplicateAddressRequestCodeSuffix": 157, "DuplicateAddressConfirmationCodeSuffix": 158,
		"ExtendedEchoRequest": 160, "ExtendedEchoReply": 161,
	},
}

# The family defaults to IPv4 (ICMPField.PortProtocol: anything but "IPv6" is ICMP).
field_family(f) := "IPv6" if object.get(f, "family", "") == "IPv6"

field_family(f) := "IPv4" if object.get(f, "family", "") != "IPv6"

field_type(f) := f.type if is_number(f.type)

field_type(f) := to_number(f.type) if {
	is_string(f.type)
	regex.match(`^[0-9]+$`, f.type)
}

field_type(f) := icmp_codes[field_family(f)][f.type] if is_string(f.type)

icmp_fields(rule) := [f | some icmp in list(rule, "icmps"); some f in list(icmp, "fields"); is_object(f)]

default icmps_covers(_, _) := false

# icmps_covers(rule, family): the rule's icmps cover the family's signal. Type 0 does too:
# ICMPField.PortProtocol makes the type a port, and pkg/policy/types/types.go Key.WithPort
# reads port 0 as "any port", so type 0 (IPv4 EchoReply) matches every type of the family
# (cilium/cilium#41304; not fixed in 1.20).
icmps_covers(rule, family) if {
	some f in icmp_fields(rule)
	field_family(f) == family
	field_type(f) in {signal_type[family], 0}
}

default exact_type(_, _) := false

exact_type(rule, family) if {
	some f in icmp_fields(rule)
	field_family(f) == family
	field_type(f) == signal_type[family]
}

default has_l4(_) := false

# has_l4(rule): toPorts or icmps. Without either the rule is L3-only, and pkg/policy/rule.go
# mergeL4Filter installs it as protocol ANY, port 0: every protocol, ICMP included. toPorts
# never cover ICMP: protocol ANY expands to TCP, UDP and SCTP only (same function), and
# protocol ICMP/ICMPv6 is refused (pkg/policy/api/l4.go, the CRD enum; see problems below).
has_l4(rule) if count(list(rule, "toPorts")) > 0

has_l4(rule) if count(list(rule, "icmps")) > 0

default l3_only(_) := false

l3_only(rule) if not has_l4(rule)

# --- peers: where the signal comes from ----------------------------------------------

# pkg/policy/api/entity.go: world is world, world-ipv4 and world-ipv6; all is everything;
# cluster holds no world identity.
router_entities := {"IPv4": {"world", "world-ipv4", "all"}, "IPv6": {"world", "world-ipv6", "all"}}

node_entities := {"remote-node", "host", "all", "cluster"}

default_routes := {"IPv4": {"0.0.0.0/0"}, "IPv6": {"::/0"}}

peer_fields := ["fromEndpoints", "fromRequires", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "fromGroups"]

default no_peer_selector(_) := false

# pkg/policy/utils/parserules.go mergeEndpointSelectors and pkg/policy/l4.go createL4Filter:
# a rule with no from* selector applies to every source if it has toPorts/icmps; with
# neither it selects nothing (rule.go: the L3-only branch needs a selector). An empty list
# (fromEntities: []) selects nothing either.
no_peer_selector(rule) if {
	every v in object.filter(rule, peer_fields) {
		v == null
	}
}

default wildcard_peer(_) := false

wildcard_peer(rule) if {
	no_peer_selector(rule)
	has_l4(rule)
}

default selects_router(_, _) := false

# selects_router(rule, family): the rule's peers include routers that send the family's
# signal. Any CIDR of the family counts: the rule's author may mean the path's routers.
selects_router(rule, _) if wildcard_peer(rule)

selects_router(rule, family) if {
	some e in list(rule, "fromEntities")
	e in router_entities[family]
}

selects_router(rule, family) if {
	some c in list(rule, "fromCIDR")
	cidr_family(c) == family
}

selects_router(rule, family) if {
	some c in list(rule, "fromCIDRSet")
	cidr_rule_family(c) in {family, "any"}
}

default broad_router(_, _) := false

# broad_router(rule, family): every router of the family, as a blanket deny of the outside
# world is written. A deny of one CIDR is a block list, not a verdict on the path's routers.
broad_router(rule, family) if {
	some e in list(rule, "fromEntities")
	e in router_entities[family]
}

broad_router(rule, family) if {
	some c in list(rule, "fromCIDR")
	c in default_routes[family]
}

broad_router(rule, family) if {
	some c in list(rule, "fromCIDRSet")
	object.get(c, "cidr", "") in default_routes[family]
}

default from_node(_) := false

from_node(rule) if {
	some e in list(rule, "fromEntities")
	e in node_entities
}

from_node(rule) if count(list(rule, "fromNodes")) > 0

cidr_family(c) := "IPv6" if contains(sprintf("%v", [c]), ":")

cidr_family(c) := "IPv4" if not contains(sprintf("%v", [c]), ":")

# A CIDR rule by cidrGroupRef/cidrGroupSelector has no family we can read.
cidr_rule_family(c) := cidr_family(c.cidr) if is_object(c)

cidr_rule_family(c) := "any" if {
	is_object(c)
	not c.cidr
}

# --- per spec verdicts ---------------------------------------------------------------

default default_deny(_, _) := false

# default_deny(spec, c): the spec puts its subjects into ingress default-deny.
# pkg/policy/api/rule_validation.go Rule.Sanitize: enableDefaultDeny.ingress defaults to
# "has ingress or ingressDeny rules", and is forced true when enable-non-default-deny-policies
# is false. pkg/policy/utils/parserules.go makes one entry per ingress/ingressDeny rule, so
# enableDefaultDeny.ingress: true without such rules puts nobody in ingress default-deny.
default_deny(s, c) if {
	count(list(s, "ingress")) + count(list(s, "ingressDeny")) > 0
	not opted_out(s, c)
}

default opted_out(_, _) := false

opted_out(s, c) if {
	s.enableDefaultDeny.ingress == false
	c.non_default_deny
}

default refused(_, _) := false

# refused(spec, c): the agent refuses the whole policy (pkg/k8s/apis/cilium.io/v2/cnp_types.go
# Parse) because a rule uses icmps while enable-icmp-rules is false (rule_validation.go).
refused(s, c) if {
	c.icmp_rules == false
	some k in rule_lists
	some rule in list(s, k)
	count(list(rule, "icmps")) > 0
}

default enforced(_, _) := false

# enforced(x, c): the spec's rules take effect. Host policies need the host firewall
# (pkg/policy/repository.go computePolicyEnforcementAndRules); with the config unknown
# they are assumed on, since a host policy means nothing otherwise.
enforced(x, c) if {
	not refused(x.spec, c)
	host_enforced(x, c)
}

default host_enforced(_, _) := false

host_enforced(x, _) if not x.host

host_enforced(x, c) if {
	x.host
	c.host_firewall
}

host_enforced(x, c) if {
	x.host
	not c.known
}

default allows(_, _) := false

# allows(spec, family): an ingress rule lets the family's signal in from the routers that
# send it. Allowing only remote-node or cluster does not: the hop that drops a packet,
# e.g. a Transit Gateway, is outside the cluster.
allows(s, family) if {
	some rule in list(s, "ingress")
	may_select_router(rule) # first: most rules name endpoints, never routers
	icmps_covers(rule, family)
	selects_router(rule, family)
}

allows(s, family) if {
	some rule in list(s, "ingress")
	may_select_router(rule)
	l3_only(rule)
	selects_router(rule, family)
}

default may_select_router(_) := false

# may_select_router(rule): a cheap necessary condition for selects_router.
may_select_router(rule) if count(object.filter(rule, ["fromEntities", "fromCIDR", "fromCIDRSet"])) > 0

may_select_router(rule) if no_peer_selector(rule)

# denies(spec, family) lists the ingressDeny rules that drop the family's signal. Deny
# entries take precedence over every allow (bpf/lib/policy.h __policy_can_access).
denies(s, family) := [i |
	some i, rule in list(s, "ingressDeny")
	deny_covers(rule, family)
]

default deny_covers(_, _) := false

deny_covers(rule, family) if {
	icmps_covers(rule, family)
	selects_router(rule, family)
}

deny_covers(rule, family) if {
	icmps_covers(rule, family)
	from_node(rule)
}

deny_covers(rule, family) if {
	l3_only(rule)
	broad_router(rule, family)
}

# egress_denies(spec, family): egressDeny rules that stop the subjects sending the signal
# (a pod or node that routes for others must be able to say "fragmentation needed").
egress_denies(s, family) := [i |
	some i, rule in list(s, "egressDeny")
	icmps_covers(rule, family)
]

# how(rule, family) says, for messages, by what a rule covers the family's signal.
how(rule, family) := "icmps" if {
	exact_type(rule, family)
} else := "icmps type 0, which Cilium turns into port 0, a wildcard over every ICMP type of the family (cilium/cilium#41304)" if {
	icmps_covers(rule, family)
} else := "an L3-only rule, which Cilium installs for every protocol, ICMP included"

# subject(host) names what a spec selects, for messages.
subject(true) := "nodes selected by nodeSelector"

subject(false) := "pods selected by endpointSelector"

# --- Kubernetes NetworkPolicy (pkg/k8s/network_policy.go ParseNetworkPolicy) ----------

default k8s_default_deny(_) := false

# k8s_default_deny(np): every spec.ingress rule becomes an entry, and an empty one isolates
# the pods unless policyTypes names Egress alone. Ports take TCP, UDP and SCTP only.
k8s_default_deny(np) if count(list(object.get(np, "spec", {}), "ingress")) > 0

k8s_default_deny(np) if "Ingress" in list(object.get(np, "spec", {}), "policyTypes")

k8s_default_deny(np) if not "Egress" in list(object.get(np, "spec", {}), "policyTypes")

default k8s_allows(_, _) := false

# k8s_allows(np, family): a rule without ports is L3-only, every protocol: from everywhere
# when it has no `from`, or from an ipBlock of the family.
k8s_allows(np, family) if {
	some rule in list(object.get(np, "spec", {}), "ingress")
	count(list(rule, "ports")) == 0
	k8s_from_router(rule, family)
}

default k8s_from_router(_, _) := false

k8s_from_router(rule, _) if count(list(rule, "from")) == 0

k8s_from_router(rule, family) if {
	some peer in list(rule, "from")
	cidr_family(peer.ipBlock.cidr) == family
}

default k8s_selects_all(_) := false

# k8s_selects_all(spec): the NetworkPolicy selects every pod of its namespace. An absent
# podSelector is the empty one (parsePodSelector copies nothing into it).
k8s_selects_all(spec) if object.get(spec, "podSelector", null) == null

k8s_selects_all(spec) if objects.selects_all(spec.podSelector)

# --- blanket allowances: a policy that lets the signal in for everyone it selects -----

# blankets holds [cluster, namespace, family] for every enforced pod policy with an empty
# endpointSelector (all pods of its namespace; a CCNP: all pods, namespace "*") that
# allows the family's signal and does not deny it too (deny entries win, ICMP001), and every NetworkPolicy with an empty podSelector that does
# (k8s_allows: pkg/k8s/network_policy.go makes a port-less rule an L3-only entry, which
# pkg/policy/rule.go mergeL4Filter installs as ANY port 0, ICMP included). Allow entries
# of both kinds add up per endpoint. Pod blankets never cover nodes: host policies are
# separate. An evaluation may bring those of its unfocused objects derived already
# (input.mtuguard_derived, see cilium.settings): then only the focused policies are read.
blankets := input.mtuguard_derived.blankets | blankets_in(focused_policies) if input.mtuguard_derived

blankets := derived_blankets if not input.mtuguard_derived

derived_blankets := blankets_in(array.concat(cilium_policies, objects.kind("NetworkPolicy")))

# blankets_in(policies) are the blankets among policies, Cilium's or Kubernetes'.
blankets_in(policies) := {[o.cluster, namespace_of(o), family] |
	some o in policies
	o.kind in policy_kinds
	some x in specs_of(o)
	objects.selects_all(x.spec.endpointSelector) # first: few policies pass it
	not x.host
	not refused(x.spec, x.cluster)
	some family in ["IPv4", "IPv6"]
	allows(x.spec, family)
	count(denies(x.spec, family)) == 0 # its own deny wins over its allowance
	not invalid(o) # last: it reads every rule
} | {[o.cluster, namespace_of(o), family] |
	some o in policies
	o.kind == "NetworkPolicy"
	k8s_selects_all(object.get(o.object, "spec", {})) # first: few policies pass it
	some family in ["IPv4", "IPv6"]
	k8s_allows(o.object, family)
}

# blanket_clusters are the clusters with any blanket, to skip the lookups for the others.
blanket_clusters := {b[0] | some b in blankets}

# host_allowances holds [cluster, family] for every enforced host policy that allows the
# family's signal; like blankets, derived already for the unfocused objects when given.
host_allowances := input.mtuguard_derived.host_allowances | host_allowances_in(focused_cilium_policies) if input.mtuguard_derived

host_allowances := derived_host_allowances if not input.mtuguard_derived

derived_host_allowances := host_allowances_in(cilium_policies)

host_allowances_in(policies) := {[o.cluster, family] |
	some o in policies
	some x in specs_of(o)
	x.host
	not refused(x.spec, x.cluster)
	some family in ["IPv4", "IPv6"]
	allows(x.spec, family)
	count(denies(x.spec, family)) == 0
	not invalid(o)
}

focused_cilium_policies := [o | some o in objects.focus; o.kind in policy_kinds]

# focused_policies are the focused objects that may be blankets.
focused_policies := [o | some o in objects.focus; o.kind in blanket_kinds]

blanket_kinds := policy_kinds | {"NetworkPolicy"}

namespace_of(o) := "*" if o.kind == "CiliumClusterwideNetworkPolicy"

namespace_of(o) := object.get(o.object, ["metadata", "namespace"], "default") if o.kind != "CiliumClusterwideNetworkPolicy"

# covered_families(x): the families whose signal other policies let in for the subjects
# of spec x: blankets of its namespace or clusterwide for pods; for nodes any enforced host
# policy of the cluster, since node selectors overlap often.
covered_families(x) := {family |
	x.object.cluster in blanket_clusters # first: most clusters have no blanket
	some namespace in ["*", namespace_of(x.object)]
	some family in ["IPv4", "IPv6"]
	[x.object.cluster, namespace, family] in blankets
} if not x.host

covered_families(x) := {family |
	some family in ["IPv4", "IPv6"]
	[x.object.cluster, family] in host_allowances
} if x.host

default covered(_, _) := false

covered(x, family) if family in covered_families(x)

default k8s_covered(_, _) := false

# A Kubernetes NetworkPolicy's pods are covered like a CNP's in the same namespace.
k8s_covered(o, family) if covered({"object": o, "host": false}, family)

# --- remediation snippets ------------------------------------------------------------

# snippet is the ingress rule to paste, for the families that need it.
snippet(families) := sprintf("ingress:\n- fromEntities: [world]\n  icmps:\n  - fields:\n%s", [concat("\n", [field_line(f) | some f in sort(families)])])

field_line("IPv4") := "    - {type: DestinationUnreachable, family: IPv4}"

field_line("IPv6") := "    - {type: PacketTooBig, family: IPv6}"

# icmp_rules_note(c) prefixes a snippet when the cluster refuses icmps.
icmp_rules_note(c) := "First set enable-icmp-rules: \"true\" (it is false in this cluster, and Cilium refuses any policy with icmps). Then add:\n" if c.icmp_rules == false

icmp_rules_note(c) := "" if c.icmp_rules != false

# --- problems: policy fields Cilium's CRD validation refuses ---------------------------

rule_lists := ["ingress", "ingressDeny", "egress", "egressDeny"]

problems contains {"object": x.object.id, "path": array.concat(x.path, [k]), "message": sprintf("%s must be a list of rules, got %v", [k, json.marshal(v)])} if {
	some x in focused_raw_specs
	some k in rule_lists
	v := x.spec[k]
	not is_array(v)
}

problems contains {"object": x.object.id, "path": array.concat(x.path, [k, i, field]), "message": sprintf("%s[%d].%s must be a list, got %v", [k, i, field, json.marshal(v)])} if {
	some x in focused_raw_specs
	some [k, i, rule] in spec_rules(x.spec)
	some field, v in rule # the fields present, not every field checked: most rules have two
	field in list_fields
	not is_array(v)
}

problems contains {"object": x.object.id, "path": array.concat(x.path, [k, i, "icmps", j, "fields", n]), "message": msg} if {
	some x in focused_raw_specs
	some [k, i, rule] in spec_rules(x.spec)
	some j, icmp in list(rule, "icmps")
	some n, f in list(icmp, "fields")
	msg := field_problem(f)
}

# toPorts protocol ICMP/ICMPv6: the CRD enum (TCP, UDP, SCTP, VRRP, IGMP, GRE, IPIP, IPV6,
# ESP, AH, ANY; "Matching on ICMP is not supported", pkg/policy/api/l4.go) refuses it.
problems contains {"object": x.object.id, "path": array.concat(x.path, [k, i, "toPorts", j, "ports", n, "protocol"]), "message": msg} if {
	some x in focused_raw_specs
	some [k, i, rule] in spec_rules(x.spec)
	some j, pr in list(rule, "toPorts")
	some n, p in list(pr, "ports")
	upper(sprintf("%v", [p.protocol])) in {"ICMP", "ICMPV6"}
	msg := sprintf("toPorts protocol %v is refused: Cilium matches ICMP only with icmps (a separate rule), e.g. icmps: [{fields: [{type: PacketTooBig, family: IPv6}]}]; toPorts protocols are TCP, UDP, SCTP, VRRP, IGMP, GRE, IPIP, IPV6, ESP, AH and ANY (which covers only TCP, UDP and SCTP)", [p.protocol])
}

# Policies Cilium refuses whatever the cluster's settings (refusals below).
problems contains {"object": x.object.id, "path": array.concat(x.path, r[0]), "message": r[1]} if {
	some x in focused_raw_specs
	may_be_refused(x.object.kind, x.spec)
	some r in refusals(x.object.kind, x.spec)
}

# The CRD declares spec a policy rule (an object) and specs a list of them; the API server
# refuses anything else, so no rule of such a policy takes effect.
problems contains {"object": o.id, "path": ["spec"], "message": sprintf("spec must be an object (a policy rule with endpointSelector or nodeSelector), got %s: the API server refuses the policy", [json.marshal(o.object.spec)])} if {
	some o in focused_cilium_policies
	o.object.spec != null
	not is_object(o.object.spec)
}

problems contains {"object": o.id, "path": ["specs"], "message": sprintf("specs must be a list of policy rules, got %s: the API server refuses the policy", [json.marshal(o.object.specs)])} if {
	some o in focused_cilium_policies
	o.object.specs != null
	not is_array(o.object.specs)
}

problems contains {"object": o.id, "path": ["specs", i], "message": sprintf("specs[%d] must be a policy rule (an object with endpointSelector or nodeSelector), got %s: the API server refuses the policy", [i, json.marshal(s)])} if {
	some o in focused_cilium_policies
	some i, s in list(o.object, "specs")
	not is_object(s)
}

list_fields := {"icmps", "toPorts", "fromEntities", "toEntities", "fromEndpoints", "fromCIDR", "fromCIDRSet"}

# spec_rules(s) lists [list name, index, rule] for every rule of spec s; an entry that is
# no object is a refusal (shape_refusals), not a rule.
spec_rules(s) := [[k, i, rule] |
	some k in rule_lists
	some i, rule in list(s, k)
	is_object(rule)
]

field_problem(f) := sprintf("icmps family %v is not IPv4 or IPv6", [f.family]) if {
	f.family
	not f.family in {"IPv4", "IPv6"}
}

field_problem(f) := sprintf("icmps type %v is neither a number from 0 to 255 nor an %s type name Cilium knows%s", [json.marshal(f.type), field_family(f), family_hint(f)]) if {
	object.get(f, "family", "IPv4") in {"IPv4", "IPv6", ""}
	not valid_type(f)
}

# family_hint(f) says which family a type name belongs to when it is the other family's
# (PacketTooBig without `family: IPv6`, which defaults to IPv4).
family_hint(f) := sprintf(": it is an %s type name, so add `family: %s`", [other, other]) if {
	is_string(f.type)
	some other in {"IPv4", "IPv6"}
	other != field_family(f)
	f.type in object.keys(icmp_codes[other])
} else := ""

default valid_type(_) := false

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
	f.type in object.keys(icmp_codes[field_family(f)])
}

# list(x, k) is x[k] when it is a list, else empty: shape errors are problems, not verdicts.
list(x, k) := v if {
	v := object.get(x, k, [])
	is_array(v)
} else := []

# --- policies Cilium refuses outright --------------------------------------------------

default invalid(_) := false

# invalid(o): Cilium or the API server refuses the whole policy object, whatever the
# cluster's settings (one bad spec fails a CNP's Parse, pkg/k8s/apis/cilium.io/v2/cnp_types.go),
# so it takes no effect: reported among problems, neither judged nor counted as an allowance.
invalid(o) if {
	some x in specs_of(o)
	may_be_refused(o.kind, x.spec) # first: most specs have nothing a refusal looks at
	count(refusals(o.kind, x.spec)) > 0
}

# may_be_refused(kind, s): spec s has something one of its refusals looks at: a
# CiliumNetworkPolicy's nodeSelector, enableDefaultDeny, or a rule that is no object or has
# icmps or CIDRs (shaped_fields). A guard only: refusals decides.
default may_be_refused(_, _) := false

may_be_refused("CiliumNetworkPolicy", s) if is_host(s)

may_be_refused(_, s) if s.enableDefaultDeny != null

may_be_refused(_, s) if {
	some k in rule_lists
	some rule in list(s, k)
	not plain_rule(rule)
}

default plain_rule(_) := false

plain_rule(rule) if {
	is_object(rule)
	count(object.filter(rule, shaped_fields)) == 0
}

# refusals(kind, s) lists [path, message] for each reason spec s is refused.
refusals(kind, s) := array.concat(
	array.concat(icmps_with_toports(s), host_in_namespace(kind, s)),
	array.concat(default_deny_types(s), shape_refusals(s)),
)

# pkg/policy/api/rule_validation.go, for every kind of rule: errUnsupportedICMPWithToPorts.
icmps_with_toports(s) := [[[k, i], sprintf("%s[%d] has both icmps and toPorts, and Cilium refuses the whole policy (\"the ICMPs block may only be present without ToPorts\", pkg/policy/api/rule_validation.go): put the icmps in a rule of their own with the same peers", [k, i])] |
	some [k, i, rule] in spec_rules(s)
	count(list(rule, "icmps")) > 0
	count(list(rule, "toPorts")) > 0
]

# pkg/k8s/apis/cilium.io/v2/cnp_types.go Parse: a namespaced policy cannot select nodes.
host_in_namespace(kind, s) := [[["nodeSelector"], "a CiliumNetworkPolicy cannot select nodes: Cilium refuses the whole policy (\"rule cannot have NodeSelector\", pkg/k8s/apis/cilium.io/v2/cnp_types.go); a host policy must be a CiliumClusterwideNetworkPolicy"]] if {
	kind == "CiliumNetworkPolicy"
	is_host(s)
} else := []

# The CRD declares enableDefaultDeny an object of booleans (pkg/policy/api/rule.go
# DefaultDenyConfig, *bool), so the API server refuses anything else, e.g. "false" quoted.
default_deny_types(s) := [[["enableDefaultDeny"], sprintf("enableDefaultDeny must be an object such as {ingress: false}, got %s: the API server refuses the policy (pkg/policy/api/rule.go DefaultDenyConfig)", [json.marshal(s.enableDefaultDeny)])]] if {
	s.enableDefaultDeny != null
	not is_object(s.enableDefaultDeny)
} else := [[["enableDefaultDeny", d], sprintf("enableDefaultDeny.%s must be true or false, got %s: the CRD declares it boolean, so the API server refuses the policy (pkg/policy/api/rule.go DefaultDenyConfig)", [d, json.marshal(v)])] |
	is_object(s.enableDefaultDeny)
	some d in ["ingress", "egress"]
	v := object.get(s.enableDefaultDeny, d, null)
	v != null
	not is_boolean(v)
]

# shape_refusals(s) lists what the CRD's schema refuses inside the rules of spec s
# (pkg/k8s/apis/cilium.io/client/crds/v2): a rule or an icmps entry that is no object,
# fields that are no list of objects, and CIDRs the API server's `format: cidr` check
# refuses (k8s.io/apiextensions-apiserver pkg/apiserver/validation/formats.go, kube-openapi
# strfmt isCIDR: a bare address needs its /32 or /128).
shape_refusals(s) := [] if {
	count(shaped_rules(s)) == 0 # first: most specs have no field whose shape is checked
	count(spec_rules(s)) == sum([count(list(s, k)) | some k in rule_lists]) # every rule an object
} else := array.concat(
	array.concat(
		[[[k, i], sprintf("%s[%d] must be a rule (an object such as {fromEntities: [world]}), got %s: the API server refuses the policy", [k, i, json.marshal(rule)])] |
			some k in rule_lists
			some i, rule in list(s, k)
			not is_object(rule)
		],
		icmps_shape(s),
	),
	bad_cidrs(s),
)

icmps_shape(s) := array.concat(
	array.concat(
		[[[k, i, "icmps", j], sprintf("%s[%d].icmps[%d] must be an object such as {fields: [{type: PacketTooBig, family: IPv6}]}, got %s: the API server refuses the policy", [k, i, j, json.marshal(icmp)])] |
			some [k, i, rule] in shaped_rules(s)
			some j, icmp in list(rule, "icmps")
			not is_object(icmp)
		],
		[[[k, i, "icmps", j, "fields"], sprintf("%s[%d].icmps[%d].fields must be a list such as [{type: PacketTooBig, family: IPv6}], got %s: the API server refuses the policy", [k, i, j, json.marshal(icmp.fields)])] |
			some [k, i, rule] in shaped_rules(s)
			some j, icmp in list(rule, "icmps")
			icmp.fields != null
			not is_array(icmp.fields)
		],
	),
	[[[k, i, "icmps", j, "fields", n], sprintf("%s[%d].icmps[%d].fields[%d] must be an object such as {type: PacketTooBig, family: IPv6}, got %s: the API server refuses the policy", [k, i, j, n, json.marshal(f)])] |
		some [k, i, rule] in shaped_rules(s)
		some j, icmp in list(rule, "icmps")
		is_object(icmp)
		some n, f in list(icmp, "fields")
		not is_object(f)
	],
)

# shaped_rules(s) are the rules of spec s with a field whose inner shape the CRD checks:
# most rules have none, and every policy is checked.
shaped_rules(s) := [r |
	some r in spec_rules(s)
	count(object.filter(r[2], shaped_fields)) > 0
]

shaped_fields := ["icmps", "fromCIDR", "toCIDR", "fromCIDRSet", "toCIDRSet"]

cidr_lists := ["fromCIDR", "toCIDR"]

cidr_set_lists := ["fromCIDRSet", "toCIDRSet"]

bad_cidrs(s) := array.concat(
	[[[k, i, field, n], cidr_message(sprintf("%s[%d].%s[%d]", [k, i, field, n]), c)] |
		some [k, i, rule] in shaped_rules(s)
		some field in cidr_lists
		some n, c in list(rule, field)
		not valid_cidr(c)
	],
	[[[k, i, field, n, "cidr"], cidr_message(sprintf("%s[%d].%s[%d].cidr", [k, i, field, n]), c.cidr)] |
		some [k, i, rule] in shaped_rules(s)
		some field in cidr_set_lists
		some n, c in list(rule, field)
		c.cidr != null
		not valid_cidr(c.cidr)
	],
)

default valid_cidr(_) := false

valid_cidr(c) if {
	is_string(c)
	net.cidr_is_valid(c)
}

# The API server parses with netutils.ParseCIDRSloppy, which takes IPv4 octets with leading
# zeros (010.0.0.0/8); net.cidr_is_valid does not, so drop them first.
valid_cidr(c) if {
	is_string(c)
	not contains(c, ":")
	net.cidr_is_valid(regex.replace(c, `(^|\.)0+([0-9])`, "$1$2"))
}

cidr_message(where, c) := sprintf("%s is %s, not a CIDR such as 192.0.2.0/24 or 2001:db8::/32 (a single address needs /32 or /128): the CRD declares `format: cidr`, so the API server refuses the policy", [where, json.marshal(c)])
