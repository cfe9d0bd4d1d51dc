package mtuguard.rules.icmp_test

import data.mtuguard.rules.icmp
import data.mtuguard.test.fixtures

web := {"matchLabels": {"app": "web"}}

deny_icmp(fields) := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["world"], "icmps": [{"fields": fields}]}]}

allow_icmp(fields) := {"fromEntities": ["world"], "icmps": [{"fields": fields}]}

both_signals := [{"type": "DestinationUnreachable", "family": "IPv4"}, {"type": "PacketTooBig", "family": "IPv6"}]

# --- ICMP001 ---------------------------------------------------------------------------

test_icmp001_fires_ipv6_packet_too_big_by_name if {
	fs := icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": "PacketTooBig", "family": "IPv6"}]))])
	count(fs) == 1
	some f in fs
	f.path == ["spec", "ingressDeny", 0]
	contains(f.message, "live: Cilium has no bypass for PacketTooBig")
	contains(f.message, "never CT_RELATED")
	contains(f.message, "assuming Cilium's defaults")
}

test_icmp001_fires_ipv6_packet_too_big_by_number if {
	count(icmp.ICMP001) == 1 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": 2, "family": "IPv6"}]))])
}

test_icmp001_fires_ipv4_by_number_latent if {
	# family defaults to IPv4
	fs := icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": 3}]))])
	count(fs) == 1
	some f in fs
	contains(f.message, "latent for fragmentation-needed")
}

test_icmp001_fires_ipv4_by_numeric_string if {
	count(icmp.ICMP001) == 1 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": "3", "family": "IPv4"}]))])
}

test_icmp001_fires_ipv4_by_name_live_when_bypass_off if {
	cm := fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "false"})
	some f in icmp.ICMP001 with input as fixtures.run([cm, fixtures.cnp(1, "a", deny_icmp([{"type": "DestinationUnreachable", "family": "IPv4"}]))])
	contains(f.message, "live: allow-icmp-frag-needed is false")
	not contains(f.message, "assuming")
}

test_icmp001_fires_ipv4_latent_when_bypass_explicitly_true if {
	cm := fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "true"})
	some f in icmp.ICMP001 with input as fixtures.run([cm, fixtures.cnp(1, "a", deny_icmp([{"type": "DestinationUnreachable"}]))])
	contains(f.message, "latent for fragmentation-needed")
}

test_icmp001_fires_type_0_is_every_type if {
	fs := icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": "EchoReply", "family": "IPv4"}]))])
	count(fs) == 1
	some f in fs
	contains(f.message, "cilium/cilium#41304")
	startswith(f.remediation, "Drop type 0")
}

