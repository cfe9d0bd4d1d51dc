# ICMP rules: do network policies let path-MTU discovery's signals through?
# The datapath facts behind every verdict, with their Cilium sources, are in
# policies/lib/netpol.rego.
package mtuguard.rules.icmp

import data.mtuguard.lib.cilium
import data.mtuguard.lib.finding
import data.mtuguard.lib.netpol
import data.mtuguard.lib.objects

family_name := {"IPv4": "ICMPv4 DestinationUnreachable (type 3; code 4 = fragmentation needed)", "IPv6": "ICMPv6 PacketTooBig (type 2)"}

# assumption(c, host) tells the reader when no Cilium config applies to the policy: the run
# holds none, or the policy's file is outside every cluster's directory (a shared base, or
# several clusters side by side).
assumption(c, _) := "" if c.known

assumption(c, host) := " (no Cilium config in this run applies to it: none is in scope, or its file is in no single cluster's directory; assuming Cilium's defaults, and the host firewall on, since a host policy only takes effect with it)" if {
	not c.known
	host
}

assumption(c, host) := " (no Cilium config in this run applies to it: none is in scope, or its file is in no single cluster's directory; assuming Cilium's defaults)" if {
	not c.known
	not host
}

# Why a router's error meets policy at all (bpf/lib/conntrack.h): said once, reused.
not_related := "a router's error is never CT_RELATED (Cilium relates an ICMP error to a connection only when the connection's peer sends it, bpf/lib/conntrack.h)"

# METADATA
# title: Network policy denies the ICMP errors path-MTU discovery needs
# description: |
#   A deny rule drops ICMPv4 type 3 (DestinationUnreachable; code 4 = fragmentation needed)
#   or ICMPv6 type 2 (PacketTooBig) from the routers that send them: `ingressDeny` with
#   `icmps` naming the type (by number or name; type 0 too, which Cilium 1.20 reads as every
#   type), or an L3-only `ingressDeny` of `world`/`all`, which covers every protocol. An
#   `egressDeny` with such `icmps` stops endpoints that forward traffic from sending them.
#   Deny wins over every allow. A router's error is never related to a connection in
#   Cilium's conntrack, so it meets policy: ICMPv4 fragmentation-needed still passes while
#   `allow-icmp-frag-needed` is true (the default), so the IPv4 case is latent; there is no
#   such bypass for PacketTooBig, so the IPv6 case drops it. Host policies cannot drop
#   PacketTooBig: the host firewall lets ICMPv6 types 1-4 through before any host policy,
#   so for them only the IPv4 case is reported.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp001
# custom:
#   id: ICMP001
#   severity: error
#   applies_to: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy
#   kinds: [CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy]
#   remediation: |
#     Remove DestinationUnreachable (IPv4 3), PacketTooBig (IPv6 2) and type 0 from the deny
#     rule's icmps; narrow an L3-only deny of world to `toPorts: [{ports: [{port: "0",
#     protocol: ANY}]}]` (TCP, UDP and SCTP). To stop ping, deny EchoRequest instead.
ICMP001 contains f if {
	some x in netpol.focused_specs
	x.spec.ingressDeny # first: most policies have none
	c := x.cluster
	some family in netpol.judged_families(c, x.host) # not PacketTooBig for nodes: the host firewall never judges it
	some i in netpol.denies(x.spec, family)
	rule := x.spec.ingressDeny[i]
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, ["ingressDeny", i])}, {
		"message": sprintf("ingressDeny rule %d of %s drops %s from %s, by %s: %s%s", [i, netpol.subject(x.host), family_name[family], peer_text(rule, family), netpol.how(rule, family), ingress_effect(family, c, x), assumption(c, x.host)]),
		"remediation": deny_remediation(rule, family, "ingressDeny"),
	})
}

