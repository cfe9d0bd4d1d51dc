package mtuguard.lib.netpol_test

import data.mtuguard.lib.netpol
import data.mtuguard.test.fixtures

defaults := netpol.assumed

# --- icmps types and families (pkg/policy/api/icmp.go) --------------------------------

test_netpol_field_type_by_name_per_family if {
	netpol.field_type({"type": "DestinationUnreachable"}) == 3
	netpol.field_type({"type": "DestinationUnreachable", "family": "IPv4"}) == 3
	netpol.field_type({"type": "DestinationUnreachable", "family": "IPv6"}) == 1
	netpol.field_type({"type": "PacketTooBig", "family": "IPv6"}) == 2
	netpol.field_type({"type": "EchoReply"}) == 0
}

test_netpol_field_type_by_number if {
	netpol.field_type({"type": 3}) == 3
	netpol.field_type({"type": "2", "family": "IPv6"}) == 2
}

test_netpol_packet_too_big_is_not_an_ipv4_name if {
	not netpol.field_type({"type": "PacketTooBig"})
}

test_netpol_icmps_cover_signal_types if {
	netpol.icmps_covers({"icmps": [{"fields": [{"type": 3}]}]}, "IPv4")
	netpol.icmps_covers({"icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}, "IPv6")
	not netpol.icmps_covers({"icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}, "IPv4")
	not netpol.icmps_covers({"icmps": [{"fields": [{"type": 3, "family": "IPv6"}]}]}, "IPv6")
}

test_netpol_type_0_is_a_wildcard if {
	# port 0 is "any port" (pkg/policy/types/types.go), and the type is the port
	r := {"icmps": [{"fields": [{"type": "EchoReply"}]}]}
	netpol.icmps_covers(r, "IPv4")
	not netpol.exact_type(r, "IPv4")
	netpol.icmps_covers({"icmps": [{"fields": [{"type": 0, "family": "IPv6"}]}]}, "IPv6")
}

# --- protocols and peers --------------------------------------------------------------

test_netpol_l3_only_rule_covers_icmp if {
	netpol.l3_only({"fromEntities": ["world"]})
	netpol.allows({"ingress": [{"fromEntities": ["world"]}]}, "IPv6")
}

test_netpol_toports_any_does_not_cover_icmp if {
	r := {"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "0", "protocol": "ANY"}]}]}
	not netpol.l3_only(r)
	count(netpol.denies({"ingressDeny": [r]}, "IPv4")) == 0
	not netpol.allows({"ingress": [r]}, "IPv6")
}

test_netpol_empty_rule_selects_nothing if {
	not netpol.allows({"ingress": [{}]}, "IPv4")
	netpol.default_deny({"ingress": [{}]}, defaults)
}

test_netpol_empty_peer_list_selects_nothing if {
	not netpol.allows({"ingress": [{"fromEntities": [], "icmps": [{"fields": [{"type": 3}]}]}]}, "IPv4")
}

test_netpol_no_peer_selector_with_icmps_is_every_source if {
	netpol.allows({"ingress": [{"icmps": [{"fields": [{"type": 3}]}]}]}, "IPv4")
}

test_netpol_world_family_entities if {
	netpol.selects_router({"fromEntities": ["world-ipv4"], "toPorts": [{}]}, "IPv4")
	not netpol.selects_router({"fromEntities": ["world-ipv4"]}, "IPv6")
	netpol.selects_router({"fromEntities": ["world-ipv6"]}, "IPv6")
	netpol.selects_router({"fromEntities": ["all"]}, "IPv6")
	not netpol.selects_router({"fromEntities": ["cluster", "remote-node"]}, "IPv4")
}

test_netpol_cidr_families if {
	netpol.selects_router({"fromCIDR": ["10.0.0.0/8"]}, "IPv4")
	not netpol.selects_router({"fromCIDR": ["10.0.0.0/8"]}, "IPv6")
	netpol.selects_router({"fromCIDRSet": [{"cidr": "2001:db8::/32"}]}, "IPv6")
	netpol.selects_router({"fromCIDRSet": [{"cidrGroupRef": "routers"}]}, "IPv6")
}

test_netpol_l3_deny_needs_a_broad_router_peer if {
	count(netpol.denies({"ingressDeny": [{"fromEntities": ["world"]}]}, "IPv6")) == 1
	count(netpol.denies({"ingressDeny": [{"fromCIDR": ["0.0.0.0/0"]}]}, "IPv4")) == 1
	count(netpol.denies({"ingressDeny": [{"fromCIDR": ["198.51.100.0/24"]}]}, "IPv4")) == 0
	count(netpol.denies({"ingressDeny": [{}]}, "IPv4")) == 0
}

# --- default deny (pkg/policy/api/rule_validation.go, pkg/policy/utils/parserules.go) -

test_netpol_default_deny_from_ingress_or_ingress_deny if {
	netpol.default_deny({"ingress": [{"fromEntities": ["cluster"]}]}, defaults)
	netpol.default_deny({"ingressDeny": [{"fromEntities": ["world"]}]}, defaults)
	not netpol.default_deny({"egress": [{"toEntities": ["world"]}]}, defaults)
}

test_netpol_enable_default_deny if {
	not netpol.default_deny({"enableDefaultDeny": {"ingress": false}, "ingress": [{}]}, defaults)
	netpol.default_deny({"enableDefaultDeny": {"ingress": false}, "ingress": [{}]}, object.union(defaults, {"non_default_deny": false}))
	not netpol.default_deny({"enableDefaultDeny": {"ingress": true}, "egress": [{}]}, defaults)
}

test_netpol_icmp_rules_disabled_refuses_policy if {
	s := {"ingress": [{"icmps": [{"fields": [{"type": 3}]}]}]}
	netpol.refused(s, object.union(defaults, {"icmp_rules": false}))
	not netpol.refused(s, defaults)
	not netpol.refused({"ingress": [{}]}, object.union(defaults, {"icmp_rules": false}))
}

test_netpol_host_policy_needs_host_firewall if {
	x := {"host": true, "spec": {"nodeSelector": {}, "ingress": [{}]}}
	not netpol.enforced(x, object.union(defaults, {"known": true}))
	netpol.enforced(x, object.union(defaults, {"known": true, "host_firewall": true}))
	netpol.enforced(x, object.union(defaults, {"known": false}))
}

test_netpol_host_policies_judge_ipv4_only if {
	# bpf/lib/icmp6.h icmp6_host_handle: SKIP_HOST_FIREWALL for ICMPv6 types 1-4
	c := netpol.setup({"known": true})
	netpol.judged_families(c, false) == {"IPv4", "IPv6"}
	netpol.judged_families(c, true) == {"IPv4"}
	netpol.judged_families(netpol.setup({"known": true, "ipv4": false}), true) == set()
}

# --- the cluster's setup -------------------------------------------------------------

test_netpol_cluster_settings_or_defaults if {
	o := fixtures.cnp(1, "a", {})
	c := netpol.cluster(o) with input as fixtures.run([fixtures.configmap(0, "a", {"enable-icmp-rules": "false", "enable-ipv6": "false"}), o])
	c.known
	c.icmp_rules == false
	c.families == {"IPv4"}
	d := netpol.cluster(o) with input as fixtures.run([o])
	not d.known
	d.families == {"IPv4", "IPv6"}
}

# --- Kubernetes NetworkPolicy (pkg/k8s/network_policy.go) -----------------------------

test_netpol_k8s_default_deny if {
	netpol.k8s_default_deny({"spec": {"podSelector": {}}})
	netpol.k8s_default_deny({"spec": {"podSelector": {}, "policyTypes": []}})
	netpol.k8s_default_deny({"spec": {"policyTypes": ["Ingress", "Egress"]}})
	not netpol.k8s_default_deny({"spec": {"policyTypes": ["Egress"]}})
}

test_netpol_k8s_allows_only_port_less_rules if {
	netpol.k8s_allows({"spec": {"ingress": [{}]}}, "IPv6")
	netpol.k8s_allows({"spec": {"ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}}, "IPv4")
	not netpol.k8s_allows({"spec": {"ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}}, "IPv6")
	not netpol.k8s_allows({"spec": {"ingress": [{"ports": [{"port": 443}]}]}}, "IPv4")
	not netpol.k8s_allows({"spec": {"ingress": [{"from": [{"podSelector": {}}]}]}}, "IPv4")
}

test_netpol_k8s_selects_all if {
	netpol.k8s_selects_all({"podSelector": {}})
	netpol.k8s_selects_all({})
	not netpol.k8s_selects_all({"podSelector": {"matchLabels": {"app": "web"}}})
}

# --- blankets --------------------------------------------------------------------------

allow_all_np := {"podSelector": {}, "ingress": [{}]}

test_netpol_networkpolicy_blanket if {
	# pkg/k8s/network_policy.go: no ports, no from: an L3-only entry for every source
	b := netpol.blankets_in([fixtures.netpol(0, "a", allow_all_np)])
	b == {["a", "prod", "IPv4"], ["a", "prod", "IPv6"]}
}

test_netpol_networkpolicy_ip_block_blanket if {
	np := {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "::/0"}}]}]}
	netpol.blankets_in([fixtures.netpol(0, "a", np)]) == {["a", "prod", "IPv6"]}
}

test_netpol_networkpolicy_not_blanket if {
	selective := {"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{}]}
	ports := {"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}
	pods := {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}
	count(netpol.blankets_in([fixtures.netpol(0, "a", selective), fixtures.netpol(1, "a", ports), fixtures.netpol(2, "a", pods)])) == 0
}

test_netpol_derived_blankets_count_networkpolicies if {
	b := netpol.derived_blankets with input as fixtures.run([fixtures.netpol(0, "a", allow_all_np)])
	["a", "prod", "IPv6"] in b
}

test_netpol_refused_policy_is_no_blanket if {
	s := {"endpointSelector": {}, "enableDefaultDeny": {"ingress": "false"}, "ingress": [{"fromEntities": ["world"]}]}
	count(netpol.blankets_in([fixtures.cnp(0, "a", s)])) == 0
	count(netpol.blankets_in([fixtures.cnp(0, "a", object.union(s, {"enableDefaultDeny": {"ingress": false}}))])) == 2
}

# --- problems ------------------------------------------------------------------------

test_netpol_problem_toports_icmp_protocol if {
	s := {"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "0", "protocol": "ICMPv6"}]}]}]}
	some p in netpol.problems with input as fixtures.run([fixtures.cnp(0, "", s)])
	p.path == ["spec", "ingressDeny", 0, "toPorts", 0, "ports", 0, "protocol"]
	contains(p.message, "icmps")
}

test_netpol_problem_icmps_type_name_of_other_family if {
	s := {"endpointSelector": {}, "ingress": [{"icmps": [{"fields": [{"type": "PacketTooBig"}]}]}]}
	some p in netpol.problems with input as fixtures.run([fixtures.cnp(0, "", s)])
	p.path == ["spec", "ingress", 0, "icmps", 0, "fields", 0]
	contains(p.message, "it is an IPv6 type name, so add `family: IPv6`")
}

test_netpol_problem_icmps_unknown_type_name_has_no_family_hint if {
	s := {"endpointSelector": {}, "ingress": [{"icmps": [{"fields": [{"type": "FragNeeded"}]}]}]}
	some p in netpol.problems with input as fixtures.run([fixtures.cnp(0, "", s)])
	endswith(p.message, "nor an IPv4 type name Cilium knows")
}

test_netpol_no_problem_for_valid_policy if {
	s := {"endpointSelector": {}, "ingress": [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": "EchoReply"}, {"type": 2, "family": "IPv6"}]}]}, {"toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}]}
	count(netpol.problems) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_netpol_problem_icmps_with_toports if {
	# pkg/policy/api/rule_validation.go errUnsupportedICMPWithToPorts
	s := {"endpointSelector": {}, "egressDeny": [{"toEntities": ["world"], "icmps": [{"fields": [{"type": 8}]}], "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}]}]}]}
	o := fixtures.cnp(0, "", s)
	some p in netpol.problems with input as fixtures.run([o])
	p.path == ["spec", "egressDeny", 0]
	contains(p.message, "both icmps and toPorts")
	netpol.invalid(o)
	count(netpol.focused_specs) == 0 with input as fixtures.run([o])
}

test_netpol_problem_namespaced_node_selector if {
	# pkg/k8s/apis/cilium.io/v2/cnp_types.go: "rule cannot have NodeSelector"
	s := {"nodeSelector": {}, "ingress": [{}]}
	some p in netpol.problems with input as fixtures.run([fixtures.cnp(0, "", s)])
	p.path == ["spec", "nodeSelector"]
	netpol.invalid(fixtures.cnp(0, "", s))
	not netpol.invalid(fixtures.ccnp(0, "", s))
}

test_netpol_problem_node_selector_in_specs_list if {
	o := object.union(fixtures.cnp(0, "", {}), {"object": {"specs": [{"endpointSelector": {}, "ingress": [{}]}, {"nodeSelector": {}, "ingress": [{}]}]}})
	some p in netpol.problems with input as fixtures.run([o])
	p.path == ["specs", 1, "nodeSelector"]
	netpol.invalid(o)
}

test_netpol_problem_enable_default_deny_not_boolean if {
	s := {"endpointSelector": {}, "enableDefaultDeny": {"ingress": "false", "egress": true}, "ingress": [{}]}
	ps := netpol.problems with input as fixtures.run([fixtures.cnp(0, "", s)])
	count(ps) == 1
	some p in ps
	p.path == ["spec", "enableDefaultDeny", "ingress"]
	contains(p.message, "must be true or false")
	some q in netpol.problems with input as fixtures.run([fixtures.cnp(0, "", object.union(s, {"enableDefaultDeny": "no"}))])
	q.path == ["spec", "enableDefaultDeny"]
}

test_netpol_no_problem_for_boolean_enable_default_deny if {
	s := {"endpointSelector": {}, "enableDefaultDeny": {"ingress": false, "egress": true}, "ingress": [{}]}
	count(netpol.problems) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
	not netpol.invalid(fixtures.cnp(0, "", s))
}

test_netpol_blanket_that_denies_too_is_no_blanket if {
	# Deny entries win over allow entries (bpf/lib/policy.h): the namespace's pods get nothing.
	allow := {"fromEntities": ["world"], "icmps": [{"fields": [{"type": 3}, {"type": 2, "family": "IPv6"}]}]}
	s := {"endpointSelector": {}, "ingress": [allow], "ingressDeny": [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}]}
	netpol.blankets_in([fixtures.cnp(0, "a", s)]) == {["a", "prod", "IPv4"]}
	count(netpol.blankets_in([fixtures.cnp(0, "a", object.remove(s, ["ingressDeny"]))])) == 2
}

test_netpol_host_policy_that_denies_too_allows_nothing if {
	s := {"nodeSelector": {}, "ingress": [{"fromEntities": ["world"]}], "ingressDeny": [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": 3}]}]}]}
	netpol.host_allowances_in([fixtures.ccnp(0, "a", s)]) == {["a", "IPv6"]}
}

test_netpol_problem_rule_not_an_object if {
	s := {"endpointSelector": {}, "ingress": ["fromEntities: [world]"]}
	o := fixtures.cnp(0, "", s)
	some p in netpol.problems with input as fixtures.run([o])
	p.path == ["spec", "ingress", 0]
	contains(p.message, "must be a rule")
	netpol.invalid(o)
}

test_netpol_problem_icmps_shapes if {
	s := {"endpointSelector": {}, "ingress": [
		{"fromEntities": ["world"], "icmps": ["PacketTooBig"]},
		{"fromEntities": ["world"], "icmps": [{"fields": "PacketTooBig"}]},
		{"fromEntities": ["world"], "icmps": [{"fields": ["PacketTooBig"]}]},
	]}
	o := fixtures.cnp(0, "", s)
	paths := {p.path | some p in netpol.problems} with input as fixtures.run([o])
	paths == {
		["spec", "ingress", 0, "icmps", 0],
		["spec", "ingress", 1, "icmps", 0, "fields"],
		["spec", "ingress", 2, "icmps", 0, "fields", 0],
	}
	netpol.invalid(o)
	count(netpol.blankets_in([o])) == 0
}

test_netpol_problem_bad_cidrs if {
	s := {"endpointSelector": {}, "ingress": [
		{"fromCIDR": ["10.0.0.0/8", "not-a-cidr", "192.0.2.1", "010.000.0.0/8"], "fromCIDRSet": [{"cidr": "2001:db8::/32"}, {"cidr": "2001:db8::1"}, {"cidrGroupRef": "g"}]},
	]}
	o := fixtures.cnp(0, "", s)
	ps := netpol.problems with input as fixtures.run([o])
	{p.path | some p in ps} == {
		["spec", "ingress", 0, "fromCIDR", 1],
		["spec", "ingress", 0, "fromCIDR", 2],
		["spec", "ingress", 0, "fromCIDRSet", 1, "cidr"],
	}
	some p in ps
	p.path == ["spec", "ingress", 0, "fromCIDR", 2]
	contains(p.message, "ingress[0].fromCIDR[2] is \"192.0.2.1\"")
	netpol.invalid(o)
}

test_netpol_problem_spec_shapes if {
	o := object.union(fixtures.cnp(0, "", {}), {"object": {"spec": [], "specs": [{"endpointSelector": {}}, "x"]}})
	{p.path | some p in netpol.problems} == {["spec"], ["specs", 1]} with input as fixtures.run([o])
	p := object.union(fixtures.cnp(0, "", {}), {"object": {"specs": {"endpointSelector": {}}}})
	{q.path | some q in netpol.problems} == {["specs"]} with input as fixtures.run([p])
}