test_icmp001_fires_l3_only_deny_of_world if {
	# Cilium's own "external-lockdown" example: an L3 deny covers every protocol.
	s := {"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["world"]}], "ingress": [{"fromEntities": ["all"]}]}
	fs := icmp.ICMP001 with input as fixtures.run([fixtures.ccnp(0, "", s)])
	count(fs) == 2
	some f in fs
	contains(f.message, "an L3-only rule")
	contains(f.remediation, "protocol: ANY")
}

test_icmp001_fires_l3_only_deny_of_ipv6_default_route if {
	s := {"endpointSelector": web, "ingressDeny": [{"fromCIDR": ["::/0"]}]}
	fs := icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", s)])
	count(fs) == 1
	some f in fs
	contains(f.message, "PacketTooBig")
}

test_icmp001_fires_deny_from_remote_node if {
	s := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["remote-node"], "icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}]}
	some f in icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", s)])
	contains(f.message, "from nodes")
}

test_icmp001_fires_egress_deny if {
	s := {"endpointSelector": web, "egressDeny": [{"toEntities": ["world"], "icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}]}
	some f in icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", s)])
	f.path == ["spec", "egressDeny", 0]
	contains(f.message, "live")
}

test_icmp001_fires_egress_deny_ipv4_latent if {
	s := {"endpointSelector": web, "egressDeny": [{"toEntities": ["world"], "icmps": [{"fields": [{"type": 3}]}]}]}
	some f in icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", s)])
	contains(f.message, "both directions")
}

test_icmp001_fires_host_policy_latent_without_host_firewall if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "true", "allow-icmp-frag-needed": "false"})
	s := {"nodeSelector": {}, "ingressDeny": [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": "DestinationUnreachable", "family": "IPv4"}]}]}]}
	some f in icmp.ICMP001 with input as fixtures.run([cm, fixtures.ccnp(1, "a", s)])
	contains(f.message, "enable-host-firewall is false")
}

test_icmp001_fires_host_l3_deny_of_world_for_ipv4_only if {
	# the host firewall judges fragmentation-needed, never PacketTooBig (bpf/lib/icmp6.h)
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "true", "enable-host-firewall": "true"})
	s := {"nodeSelector": {}, "ingressDeny": [{"fromEntities": ["world"]}]}
	fs := icmp.ICMP001 with input as fixtures.run([cm, fixtures.ccnp(1, "a", s)])
	count(fs) == 1
	some f in fs
	contains(f.message, "ICMPv4")
	not contains(f.message, "PacketTooBig")
}

test_icmp001_passes_host_policy_denies_packet_too_big if {
	# icmp6_host_handle returns SKIP_HOST_FIREWALL for ICMPv6 types 1-4: no host policy sees them
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "true", "enable-host-firewall": "true", "underlay-protocol": "ipv6"})
	s := {"nodeSelector": {}, "ingressDeny": [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}], "egressDeny": [{"toEntities": ["world"], "icmps": [{"fields": [{"type": 2, "family": "IPv6"}]}]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", s)])
}

test_icmp001_passes_host_l3_deny_of_world_ipv6_only_cluster if {
	cm := fixtures.configmap(0, "a", {"enable-ipv4": "false", "enable-ipv6": "true", "enable-host-firewall": "true"})
	s := {"nodeSelector": {}, "ingressDeny": [{"fromEntities": ["world"]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", s)])
}

test_icmp001_passes_refused_policy_is_a_problem if {
	# icmps with toPorts: Cilium refuses the policy (pkg/policy/api/rule_validation.go)
	s := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": 2, "family": "IPv6"}]}], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp001_fires_latent_when_icmp_rules_disabled if {
	cm := fixtures.configmap(0, "a", {"enable-icmp-rules": "false", "enable-ipv6": "true"})
	some f in icmp.ICMP001 with input as fixtures.run([cm, fixtures.cnp(1, "a", deny_icmp([{"type": "PacketTooBig", "family": "IPv6"}]))])
	contains(f.message, "refuses this whole policy while enable-icmp-rules is false")
}

test_icmp001_fires_in_specs_list if {
	o := object.union(fixtures.cnp(0, "", {}), {"object": {"specs": [{"endpointSelector": web, "egress": [{}]}, deny_icmp([{"type": 2, "family": "IPv6"}])]}})
	some f in icmp.ICMP001 with input as fixtures.run([o])
	f.path == ["specs", 1, "ingressDeny", 0]
}

test_icmp001_passes_ipv6_destination_unreachable_is_type_1 if {
	# IPv6 "DestinationUnreachable" is type 1, not PacketTooBig.
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": "DestinationUnreachable", "family": "IPv6"}]))])
}

test_icmp001_passes_ipv4_type_2_is_not_a_signal if {
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": 2}]))])
}

test_icmp001_passes_deny_echo_only if {
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": 8}, {"type": "EchoRequest", "family": "IPv6"}]))])
}

test_icmp001_passes_deny_tcp_port if {
	s := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp001_passes_deny_toports_any_port_0 if {
	# protocol ANY expands to TCP, UDP and SCTP only (pkg/policy/rule.go): ICMP still arrives.
	s := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "0", "protocol": "ANY"}]}]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp001_passes_l3_only_deny_of_one_cidr if {
	s := {"endpointSelector": web, "ingressDeny": [{"fromCIDR": ["203.0.113.0/24"]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp001_passes_l3_only_deny_of_pods if {
	s := {"endpointSelector": web, "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"app": "legacy"}}]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp001_passes_ipv6_deny_in_ipv4_only_cluster if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "false"})
	count(icmp.ICMP001) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", deny_icmp([{"type": "PacketTooBig", "family": "IPv6"}]))])
}

test_icmp001_passes_ipv4_deny_in_ipv6_only_cluster if {
	cm := fixtures.configmap(0, "a", {"enable-ipv4": "false", "enable-ipv6": "true"})
	count(icmp.ICMP001) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", deny_icmp([{"type": 3}]))])
}

test_icmp001_passes_egress_deny_echo if {
	s := {"endpointSelector": web, "egressDeny": [{"toEntities": ["world"], "icmps": [{"fields": [{"type": "EchoRequest", "family": "IPv6"}]}]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

# --- ICMP002 ---------------------------------------------------------------------------

host_lockdown := {"nodeSelector": {}, "ingress": [{"fromEntities": ["cluster"], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}

v6_fw := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "enable-ipv6": "true", "enable-ipv4": "false"})

# frag_off_fw: the host firewall on and fragmentation-needed subject to policy.
frag_off_fw := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "allow-icmp-frag-needed": "false"})

with_ingress(s, rule) := object.union(s, {"ingress": array.concat(s.ingress, [rule])})

test_icmp002_passes_ipv6_underlay_packet_too_big_bypasses_host_firewall if {
	# bpf/lib/icmp6.h icmp6_host_handle: SKIP_HOST_FIREWALL for ICMPv6 types 1-4
	count(icmp.ICMP002) == 0 with input as fixtures.run([v6_fw, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_passes_explicit_ipv6_underlay_dual_stack if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "enable-ipv6": "true", "underlay-protocol": "ipv6"})
	count(icmp.ICMP002) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_fires_ipv4_only_with_ipv6_underlay if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "enable-ipv6": "true", "underlay-protocol": "ipv6", "allow-icmp-frag-needed": "false"})
	fs := icmp.ICMP002 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
	count(fs) == 1
	some f in fs
	f.path == ["spec", "nodeSelector"]
	not contains(f.message, "PacketTooBig")
	not contains(f.remediation, "PacketTooBig")
}

test_icmp002_fires_helm_values if {
	values := {"hostFirewall": {"enabled": true}, "extraConfig": {"allow-icmp-frag-needed": "false"}}
	count(icmp.ICMP002) == 1 with input as fixtures.run([fixtures.helm(0, "a", values), fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_fires_frag_needed_when_bypass_off if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "allow-icmp-frag-needed": "false"})
	some f in icmp.ICMP002 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
	contains(f.message, "allow-icmp-frag-needed is false")
	contains(f.remediation, "keep allow-icmp-frag-needed true")
}

test_icmp002_fires_when_only_remote_node_allowed if {
	s := with_ingress(host_lockdown, {"fromEntities": ["remote-node"], "icmps": [{"fields": [{"type": "DestinationUnreachable", "family": "IPv4"}]}]})
	count(icmp.ICMP002) == 1 with input as fixtures.run([frag_off_fw, fixtures.ccnp(1, "a", s)])
}

test_icmp002_fires_empty_ingress_rule_allows_nothing if {
	s := {"nodeSelector": {}, "ingress": [{}]}
	count(icmp.ICMP002) == 1 with input as fixtures.run([frag_off_fw, fixtures.ccnp(1, "a", s)])
}

test_icmp002_passes_host_firewall_disabled if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "true", "enable-ipv4": "false"})
	count(icmp.ICMP002) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_passes_ipv4_underlay_default_bypass if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "enable-ipv6": "true"})
	count(icmp.ICMP002) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_passes_bypass_explicitly_true if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "allow-icmp-frag-needed": "true"})
	count(icmp.ICMP002) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_passes_when_allowed if {
	s := with_ingress(host_lockdown, allow_icmp([{"type": "DestinationUnreachable", "family": "IPv4"}]))
	count(icmp.ICMP002) == 0 with input as fixtures.run([frag_off_fw, fixtures.ccnp(1, "a", s)])
}

test_icmp002_passes_when_allowed_by_number if {
	s := with_ingress(host_lockdown, allow_icmp([{"type": 3}]))
	count(icmp.ICMP002) == 0 with input as fixtures.run([frag_off_fw, fixtures.ccnp(1, "a", s)])
}

test_icmp002_passes_when_another_host_policy_allows if {
	other := {"nodeSelector": {}, "enableDefaultDeny": {"ingress": false}, "ingress": [allow_icmp([{"type": 3}])]}
	count(icmp.ICMP002) == 0 with input as fixtures.run([frag_off_fw, fixtures.ccnp(1, "a", host_lockdown), fixtures.ccnp(2, "a", other)])
}

test_icmp002_fires_when_another_host_policy_is_refused if {
	# a refused policy allows nothing (pkg/policy/api/rule_validation.go: icmps with toPorts)
	other := {"nodeSelector": {}, "enableDefaultDeny": {"ingress": false}, "ingress": [object.union(allow_icmp([{"type": 3}]), {"toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]})]}
	count(icmp.ICMP002) == 1 with input as fixtures.run([frag_off_fw, fixtures.ccnp(1, "a", host_lockdown), fixtures.ccnp(2, "a", other)])
}

test_icmp002_passes_l3_allow_from_world if {
	s := with_ingress(host_lockdown, {"fromEntities": ["world"]})
	count(icmp.ICMP002) == 0 with input as fixtures.run([frag_off_fw, fixtures.ccnp(1, "a", s)])
}

test_icmp002_passes_namespaced_policy_with_node_selector_is_a_problem if {
	# pkg/k8s/apis/cilium.io/v2/cnp_types.go: "rule cannot have NodeSelector"
	count(icmp.ICMP002) == 0 with input as fixtures.run([frag_off_fw, fixtures.cnp(1, "a", host_lockdown)])
}

test_icmp002_passes_config_unknown if {
	count(icmp.ICMP002) == 0 with input as fixtures.run([fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_passes_pod_policy if {
	count(icmp.ICMP002) == 0 with input as fixtures.run([frag_off_fw, fixtures.cnp(1, "a", web_only)])
}

# --- ICMP003 ---------------------------------------------------------------------------

web_only := {"endpointSelector": web, "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "lb"}}], "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}]}]}]}

test_icmp003_fires_default_deny_without_allowance if {
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", web_only)])
	f.path == ["spec", "ingress"]
	contains(f.message, "gets through only because allow-icmp-frag-needed is true")
	contains(f.message, "PacketTooBig has no bypass")
	contains(f.remediation, "{type: PacketTooBig, family: IPv6}")
}

test_icmp003_fires_native_routing_ipv6_now if {
	cm := fixtures.configmap(0, "a", {"routing-mode": "native", "enable-ipv6": "true"})
	some f in icmp.ICMP003 with input as fixtures.run([cm, fixtures.cnp(1, "a", web_only)])
	contains(f.message, "routes natively")
}

test_icmp003_fires_enable_default_deny_true if {
	s := object.union(web_only, {"enableDefaultDeny": {"ingress": true}})
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", s)])
	f.path == ["spec", "enableDefaultDeny"]
}

test_icmp003_fires_enable_default_deny_false_ignored_when_disabled if {
	cm := fixtures.configmap(0, "a", {"enable-non-default-deny-policies": "false"})
	s := object.union(web_only, {"enableDefaultDeny": {"ingress": false}})
	count(icmp.ICMP003) == 1 with input as fixtures.run([cm, fixtures.cnp(1, "a", s)])
}

test_icmp003_fires_ingress_deny_only if {
	# an ingressDeny rule alone turns on ingress default-deny (pkg/policy/api/rule_validation.go)
	s := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", s)])
	f.path == ["spec", "ingressDeny"]
}

test_icmp003_fires_empty_ingress_rule if {
	s := {"endpointSelector": web, "ingress": [{}]}
	count(icmp.ICMP003) == 1 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_fires_allowance_from_cluster_only if {
	s := with_ingress(web_only, {"fromEntities": ["cluster"], "icmps": [{"fields": both_signals}]})
	count(icmp.ICMP003) == 1 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_fires_ipv4_cidr_does_not_cover_ipv6 if {
	s := with_ingress(web_only, {"fromCIDR": ["0.0.0.0/0"], "icmps": [{"fields": both_signals}]})
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", s)])
	contains(f.message, "PacketTooBig")
	not contains(f.message, "nothing allows ICMPv4")
}

test_icmp003_fires_blanket_in_other_namespace if {
	blanket := {"endpointSelector": {}, "ingress": [allow_icmp(both_signals)]}
	other := object.union(fixtures.cnp(1, "", blanket), {"object": {"metadata": {"namespace": "other"}}})
	count(icmp.ICMP003) == 1 with input as fixtures.run([fixtures.cnp(0, "", web_only), other])
}

test_icmp003_fires_blanket_refused_without_icmp_rules if {
	cm := fixtures.configmap(0, "a", {"enable-icmp-rules": "false"})
	blanket := {"endpointSelector": {}, "ingress": [allow_icmp(both_signals)]}
	fs := icmp.ICMP003 with input as fixtures.run([cm, fixtures.cnp(1, "a", web_only), fixtures.ccnp(2, "a", blanket)])
	count(fs) == 1
	some f in fs
	contains(f.remediation, "enable-icmp-rules")
}

test_icmp003_fires_host_policy_config_unknown if {
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.ccnp(1, "a", host_lockdown)])
	contains(f.message, "nodes selected by nodeSelector")
	contains(f.message, "the host firewall on")
}

test_icmp003_fires_host_policy_for_ipv4_only if {
	# PacketTooBig never meets the host firewall (bpf/lib/icmp6.h icmp6_host_handle)
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "enable-ipv6": "true"})
	fs := icmp.ICMP003 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
	count(fs) == 1
	some f in fs
	contains(f.message, "ICMPv4")
	not contains(f.message, "PacketTooBig")
	not contains(f.remediation, "PacketTooBig")
}