ICMP001 contains f if {
	some x in netpol.focused_specs
	x.spec.egressDeny
	c := x.cluster
	some family in netpol.judged_families(c, x.host)
	some i in netpol.egress_denies(x.spec, family)
	rule := x.spec.egressDeny[i]
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, ["egressDeny", i])}, {
		"message": sprintf("egressDeny rule %d of %s stops them sending %s, by %s: those that forward traffic (gateways, VPN or proxy pods, nodes) can no longer tell senders the path MTU, and large packets through them are lost silently; %s%s", [i, netpol.subject(x.host), family_name[family], netpol.how(rule, family), egress_effect(family, c, x), assumption(c, x.host)]),
		"remediation": deny_remediation(rule, family, "egressDeny"),
	})
}

peer_text(rule, family) := "the routers on the path (they are `world` to Cilium)" if {
	netpol.selects_router(rule, family)
} else := "the routers on the path (they are `world` to Cilium)" if {
	netpol.broad_router(rule, family)
} else := "nodes"

# Effects, in order: not enforced at all, then what the datapath does.
ingress_effect(family, c, x) := sprintf("latent: %s", [unenforced(c, x)]) if {
	unenforced(c, x)
} else := sprintf("live: allow-icmp-frag-needed is false in this cluster and %s, so fragmentation-needed from routers is dropped and IPv4 path-MTU discovery fails for them", [not_related]) if {
	family == "IPv4"
	c.allow_icmp_frag_needed == false
} else := "latent for fragmentation-needed: while allow-icmp-frag-needed is true (Cilium's default) bpf/lib/policy.h accepts ICMPv4 type 3 code 4 before any policy lookup, deny rules included; the rule drops the other DestinationUnreachable codes now, and fragmentation-needed as soon as that option is turned off" if {
	family == "IPv4"
} else := sprintf("live: Cilium has no bypass for PacketTooBig, and %s, so every PacketTooBig a router sends them is dropped and IPv6 path-MTU discovery fails for them", [not_related])

egress_effect(family, c, x) := sprintf("latent: %s", [unenforced(c, x)]) if {
	unenforced(c, x)
} else := "latent for fragmentation-needed while allow-icmp-frag-needed is true (Cilium's default): bpf/lib/policy.h accepts it before policy in both directions; the rule drops it once that option is turned off" if {
	family == "IPv4"
	c.allow_icmp_frag_needed != false
} else := "live: nothing exempts it from this deny"

unenforced(c, x) := "Cilium refuses this whole policy while enable-icmp-rules is false (pkg/policy/api/rule_validation.go); the deny takes effect once ICMP rules are enabled" if {
	netpol.refused(x.spec, c)
} else := "enable-host-firewall is false in this cluster, so host policies are not enforced; the deny takes effect when the host firewall is turned on" if {
	x.host
	c.known
	not c.host_firewall
}

deny_remediation(rule, family, field) := sprintf("Drop type 0 (EchoReply) from this %s rule's icmps: Cilium 1.20 reads it as every ICMP type of the family (cilium/cilium#41304). To stop ping, deny EchoRequest (IPv4 type 8, IPv6 type 128) instead.", [field]) if {
	netpol.icmps_covers(rule, family)
	not netpol.exact_type(rule, family)
} else := sprintf("Remove %s from this %s rule's icmps: deny wins over every allow, so nothing else can let it back in. To stop ping, deny EchoRequest (IPv4 type 8, IPv6 type 128) instead.", [family_name[family], field]) if {
	netpol.icmps_covers(rule, family)
} else := "Narrow this deny to transport protocols so ICMP errors still arrive: add `toPorts: [{ports: [{port: \"0\", protocol: ANY}]}]` to it (ANY covers TCP, UDP and SCTP only). To block ping as well, add a separate ingressDeny rule from the same peers with `icmps: [{fields: [{type: EchoRequest, family: IPv4}, {type: EchoRequest, family: IPv6}]}]`."

