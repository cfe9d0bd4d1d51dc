package mtuguard.rules.icmp_test

import data.mtuguard.rules.icmp
import data.mtuguard.test.fixtures

web := {"matchLabels": {"app": "web"}}

deny_icmp(fields) := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["world"], "icmps": [{"fields": fields}]}]}

# --- ICMP001 ---------------------------------------------------------------------------

test_icmp001_fires_ipv6_packet_too_big_by_name if {
	fs := icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": "PacketTooBig", "family": "IPv6"}]))])
	some f in fs
	f.path == ["spec", "ingressDeny", 0]
	contains(f.message, "live: Cilium has no bypass for PacketTooBig")
	contains(f.message, "assuming Cilium's defaults")
}

test_icmp001_fires_ipv6_packet_too_big_by_number if {
	count(icmp.ICMP001) == 1 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": 2, "family": "IPv6"}]))])
}

test_icmp001_fires_ipv4_by_number_latent if {
	some f in icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": 3}]))])
	contains(f.message, "latent today")
}

test_icmp001_fires_ipv4_by_name_live_when_bypass_off if {
	cm := fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "false"})
	some f in icmp.ICMP001 with input as fixtures.run([cm, fixtures.cnp(1, "a", deny_icmp([{"type": "DestinationUnreachable", "family": "IPv4"}]))])
	contains(f.message, "live: allow-icmp-frag-needed is false")
	not contains(f.message, "assuming")
}

test_icmp001_fires_toports_protocol_icmpv6 if {
	s := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["all"], "toPorts": [{"ports": [{"port": "0", "protocol": "ICMPv6"}]}]}]}
	some f in icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", s)])
	contains(f.message, "by toPorts protocol")
}

test_icmp001_fires_egress_deny if {
	s := {"endpointSelector": web, "egressDeny": [{"toEntities": ["world"], "icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}]}
	some f in icmp.ICMP001 with input as fixtures.run([fixtures.cnp(0, "", s)])
	f.path == ["spec", "egressDeny", 0]
}

test_icmp001_passes_ipv6_destination_unreachable_is_type_1 if {
	# IPv6 "DestinationUnreachable" is type 1, not PacketTooBig.
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": "DestinationUnreachable", "family": "IPv6"}]))])
}

test_icmp001_passes_deny_echo_only if {
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", deny_icmp([{"type": 8}, {"type": "EchoRequest", "family": "IPv6"}]))])
}

test_icmp001_passes_deny_tcp_port if {
	s := {"endpointSelector": web, "ingressDeny": [{"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}
	count(icmp.ICMP001) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

# --- ICMP002 ---------------------------------------------------------------------------

host_lockdown := {"nodeSelector": {}, "ingress": [{"fromEntities": ["cluster"], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}

v6_fw := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "enable-ipv6": "true", "enable-ipv4": "false"})

test_icmp002_fires_ipv6_underlay_with_host_firewall if {
	some f in icmp.ICMP002 with input as fixtures.run([v6_fw, fixtures.ccnp(1, "a", host_lockdown)])
	f.path == ["spec", "nodeSelector"]
	contains(f.message, "PacketTooBig")
}

test_icmp002_fires_frag_needed_when_bypass_off if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true", "allow-icmp-frag-needed": "false"})
	some f in icmp.ICMP002 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
	contains(f.message, "allow-icmp-frag-needed is false")
}

test_icmp002_passes_host_firewall_disabled if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "true", "enable-ipv4": "false"})
	count(icmp.ICMP002) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_passes_ipv4_underlay_default_bypass if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "true"})
	count(icmp.ICMP002) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

test_icmp002_passes_when_allowed if {
	allowed := object.union(host_lockdown, {"ingress": array.concat(host_lockdown.ingress, [{"fromEntities": ["world", "remote-node"], "icmps": [{"fields": [{"type": "PacketTooBig", "family": "IPv6"}]}]}])})
	count(icmp.ICMP002) == 0 with input as fixtures.run([v6_fw, fixtures.ccnp(1, "a", allowed)])
}

test_icmp002_passes_config_unknown if {
	count(icmp.ICMP002) == 0 with input as fixtures.run([fixtures.ccnp(1, "a", host_lockdown)])
}

# --- ICMP003 ---------------------------------------------------------------------------

web_only := {"endpointSelector": web, "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "lb"}}], "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}]}]}]}

test_icmp003_fires_default_deny_without_allowance if {
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", web_only)])
	f.path == ["spec", "ingress"]
	contains(f.message, "works today only because")
	contains(f.remediation, "PacketTooBig")
}

test_icmp003_fires_enable_default_deny_without_rules if {
	s := {"endpointSelector": web, "enableDefaultDeny": {"ingress": true}}
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.cnp(0, "", s)])
	f.path == ["spec", "enableDefaultDeny"]
}

test_icmp003_fires_kubernetes_networkpolicy if {
	np := {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}]}]}
	some f in icmp.ICMP003 with input as fixtures.run([fixtures.netpol(0, "", np)])
	contains(f.message, "cannot express ICMP")
}

test_icmp003_passes_explicit_allowance if {
	s := object.union(web_only, {"ingress": array.concat(web_only.ingress, [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": 3}, {"type": "PacketTooBig", "family": "IPv6"}]}]}])})
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_enable_default_deny_false if {
	s := object.union(web_only, {"enableDefaultDeny": {"ingress": false}})
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", s)])
}

test_icmp003_passes_blanket_ccnp if {
	blanket := {"endpointSelector": {}, "ingress": [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": 3}, {"type": 2, "family": "IPv6"}]}]}]}
	count(icmp.ICMP003) == 0 with input as fixtures.run([fixtures.cnp(0, "", web_only), fixtures.ccnp(1, "", blanket)])
}

test_icmp003_passes_ipv4_only_cluster_with_v4_allowance if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "false"})
	s := object.union(web_only, {"ingress": array.concat(web_only.ingress, [{"fromEntities": ["world"], "icmps": [{"fields": [{"type": 3}]}]}])})
	count(icmp.ICMP003) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", s)])
}

test_icmp003_passes_host_policy_firewall_off if {
	cm := fixtures.configmap(0, "a", {"enable-host-firewall": "false"})
	count(icmp.ICMP003) == 0 with input as fixtures.run([cm, fixtures.ccnp(1, "a", host_lockdown)])
}

# --- ICMP004 ---------------------------------------------------------------------------

bypass_off := fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "false"})

test_icmp004_fires_error_with_default_deny_policy if {
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off, fixtures.cnp(1, "a", web_only)])
	f.severity == "error"
	f.path == ["data", "allow-icmp-frag-needed"]
	contains(f.message, "CiliumNetworkPolicy p1")
}

test_icmp004_fires_warning_without_policies if {
	some f in icmp.ICMP004 with input as fixtures.run([bypass_off])
	f.severity == "warning"
}

test_icmp004_passes_default_true if {
	count(icmp.ICMP004) == 0 with input as fixtures.run([fixtures.configmap(0, "a", {}), fixtures.cnp(1, "a", web_only)])
}

test_icmp004_passes_explicit_true if {
	count(icmp.ICMP004) == 0 with input as fixtures.run([fixtures.configmap(0, "a", {"allow-icmp-frag-needed": "true"})])
}

test_icmp001_passes_ipv6_deny_in_ipv4_only_cluster if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "false"})
	count(icmp.ICMP001) == 0 with input as fixtures.run([cm, fixtures.cnp(1, "a", deny_icmp([{"type": "PacketTooBig", "family": "IPv6"}]))])
}