test_icmp003_passes_host_policy_ipv6_only_cluster if {
	count(icmp.ICMP003) == 0 with input as fixtures.run([v6_fw, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp003_fires_tunnel_mode_masqueraded_pods if {
	# bpf/lib/nat.h snat_v6_rev_nat hands the node's PacketTooBig back to the pod
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", web_only)])
	contains(f.message, "snat_v6_rev_nat")
	not contains(f.message, "mostly address the node")
}

test_icmp003_fires_networkpolicy_with_pod_selector_is_no_blanket if {
	np := {"podSelector": {"matchLabels": {"app": "lb"}}, "policyTypes": ["Ingress"], "ingress": [{}]}
	count(icmp.ICMP003) == 1 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.netpol(1, "", np)])
}

test_icmp003_fires_networkpolicy_blanket_in_other_namespace if {
	np := object.union(fixtures.netpol(1, "", {"podSelector": {}, "ingress": [{}]}), {"object": {"metadata": {"namespace": "other"}}})
	count(icmp.ICMP003) == 1 with input as fixtures.run([fixtures.cnp(0, "", web_only), np])
}

test_icmp003_fires_networkpolicy_blanket_with_ports if {
	np := {"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}
	fs := icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.netpol(1, "", np)])
	count([f | some f in fs; f.object == 0]) == 1
}

