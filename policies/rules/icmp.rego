# ICMP rules: do network policies let path-MTU discovery's signals through?
# The datapath facts behind every verdict are in policies/lib/netpol.rego.
package mtuguard.rules.icmp

import data.mtuguard.lib.cilium
import data.mtuguard.lib.finding
import data.mtuguard.lib.netpol
import data.mtuguard.lib.objects

# cluster(o) is the Cilium setup a policy runs under: its cluster's settings when that
# config is in scope, else Cilium's defaults (and `known` false, so messages say so).
cluster(o) := object.union(cilium.settings[o.cluster], {"known": true}) if cilium.settings[o.cluster]

cluster(o) := {
	"known": false, "allow_icmp_frag_needed": true, "host_firewall": false,
	"ipv4": true, "ipv6": true, "underlay": "ipv4",
} if not cilium.settings[o.cluster]

assumption(c) := "" if c.known

assumption(c) := " (no Cilium config for this cluster in scope: assuming Cilium's defaults)" if not c.known

family_name := {"IPv4": "ICMPv4 DestinationUnreachable (type 3; code 4 = fragmentation needed)", "IPv6": "ICMPv6 PacketTooBig (type 2)"}

# relevant(c): a deny of a family the cluster does not run is moot.
relevant(c) := families(c) if c.known

relevant(c) := {"IPv4", "IPv6"} if not c.known

# families(c) are the address families whose signals matter in the cluster.
families(c) := {f | some f, on in {"IPv4": c.ipv4, "IPv6": c.ipv6}; on}

# METADATA
# title: Network policy denies the ICMP errors path-MTU discovery needs
# description: |
#   A deny rule (`ingressDeny`, or `egressDeny` for what an endpoint must send) matches
#   ICMPv4 type 3 (DestinationUnreachable; code 4 = fragmentation needed) or ICMPv6 type 2
#   (PacketTooBig), by `icmps` (number or name) or by a `toPorts` protocol ICMP/ICMPv6/ANY
#   without a port. Deny wins over every allow. Cilium still accepts ICMPv4
#   fragmentation-needed before policy while `allow-icmp-frag-needed` is true (the default),
#   so the IPv4 case is latent; there is no such bypass for PacketTooBig, so the IPv6 case
#   drops every PacketTooBig conntrack does not relate to one of the endpoint's own
#   connections.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp001
# custom:
#   id: ICMP001
#   severity: error
#   applies_to: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy
#   remediation: |
#     Remove DestinationUnreachable (IPv4 3) and PacketTooBig (IPv6 2) from the deny rule;
#     to stop ping, deny EchoRequest (IPv4 8, IPv6 128) instead.
ICMP001 contains f if {
	some x in netpol.focused_specs
	c := cluster(x.object)
	some family in relevant(c)
	some i in netpol.denies(x.spec, family)
	rule := x.spec.ingressDeny[i]
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, ["ingressDeny", i])}, {
		"message": sprintf("ingressDeny rule %d of %s denies %s by %s: %s%s", [i, netpol.subject(x.spec), family_name[family], netpol.how(rule, family), ingress_effect(family, c, x.spec), assumption(c)]),
		"remediation": sprintf("Remove the %s match from this ingressDeny rule (deny wins over any allow). To block ping, deny EchoRequest (IPv4 type 8, IPv6 type 128) instead.", [family_name[family]]),
	})
}

ICMP001 contains f if {
	some x in netpol.focused_specs
	c := cluster(x.object)
	some family in relevant(c)
	some i in netpol.egress_denies(x.spec, family)
	rule := x.spec.egressDeny[i]
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, ["egressDeny", i])}, {
		"message": sprintf("egressDeny rule %d of %s denies sending %s by %s: when they forward traffic (gateways, VPN or proxy pods, nodes) senders never learn the path MTU, and large packets through them are lost silently%s", [i, netpol.subject(x.spec), family_name[family], netpol.how(rule, family), assumption(c)]),
		"remediation": sprintf("Remove the %s match from this egressDeny rule.", [family_name[family]]),
	})
}

ingress_effect("IPv4", c, s) := "latent while enable-host-firewall is false: host policies are not enforced, but the rule takes effect when the host firewall is turned on" if {
	netpol.is_host(s)
	c.known
	not c.host_firewall
} else := "live: allow-icmp-frag-needed is false in this cluster's Cilium config, so fragmentation-needed from routers is dropped and path-MTU discovery fails" if {
	c.allow_icmp_frag_needed == false
} else := "latent today: while allow-icmp-frag-needed is true (Cilium's default) the datapath accepts ICMPv4 fragmentation-needed before any policy lookup, deny rules included (bpf/lib/policy.h); the rule drops the other DestinationUnreachable codes now and fragmentation-needed as soon as that option is turned off"

