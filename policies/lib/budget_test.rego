package mtuguard.lib.budget_test

import data.mtuguard.lib.budget

tunnel := {"routing_mode": "tunnel", "underlay": "ipv4", "encryption": "none"}

native := {"routing_mode": "native", "underlay": "ipv4", "encryption": "none"}

test_tunnel_overheads_by_underlay if {
	budget.pod_mtu(9001, tunnel) == 8951
	budget.pod_mtu(9001, object.union(tunnel, {"underlay": "ipv6"})) == 8931
}

test_native_routing_keeps_nothing if {
	budget.pod_mtu(9001, native) == 9001
}

# An egress gateway tunnels traffic to its gateway nodes, and Cilium sizes every pod for
# that tunnel: at 50 bytes, the IPv6 figure being for tunnel routing (pkg/mtu/cell.go:134-135).
test_egress_gateway_in_native_routing_keeps_the_tunnel_overhead if {
	budget.pod_mtu(9001, object.union(native, {"egress_gateway": true})) == 8951
	budget.pod_mtu(9001, object.union(native, {"egress_gateway": true, "underlay": "ipv6"})) == 8951
	budget.pod_mtu(9001, object.union(native, {"egress_gateway": true, "encryption": "wireguard"})) == (9001 - 50) - 95
}

test_egress_gateway_in_tunnel_mode_adds_nothing if {
	budget.pod_mtu(9001, object.union(tunnel, {"egress_gateway": true})) == 8951
}

# Cilium 1.16/1.17's high-scale ipcache: Geneve plus the DSR option, but not with
# WireGuard, whose branch of getRouteMTU skips it.
test_high_scale_ipcache_subtracts_the_dsr_option if {
	budget.pod_mtu(9001, object.union(native, {"high_scale_ipcache": true})) == (9001 - 50) - 12
	budget.pod_mtu(9001, object.union(native, {"high_scale_ipcache": true, "encryption": "wireguard"})) == (9001 - 50) - 95
}

# Geneve DSR dispatch alone changes nothing: its tunnel enabler opts out of MTU adaptation.
test_dsr_option_only_with_high_scale_ipcache if {
	budget.dsr_overhead(object.union(tunnel, {"tunnel_protocol": "geneve"})) == 0
	budget.dsr_overhead(native) == 0
	budget.pod_mtu(9001, object.union(tunnel, {"high_scale_ipcache": true})) == 8951
}

test_ipsec_key_length if {
	budget.encryption_overhead(object.union(native, {"encryption": "ipsec"})) == 77
	budget.encryption_overhead(object.union(native, {"encryption": "ipsec", "ipsec_key_length": 12})) == 73 # ICV 96 bits
	budget.encryption_overhead(object.union(native, {"encryption": "ipsec", "ipsec_key_length": 32})) == 93 # hmac(sha256) key, or ICV 256 bits
}

test_explain_reports_each_overhead if {
	r := budget.explain with input as object.union(native, {"base": 9001, "high_scale_ipcache": true, "path_mtu": 8500})
	r.tunnel_overhead == 50
	r.dsr_overhead == 12
	r.encryption_overhead == 0
	r.overhead == 62
	r.pod_mtu == 8939
	r.safe_pod_mtu == 8438
	not r.fits
}