test_icmp003_fires_refused_blanket_counts_nothing if {
	# icmps with toPorts: Cilium refuses the blanket (pkg/policy/api/rule_validation.go)
	blanket := {"endpointSelector": {}, "ingress": [object.union(allow_icmp(both_signals), {"toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}]}]})]}
	count(icmp.ICMP003) == 1 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.ccnp(1, "", blanket)])
}

test_icmp003_fires_kubernetes_networkpolicy if {
	np := {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}]}]}
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.netpol(0, "", np)])
	contains(f.message, "cannot name ICMP types")
	f.path == ["spec", "policyTypes"]
}

test_icmp003_fires_kubernetes_networkpolicy_without_policy_types if {
	np := {"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.netpol(0, "", np)])
	f.path == ["spec", "ingress"]
}

test_icmp003_fires_kubernetes_networkpolicy_ipv4_block_only if {
	np := {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.netpol(0, "", np)])
	contains(f.message, "PacketTooBig")
	not contains(f.message, "Nothing lets ICMPv4")
}

test_icmp003_passes_explicit_allowance if {
	s := with_ingress(web_only, allow_icmp([{"type": 3}, {"type": "PacketTooBig", "family": "IPv6"}]))
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_allowance_from_ipv4_and_ipv6_cidrs if {
	s := with_ingress(web_only, {"fromCIDRSet": [{"cidr": "0.0.0.0/0"}, {"cidr": "::/0"}], "icmps": [{"fields": both_signals}]})
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_allowance_without_peer_selector if {
	# no from* selector with icmps: every source (pkg/policy/l4.go createL4Filter)
	s := with_ingress(web_only, {"icmps": [{"fields": both_signals}]})
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_l3_allow_from_world if {
	s := with_ingress(web_only, {"fromEntities": ["world"]})
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_enable_default_deny_false if {
	s := object.union(web_only, {"enableDefaultDeny": {"ingress": false}})
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_enable_default_deny_true_without_ingress_rules if {
	# no ingress/ingressDeny rule, no ingress entry (pkg/policy/utils/parserules.go)
	s := {"endpointSelector": web, "enableDefaultDeny": {"ingress": true}, "egress": [{"toEntities": ["world"]}]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_blanket_ccnp if {
	blanket := {"endpointSelector": {}, "ingress": [allow_icmp([{"type": 3}, {"type": 2, "family": "IPv6"}])]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.ccnp(1, "", blanket)])
}

test_icmp003_passes_blanket_cnp_same_namespace if {
	blanket := {"endpointSelector": {}, "enableDefaultDeny": {"ingress": false}, "ingress": [allow_icmp(both_signals)]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.cnp(1, "", blanket)])
}

test_icmp003_passes_ipv4_only_cluster_with_v4_allowance if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "false"})
	s := with_ingress(web_only, allow_icmp([{"type": 3}]))
	count(icmp.ICMP003) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", s)])
}

test_icmp003_passes_ipv4_only_cluster_with_type_0_allowance if {
	# type 0 (EchoReply) is a wildcard over every ICMPv4 type in Cilium 1.20
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "false"})
	s := with_ingress(web_only, allow_icmp([{"type": "EchoReply"}]))
	count(icmp.ICMP003) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", s)])
}