ingress_effect("IPv6", c, s) := "latent while enable-host-firewall is false: host policies are not enforced, but the rule takes effect when the host firewall is turned on" if {
	netpol.is_host(s)
	c.known
	not c.host_firewall
} else := "live: Cilium has no bypass for PacketTooBig; only errors conntrack relates to a connection of the selected endpoints (CT_RELATED) get through, so PacketTooBig for anything else (SNATed, forwarded or node traffic) is dropped and IPv6 path-MTU discovery fails"

# METADATA
# title: Host firewall drops the router's MTU signal to nodes
# description: |
#   A host policy (CiliumClusterwideNetworkPolicy with `nodeSelector`) puts nodes in ingress
#   default-deny while the host firewall is enabled, and does not allow the signal a router
#   sends about an encapsulated packet, which is addressed to the node and belongs to no pod
#   connection: ICMPv6 PacketTooBig with an IPv6 underlay, or ICMPv4 fragmentation-needed
#   when the cluster sets `allow-icmp-frag-needed` to false. Fires only when the cluster's
#   Cilium config is in scope.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp002
# custom:
#   id: ICMP002
#   severity: error
#   applies_to: CiliumClusterwideNetworkPolicy (host policy)
#   remediation: |
#     Allow the signal from `world` and `remote-node` in the host policy (`icmps` with
#     PacketTooBig / DestinationUnreachable), or keep `allow-icmp-frag-needed` true.
ICMP002 contains f if {
	some x in netpol.focused_specs
	x.host
	netpol.default_deny(x.spec)
	c := cluster(x.object)
	c.known
	c.host_firewall
	missing := host_missing(x, c)
	count(missing) > 0
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, ["nodeSelector"])}, {
		"message": sprintf("this host policy puts nodes in ingress default-deny with the host firewall enabled, and nothing allows %s from routers or remote nodes: %s", [concat(" or ", [family_name[m] | some m in sort(missing)]), concat("; ", [host_reason(m) | some m in sort(missing)])]),
		"remediation": sprintf("Add to the host policy's ingress:\n%s\n(and `fromEntities: [remote-node]` with the same icmps if remote nodes route for each other)", [netpol.snippet(missing)]),
	})
}

host_missing(x, c) := {m |
	some m in {"IPv4", "IPv6"}
	host_needs(m, c)
	not host_allowed(x, m)
}

host_needs("IPv6", c) if c.underlay == "ipv6"

host_needs("IPv4", c) if c.allow_icmp_frag_needed == false

# Any host policy of the cluster allowing the signal counts: node selectors overlap often.
host_allowed(x, family) if {
	some y in netpol.cluster_specs(x.object.cluster)
	y.host
	netpol.allows(y.spec, family)
}

host_reason("IPv6") := "the underlay is IPv6, so routers report oversized tunnel packets with PacketTooBig, which Cilium never exempts from policy"

host_reason("IPv4") := "allow-icmp-frag-needed is false, so fragmentation-needed is subject to policy like any other packet"

# METADATA
# title: Default-deny without an explicit allowance for MTU signals
# description: |
#   Endpoints or nodes are in ingress default-deny and no rule allows fragmentation-needed /
#   PacketTooBig. It works today only because of Cilium's defaults: CT_RELATED lets errors
#   about tracked connections through, and `allow-icmp-frag-needed` lets ICMPv4 code 4
#   through. Errors about untracked traffic (SNAT, forwarding) are dropped. Kubernetes
#   NetworkPolicy cannot express ICMP at all.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp003
# custom:
#   id: ICMP003
#   severity: warning
#   applies_to: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy
#   remediation: |
#     Allow DestinationUnreachable (IPv4) and PacketTooBig (IPv6) from `world` with an
#     `icmps` ingress rule, in this policy or in one that selects all pods of the namespace.
ICMP003 contains f if {
	some x in netpol.focused_specs
	netpol.default_deny(x.spec)
	c := cluster(x.object)
	enforced(x, c)
	not icmp002_fires(x, c)
	missing := {m | some m in families(c); not netpol.allows(x.spec, m); count(netpol.denies(x.spec, m)) == 0}
	count(missing) > 0
	not netpol.covered(x) # last: it looks at every policy of the cluster
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, [default_deny_field(x.spec)])}, {
		"message": sprintf("%s are in ingress default-deny and no rule allows %s from routers: it works today only because %s%s", [netpol.subject(x.spec), concat(" or ", [family_name[m] | some m in sort(missing)]), defaults_text(missing, c), assumption(c)]),
		"remediation": sprintf("Add an explicit allowance to this policy:\n%s", [netpol.snippet(missing)]),
	})
}