# METADATA
# title: Host firewall drops the router's MTU signal to nodes
# description: |
#   A host policy (CiliumClusterwideNetworkPolicy with `nodeSelector`) puts nodes in ingress
#   default-deny while the host firewall is enabled and `allow-icmp-frag-needed` is false,
#   and no host policy allows ICMPv4 fragmentation-needed from routers. The router's signal
#   about an encapsulated packet is addressed to the node and never related to a connection
#   in Cilium's conntrack, so the host firewall drops it as new traffic from `world` and
#   oversized tunnel packets vanish. ICMPv6 PacketTooBig is unaffected: the host firewall
#   lets ICMPv6 types 1-4 through before any host policy. Fires only when the cluster's
#   Cilium config is in scope.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp002
# custom:
#   id: ICMP002
#   severity: error
#   applies_to: CiliumClusterwideNetworkPolicy (host policy)
#   kinds: [CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy]
#   remediation: |
#     Allow DestinationUnreachable (IPv4) from `world` in the host policy, or keep
#     `allow-icmp-frag-needed` true.
ICMP002 contains f if {
	some x in netpol.focused_specs
	x.host
	c := x.cluster
	c.known
	c.host_firewall
	netpol.default_deny(x.spec, c)
	not netpol.refused(x.spec, c)
	missing := host_missing(x, c)
	count(missing) > 0
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, ["nodeSelector"])}, {
		"message": sprintf("this host policy puts nodes in ingress default-deny with the host firewall enabled, and no host policy allows %s from routers: %s.", [concat(" or ", [family_name[m] | some m in sort(missing)]), concat("; ", [host_reason(m) | some m in sort(missing)])]),
		"remediation": sprintf("%sAdd to the host policy's ingress:\n%s%s", [netpol.icmp_rules_note(c), netpol.snippet(missing), host_alternative(missing)]),
	})
}

# Only fragmentation-needed can be missing: PacketTooBig (an IPv6 underlay's signal) never
# meets the host firewall (bpf/lib/icmp6.h icmp6_host_handle: SKIP_HOST_FIREWALL for ICMPv6
# types 1-4; bpf/bpf_host.c skips the host policy lookup).
host_missing(x, c) := {m |
	m := "IPv4"
	host_needs(m, c)
	not netpol.allows(x.spec, m)
	not netpol.covered(x, m)
}

host_needs("IPv4", c) if {
	c.allow_icmp_frag_needed == false
	c.ipv4
}

host_reason("IPv4") := "allow-icmp-frag-needed is false, so the router's fragmentation-needed about an encapsulated packet meets the host firewall as new traffic from world and is dropped; oversized tunnel packets vanish"

host_alternative(missing) := "\n(or keep allow-icmp-frag-needed true, Cilium's default, for fragmentation-needed)" if "IPv4" in missing

host_alternative(missing) := "" if not "IPv4" in missing

default icmp002_fires(_, _) := false

icmp002_fires(x, c) if {
	x.host
	c.known
	c.host_firewall
	count(host_missing(x, c)) > 0
}

# METADATA
# title: Default-deny without an explicit allowance for MTU signals
# description: |
#   Endpoints or nodes are in ingress default-deny and no policy allows fragmentation-needed
#   / PacketTooBig from routers. A router's error is never related to a connection in
#   Cilium's conntrack, so it meets policy: ICMPv4 fragmentation-needed passes only thanks to
#   `allow-icmp-frag-needed` (default true); PacketTooBig has no such bypass and is dropped
#   wherever routers send it to these endpoints (native routing, unmasqueraded IPv6, and
#   masqueraded pod traffic, whose PacketTooBig the reverse NAT hands to the pod). For nodes
#   only fragmentation-needed counts: the host firewall lets PacketTooBig through.
#   Kubernetes NetworkPolicy cannot name ICMP types at all. A NetworkPolicy with
#   `podSelector: {}` and an ingress rule without ports counts as an allowance for its
#   namespace.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp003
# custom:
#   id: ICMP003
#   severity: warning
#   applies_to: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy
#   kinds: [CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy]
#   remediation: |
#     Allow DestinationUnreachable (IPv4) and PacketTooBig (IPv6) from `world` with an
#     `icmps` ingress rule, in this policy or in one that selects all pods of the namespace.
ICMP003 contains f if {
	some x in netpol.focused_specs
	c := x.cluster
	netpol.default_deny(x.spec, c)
	netpol.enforced(x, c)
	not icmp002_fires(x, c)
	unallowed := {m | some m in netpol.judged_families(c, x.host); not netpol.allows(x.spec, m); count(netpol.denies(x.spec, m)) == 0}
	count(unallowed) > 0
	missing := unallowed - netpol.covered_families(x) # last: it looks at other policies
	count(missing) > 0
	f := finding.new({"object": x.object.id, "path": array.concat(x.path, [default_deny_field(x.spec)])}, icmp003_text(missing, c, x.host))
}