test_icmp003_passes_host_policy_firewall_off if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "false"})
	count(icmp.ICMP003) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp003_passes_host_policy_where_icmp002_fires if {
	count(icmp.ICMP003) == 0 with input as fixtures.run([v6_fw, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp003_passes_refused_policy_is_not_enforced if {
	cm := fixtures.configmap(0, "a", {"enable-icmp-rules": "false"})
	s := with_ingress(web_only, allow_icmp([{"type": 3}]))
	count(icmp.ICMP003) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", s)])
}

test_icmp003_passes_kubernetes_networkpolicy_port_less_ip_blocks if {
	np := {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]}]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.netpol(0, "", np)])
}

test_icmp003_passes_kubernetes_networkpolicy_allow_all if {
	np := {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.netpol(0, "", np)])
}

test_icmp003_passes_kubernetes_networkpolicy_egress_only if {
	np := {"podSelector": {}, "policyTypes": ["Egress"]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.netpol(0, "", np)])
}

test_icmp003_passes_networkpolicy_allow_all_blanket if {
	# pkg/k8s/network_policy.go: a rule without ports or from is L3-only, every source and protocol
	np := {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.netpol(1, "", np)])
}

test_icmp003_passes_networkpolicy_ip_block_blanket if {
	np := {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]}]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.netpol(1, "", np)])
}