ICMP003 contains f if {
	some o in objects.focus
	o.kind == "NetworkPolicy"
	netpol.k8s_default_deny(o.object)
	not netpol.k8s_allows_all(o.object)
	not netpol.k8s_covered(o)
	c := cluster(o)
	f := finding.new({"object": o.id, "path": ["spec", "policyTypes"]}, {
		"message": sprintf("this NetworkPolicy isolates its pods for ingress, and Kubernetes NetworkPolicy cannot express ICMP, so nothing can allow fragmentation-needed or PacketTooBig here: it works today only because %s%s", [defaults_text(families(c), c), assumption(c)]),
		"remediation": sprintf("Add a CiliumNetworkPolicy in this namespace with `endpointSelector: {}` and:\n%s", [netpol.snippet(families(c))]),
	})
}

enforced(x, _) if not x.host

enforced(x, c) if {
	x.host
	c.host_firewall
}

enforced(x, c) if {
	x.host
	not c.known
}

icmp002_fires(x, c) if {
	x.host
	c.known
	c.host_firewall
	count(host_missing(x, c)) > 0
}

default_deny_field(s) := "enableDefaultDeny" if s.enableDefaultDeny.ingress == true

default_deny_field(s) := "ingress" if {
	not s.enableDefaultDeny.ingress == true
	s.ingress
}

default_deny_field(s) := "ingressDeny" if {
	not s.enableDefaultDeny.ingress == true
	not s.ingress
}

defaults_text(missing, c) := concat(" and ", [default_text(m, c) | some m in sort(missing)])

default_text("IPv4", c) := "allow-icmp-frag-needed (default true) lets ICMPv4 fragmentation-needed through" if c.allow_icmp_frag_needed

default_text("IPv4", c) := "conntrack lets errors about tracked connections through (CT_RELATED) — and allow-icmp-frag-needed is false here, so fragmentation-needed for anything else is dropped" if not c.allow_icmp_frag_needed

default_text("IPv6", _) := "conntrack lets PacketTooBig about tracked connections through (CT_RELATED); PacketTooBig about SNATed or forwarded traffic is dropped"

# METADATA
# title: allow-icmp-frag-needed disabled under default-deny policies
# description: |
#   `allow-icmp-frag-needed: "false"` makes ICMPv4 fragmentation-needed subject to policy.
#   Wherever policies put endpoints or nodes in ingress default-deny without allowing it,
#   path-MTU discovery breaks. A warning when no such policy is in scope (yet).
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp004
# custom:
#   id: ICMP004
#   severity: error
#   applies_to: Cilium config
#   remediation: |
#     Remove `allow-icmp-frag-needed: "false"` (the default is true), or allow
#     DestinationUnreachable explicitly in every default-deny policy.
ICMP004 contains f if {
	some c, s in cilium.settings
	s.allow_icmp_frag_needed == false
	at := cilium.at(c, "allow-icmp-frag-needed")
	objects.focused(at.object)
	blocking := sort([policy_name(o) | some o in blocking_policies(c)])
	f := finding.with_severity(at, icmp004_text(blocking), icmp004_severity(blocking))
}

icmp004_severity(blocking) := "error" if count(blocking) > 0

icmp004_severity(blocking) := "warning" if count(blocking) == 0

icmp004_text(blocking) := {
	"message": sprintf("allow-icmp-frag-needed is false, so ICMPv4 fragmentation-needed is subject to policy, and %s put endpoints in ingress default-deny without allowing it: only fragmentation-needed that conntrack relates to their own connections (CT_RELATED) still gets through; for SNATed and forwarded traffic it is dropped and path-MTU discovery breaks.", [concat(", ", blocking)]),
	"remediation": "Remove allow-icmp-frag-needed: \"false\" (Cilium's default is true), or add an icmps allowance for DestinationUnreachable (IPv4) from world to each of those policies.",
} if count(blocking) > 0

icmp004_text(blocking) := {
	"message": "allow-icmp-frag-needed is false, so ICMPv4 fragmentation-needed is subject to policy: any policy that puts endpoints in ingress default-deny without allowing it will break path-MTU discovery (none is in scope of this run).",
	"remediation": "Remove allow-icmp-frag-needed: \"false\" (Cilium's default is true), or make sure every default-deny policy allows DestinationUnreachable (IPv4) from world.",
} if count(blocking) == 0

blocking_policies(c) := {x.object |
	some x in netpol.cluster_specs(c)
	netpol.default_deny(x.spec)
	not netpol.allows(x.spec, "IPv4")
	not netpol.covered(x)
	not skip_host(x, c)
} | {o |
	some o in objects.kind("NetworkPolicy")
	o.cluster == c
	netpol.k8s_default_deny(o.object)
	not netpol.k8s_allows_all(o.object)
	not netpol.k8s_covered(o)
}

skip_host(x, c) if {
	x.host
	not cilium.settings[c].host_firewall
}

policy_name(o) := sprintf("%s %s", [o.kind, object.get(o.object, ["metadata", "name"], "(unnamed)")])