# The text depends on the cluster, the families and the kind of subject only: a function of
# those, so OPA builds it once per combination rather than once per policy.
icmp003_text(missing, c, host) := {
	"message": sprintf("%s are in ingress default-deny and nothing allows %s from routers (`world` to Cilium); %s, so it meets this policy. %s.%s", [netpol.subject(host), concat(" or ", [family_name[m] | some m in sort(missing)]), not_related, defaults_text(missing, c, host), assumption(c, host)]),
	"remediation": sprintf("%sAdd an explicit allowance to this policy:\n%s", [netpol.icmp_rules_note(c), netpol.snippet(missing)]),
}

ICMP003 contains f if {
	some o in objects.focus
	o.kind == "NetworkPolicy"
	netpol.k8s_default_deny(o.object)
	c := netpol.cluster(o)
	unallowed := {m | some m in c.families; not netpol.k8s_allows(o.object, m)}
	count(unallowed) > 0
	missing := unallowed - netpol.covered_families({"object": o, "host": false})
	count(missing) > 0
	f := finding.new({"object": o.id, "path": k8s_path(o.object)}, {
		"message": sprintf("this NetworkPolicy isolates its pods for ingress (Cilium enforces it as ingress default-deny), and a NetworkPolicy cannot name ICMP types: its ports take TCP, UDP and SCTP only, and only a rule without ports (every protocol) from an ipBlock or from everywhere admits routers' ICMP. Nothing lets %s in; %s, so it meets this policy. %s.%s", [concat(" or ", [family_name[m] | some m in sort(missing)]), not_related, defaults_text(missing, c, false), assumption(c, false)]),
		"remediation": sprintf("%sAdd a CiliumNetworkPolicy in namespace %q selecting the same pods (`endpointSelector: {}` for all of them) with:\n%s", [netpol.icmp_rules_note(c), object.get(o.object, ["metadata", "namespace"], "default"), netpol.snippet(missing)]),
	})
}

k8s_path(np) := ["spec", "policyTypes"] if np.spec.policyTypes

k8s_path(np) := ["spec", "ingress"] if {
	not np.spec.policyTypes
	np.spec.ingress
}

k8s_path(np) := ["spec"] if {
	not np.spec.policyTypes
	not np.spec.ingress
}

default_deny_field(s) := "enableDefaultDeny" if {
	s.enableDefaultDeny.ingress == true
} else := "ingress" if {
	s.ingress
} else := "ingressDeny"

defaults_text(missing, c, host) := concat("; ", [default_text(m, c, host) | some m in sort(missing)])

default_text("IPv4", c, _) := "ICMPv4 fragmentation-needed gets through only because allow-icmp-frag-needed is true (Cilium's default), which accepts it before any policy lookup (bpf/lib/policy.h)" if c.allow_icmp_frag_needed

default_text("IPv4", c, _) := "allow-icmp-frag-needed is false in this cluster, so fragmentation-needed from routers is dropped here now (see ICMP004 on the Cilium config)" if not c.allow_icmp_frag_needed

default_text("IPv6", c, false) := sprintf("PacketTooBig has no bypass like allow-icmp-frag-needed, so PacketTooBig that routers send these pods is dropped; %s", [ipv6_exposure(c)])