test_icmp003_passes_networkpolicy_blanket_covers_networkpolicy if {
	np := {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]}
	blanket := {"podSelector": {}, "ingress": [{}]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.netpol(0, "", np), fixtures.netpol(1, "", blanket)])
}

test_icmp003_passes_networkpolicy_blanket_derived if {
	# the webhook: the blanket comes derived from the context, the CNP is focused
	inp := fixtures.run([fixtures.cnp(0, "", web_only), fixtures.netpol(1, "", {"podSelector": {}, "ingress": [{}]})])
	derived := {"cilium": {}, "netpol": {}, "host_allowances": set(), "blankets": {["", "prod", "IPv4"], ["", "prod", "IPv6"]}}
	count(icmp.ICMP003) == 0 with input as object.union(inp, {"focus": [0], "mtuguard_derived": derived})
}

test_icmp003_passes_networkpolicy_blanket_focused_with_derived_context if {
	# the focused blanket adds its own allowance to the derived ones
	inp := fixtures.run([fixtures.cnp(0, "", web_only), fixtures.netpol(1, "", {"podSelector": {}, "ingress": [{}]})])
	derived := {"cilium": {}, "netpol": {}, "host_allowances": set(), "blankets": set()}
	count(icmp.ICMP003) == 0 with input as object.union(inp, {"focus": [0, 1], "mtuguard_derived": derived})
}