# Masquerading does not shield pods: bpf/lib/nat.h snat_v6_rev_nat translates a PacketTooBig
# addressed to the node back to the pod (from the packet it quotes), and the pod's ingress
# policy meets it as CT_NEW.
ipv6_exposure(c) := "this cluster routes natively, so routers on the pods' IPv6 paths address them directly and path-MTU discovery fails now" if {
	c.known
	c.routing_mode == "native"
} else := "in tunnel mode only PacketTooBig about encapsulated pod-to-pod traffic stops at the node: routers address PacketTooBig about masqueraded pod traffic to the node, and the reverse NAT hands it to the pod (bpf/lib/nat.h snat_v6_rev_nat), where it meets this policy as new traffic; unmasqueraded IPv6 gets it directly"

# METADATA
# title: allow-icmp-frag-needed disabled under default-deny policies
# description: |
#   `allow-icmp-frag-needed: "false"` makes ICMPv4 fragmentation-needed subject to policy.
#   A router's error is never related to a connection in Cilium's conntrack, so wherever
#   policies put endpoints or nodes in ingress default-deny without allowing it from routers,
#   it is dropped and path-MTU discovery breaks. A warning when no such policy is in scope.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#icmp004
# custom:
#   id: ICMP004
#   severity: error
#   applies_to: Cilium config
#   kinds: [CiliumConfig]
#   remediation: |
#     Remove `allow-icmp-frag-needed: "false"` (the default is true), or allow
#     DestinationUnreachable explicitly in every default-deny policy.
ICMP004 contains f if {
	"CiliumConfig" in objects.focused_kinds
	some c, s in cilium.settings
	s.allow_icmp_frag_needed == false
	s.ipv4
	at := cilium.at(c, "allow-icmp-frag-needed")
	objects.focused(at.object)
	blocking := sort([policy_name(o) | some o in blocking_policies(c)])
	f := finding.with_severity(at, icmp004_text(blocking, c), icmp004_severity(blocking))
}

icmp004_severity(blocking) := "error" if count(blocking) > 0

icmp004_severity(blocking) := "warning" if count(blocking) == 0

icmp004_text(blocking, c) := {
	"message": sprintf("allow-icmp-frag-needed is false, so ICMPv4 fragmentation-needed meets policy like any packet, and %s put endpoints or nodes in ingress default-deny without allowing it: %s, so they drop every fragmentation-needed routers send and IPv4 path-MTU discovery fails for them.", [concat(", ", blocking), not_related]),
	"remediation": sprintf("%s, or add to each of those policies:\n%s", [restore_bypass(c), netpol.snippet({"IPv4"})]),
} if count(blocking) > 0

icmp004_text(blocking, c) := {
	"message": sprintf("allow-icmp-frag-needed is false, so ICMPv4 fragmentation-needed meets policy like any packet, and %s: any policy that puts endpoints in ingress default-deny without allowing it from routers will break IPv4 path-MTU discovery (none is in scope of this run).", [not_related]),
	"remediation": sprintf("%s, or make sure every default-deny policy allows DestinationUnreachable (IPv4) from world.", [restore_bypass(c)]),
} if count(blocking) == 0

restore_bypass(c) := "Remove allow-icmp-frag-needed from the Helm values' extraConfig (Cilium's default is true)" if {
	cilium.form[c] == "helm"
} else := "Remove allow-icmp-frag-needed: \"false\" from the cilium-config ConfigMap (Cilium's default is true)"

blocking_policies(c) := {x.object |
	some x in netpol.cluster_specs(c)
	cc := x.cluster
	netpol.default_deny(x.spec, cc)
	netpol.enforced(x, cc)
	not netpol.allows(x.spec, "IPv4")
	not netpol.covered(x, "IPv4")
} | {o |
	some o in objects.kind("NetworkPolicy")
	o.cluster == c
	netpol.k8s_default_deny(o.object)
	not netpol.k8s_allows(o.object, "IPv4")
	not netpol.k8s_covered(o, "IPv4")
}

policy_name(o) := sprintf("%s %s", [o.kind, object.get(o.object, ["metadata", "name"], "(unnamed)")])