test_icmp003_passes_refused_policies_are_problems if {
	# not judged: a CNP with nodeSelector, a quoted enableDefaultDeny.ingress
	quoted := object.union(web_only, {"enableDefaultDeny": {"ingress": "false"}})
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", host_lockdown), fixtures.cnp(1, "", quoted)])
}

test_icmp003_passes_kubernetes_networkpolicy_with_blanket_cnp if {
	np := {"podSelector": {}, "policyTypes": ["Ingress"]}
	blanket := {"endpointSelector": {}, "enableDefaultDeny": {"ingress": false}, "ingress": [allow_icmp(both_signals)]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.netpol(0, "", np), fixtures.cnp(1, "", blanket)])
}

# --- ICMP004 ---------------------------------------------------------------------------

bypass_off := fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "false"})

test_icmp004_fires_error_with_default_deny_policy if {
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off, fixtures.cnp(1, "a", web_only)])
	f.severity == "error"
	f.path == ["data", "allow-icmp-frag-needed"]
	contains(f.message, "CiliumNetworkPolicy p1")
	contains(f.remediation, "cilium-config ConfigMap")
}

test_icmp004_fires_error_with_networkpolicy if {
	np := {"podSelector": {}, "policyTypes": ["Ingress"]}
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off, fixtures.netpol(1, "a", np)])
	f.severity == "error"
	contains(f.message, "NetworkPolicy n1")
}

test_icmp004_fires_error_with_host_policy_and_firewall if {
	cm := fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "false", "enable-host-firewall": "true"})
	some f in icmp.ICMP004 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
	f.severity == "error"
}

test_icmp004_fires_warning_without_policies if {
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off])
	f.severity == "warning"
}

test_icmp004_fires_warning_when_policies_allow if {
	s := with_ingress(web_only, allow_icmp([{"type": "DestinationUnreachable"}]))
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off, fixtures.cnp(1, "a", s)])
	f.severity == "warning"
}

test_icmp004_fires_warning_when_networkpolicy_blanket_allows if {
	np := {"podSelector": {}, "ingress": [{}]}
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off, fixtures.cnp(1, "a", web_only), fixtures.netpol(2, "a", np)])
	f.severity == "warning"
}

test_icmp004_fires_warning_when_policy_is_refused if {
	s := object.union(web_only, {"enableDefaultDeny": {"ingress": "true"}})
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off, fixtures.cnp(1, "a", s)])
	f.severity == "warning"
}

test_icmp004_fires_warning_host_policy_without_firewall if {
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off, fixtures.ccnp(1, "a", host_lockdown)])
	f.severity == "warning"
}

test_icmp004_fires_helm_extra_config if {
	values := {"kubeProxyReplacement": true, "extraConfig": {"allow-icmp-frag-needed": "false"}}
	some f in icmp.ICMP004 with input as fixtures.run([fixtures.helm(0, "a", values)])
	f.path == ["extraConfig", "allow-icmp-frag-needed"]
	contains(f.remediation, "extraConfig")
}

test_icmp004_passes_default_true if {
	count(icmp.ICMP004) == 0 with input as fixtures.run([fixtures.configmap(0, "a", {}), fixtures.cnp(1, "a", web_only)])
}

test_icmp004_passes_explicit_true if {
	count(icmp.ICMP004) == 0 with input as fixtures.run([fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "true"})])
}

test_icmp004_passes_ipv6_only_cluster if {
	cm := fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "false", "enable-ipv4": "false", "enable-ipv6": "true"})
	count(icmp.ICMP004) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", web_only)])
}

test_icmp004_passes_other_cluster_not_focused if {
	count(icmp.ICMP004) == 0 with input as object.union(fixtures.run([bypass_off, fixtures.cnp(1, "a", web_only)]), {"focus": [1]})
}
