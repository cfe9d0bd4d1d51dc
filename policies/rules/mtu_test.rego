package mtuguard.rules.mtu_test

import data.mtuguard.rules.mtu
import data.mtuguard.test.fixtures

test_mtu001_fires_auto_detected_jumbo_vxlan_ipv4 if {
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", fixtures.member("a", 1))]}
	f.path == ["data"]
	contains(f.message, "pods get MTU 8951 = 9001 - 50 VXLAN over IPv4")
	contains(f.remediation, "`mtu: \"8500\"`")
	contains(f.remediation, "pods get MTU 8450 (TCP MSS 8410)")
}

test_mtu001_passes_node_config_clamping_every_node if {
	every_node := json.remove(fixtures.nodeconfig(1, "a", {"mtu": "8500"}), ["object/spec/nodeSelector/matchLabels"])
	count(mtu.MTU001) == 0 with input as fixtures.run([fixtures.configmap(0, "a", fixtures.member("a", 1)), every_node])
}

test_mtu001_fires_node_config_clamping_some_nodes if {
	count(mtu.MTU001) == 1 with input as fixtures.run([fixtures.configmap(0, "a", fixtures.member("a", 1)), fixtures.nodeconfig(1, "a", {"mtu": "8500"})])
}

test_mtu001_fires_node_configs_for_every_node_disagreeing if {
	clamp := json.remove(fixtures.nodeconfig(1, "a", {"mtu": "8500"}), ["object/spec/nodeSelector/matchLabels"])
	jumbo := json.remove(fixtures.nodeconfig(2, "a", {"mtu": "9001"}), ["object/spec/nodeSelector/matchLabels"])
	count(mtu.MTU001) == 1 with input as fixtures.run([fixtures.configmap(0, "a", fixtures.member("a", 1)), clamp, jumbo])
}

test_mtu001_fires_geneve_ipv6_underlay if {
	cm := object.union(fixtures.member("a", 1), {"tunnel-protocol": "geneve", "underlay-protocol": "ipv6"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "pods get MTU 8931 = 9001 - 70 Geneve over IPv6")
}

test_mtu001_fires_wireguard_and_ipsec_budgets if {
	wg := object.union(fixtures.member("a", 1), {"enable-wireguard": "true"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", wg)]}
	contains(f.message, "pods get MTU 8856 = 9001 - 50 VXLAN over IPv4 + 95 WireGuard")
	ipsec := object.union(fixtures.member("a", 1), {"enable-ipsec": "true"})
	some g in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", ipsec)]}
	contains(g.message, "pods get MTU 8874 = 9001 - 50 VXLAN over IPv4 + 77 IPsec")
}

test_mtu001_fires_explicit_mtu_too_large_helm if {
	values := {"cluster": {"name": "a", "id": 1}, "MTU": 9001}
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.helm(0, "a", values)]}
	f.path == ["MTU"]
	contains(f.message, "mtu: 9001 is set explicitly")
	contains(f.remediation, "`MTU: 8500`")
}

test_mtu001_fires_legacy_tunnel_key if {
	cm := object.union(fixtures.member("a", 1), {"tunnel": "geneve"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "Geneve over IPv4")
}

test_mtu001_passes_when_clamped if {
	cm := object.union(fixtures.member("a", 1), {"mtu": "8500"})
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", cm)]}
}

test_mtu001_passes_native_routing_eni if {
	values := {"cluster": {"name": "a", "id": 1}, "eni": {"enabled": true}}
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.helm(0, "a", values)]}
}

# A config whose path is one declared link, as policies.Config hands it over.
via(name, behaviour, clamps) := object.union(fixtures.tgw, {"mesh": {"pathSource": sprintf("%s 8500", [name]), "links": [{"name": name, "mtu": 8500, "behaviour": behaviour, "clampsMSS": clamps}]}})

eni_member := {"cluster": {"name": "a", "id": 1}, "clustermesh": {"useAPIServer": true}, "eni": {"enabled": true}, "ipam": {"mode": "eni"}}

test_mtu001_fires_native_routing_across_a_silent_hop if {
	some f in mtu.MTU001 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", eni_member)]}
	f.severity == "error"
	contains(f.message, "in native routing and mtu is unset")
	contains(f.message, "aws-vpc-peering-inter-region drops larger packets without ICMP")
	contains(f.message, "large transfers between clusters hang")
	contains(f.remediation, "`MTU: 8500`")
	contains(f.remediation, "pods get MTU 8500 (TCP MSS 8460)")
}

test_mtu001_warns_native_routing_across_a_silent_hop_that_clamps_mss if {
	some f in mtu.MTU001 with input as {"config": via("aws-transit-gateway-peering", "drops", true), "objects": [fixtures.helm(0, "a", eni_member)]}
	f.severity == "warning"
	contains(f.message, "TCP survives because the path clamps its MSS, but UDP datagrams")
}

test_mtu001_native_routing_with_egress_gateway_sends_the_smaller_pod_mtu if {
	# The egress gateway keeps room for its own tunnel in every pod's MTU (pkg/egressgateway).
	gw := object.union(eni_member, {"egressGateway": {"enabled": true}})
	some f in mtu.MTU001 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", gw)]}
	contains(f.message, "pods get MTU 8951, so their packets to other clusters reach 8951 bytes")
	contains(f.remediation, "pods get MTU 8450 (TCP MSS 8410)")
}

test_mtu001_chained_cilium_leaves_the_pod_mtu_to_the_primary_cni if {
	# pkg/mtu/endpoint_updater.go: in chaining mode Cilium sets no route MTU unless asked.
	chained := object.union(eni_member, {"cni": {"chainingMode": "aws-cni"}, "MTU": 8500})
	some f in mtu.MTU001 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", chained)]}
	contains(f.message, "Cilium runs chained to aws-cni and leaves the pods' MTU to it (enable-route-mtu-for-cni-chaining is off, so mtu: 8500 does not reach them)")
	contains(f.remediation, "POD_MTU=8500 on the aws-node DaemonSet")
	contains(f.remediation, "`cni: {enableRouteMTUForCNIChaining: true}` and `MTU: 8500`")
	asked := object.union(chained, {"cni": {"chainingMode": "aws-cni", "enableRouteMTUForCNIChaining": true}})
	count(mtu.MTU001) == 0 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", asked)]}
}

test_mtu001_tunnel_chained_to_a_primary_cni_adds_the_tunnel_to_its_pod_mtu if {
	# The primary gives pods the node MTU; Cilium's VXLAN then comes on top of it.
	chained := {"cluster": {"name": "a", "id": 1}, "cni": {"chainingMode": "generic-veth"}, "MTU": 8500}
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.helm(0, "a", chained)]}
	contains(f.message, "pods get MTU 9001, so encapsulated packets reach 9051 = 9001 + 50 VXLAN over IPv4 bytes")
	contains(f.remediation, "Lower the MTU generic-veth gives pods to 8450")
	contains(f.remediation, "`MTU: 8500`")
}

test_mtu001_chained_with_a_custom_cni_conf_names_its_enable_route_mtu if {
	# A cilium-cni entry with enable-route-mtu in the CNI configuration the agent reads
	# turns the route MTU on too (pkg/mtu/endpoint_updater.go); the run cannot see it.
	custom := object.union(eni_member, {"cni": {"chainingMode": "generic-veth", "customConf": true, "configMap": "cni-configuration"}, "MTU": 8500})
	some f in mtu.MTU001 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", custom)]}
	contains(f.message, "unless the custom CNI configuration the agent reads (read-cni-conf) sets `enable-route-mtu: true` on cilium-cni, so mtu: 8500 does not reach them")
}

test_mtu001_portmap_chaining_keeps_cilium_setting_the_pod_mtu if {
	# In portmap mode cilium-cni is the first plugin and sets the route MTU itself
	# (plugins/cilium-cni/cmd/cmd.go getChainedAction), so Cilium's mtu reaches the pods.
	portmap := object.union(eni_member, {"cni": {"chainingMode": "portmap"}, "MTU": 8500})
	count(mtu.MTU001) == 0 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", portmap)]}
	unclamped := object.union(eni_member, {"cni": {"chainingMode": "portmap"}})
	some f in mtu.MTU001 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", unclamped)]}
	not contains(f.message, "chained")
}

test_mtu001_passes_native_routing_across_a_hop_that_signals if {
	count(mtu.MTU001) == 0 with input as {"config": via("aws-transit-gateway", "signals", true), "objects": [fixtures.helm(0, "a", eni_member)]}
}

test_mtu001_passes_native_routing_clamped_below_a_silent_hop if {
	clamped := object.union(eni_member, {"MTU": 8500})
	count(mtu.MTU001) == 0 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [fixtures.helm(0, "a", clamped)]}
}

test_mtu001_passes_not_a_mesh_member if {
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", {"cluster-name": "a"})]}
}

test_mtu001_passes_later_layer_clamps if {
	base := fixtures.helm(0, "a", {"routingMode": "tunnel", "cluster": {"name": "a", "id": 1}})
	overlay := fixtures.helm(1, "a", {"MTU": 8500})
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [base, overlay]}
}

test_mtu001_passes_nodes_already_small if {
	count(mtu.MTU001) == 0 with input as {"config": fixtures.config(8500, 1500), "objects": [fixtures.configmap(0, "a", fixtures.member("a", 1))]}
}

test_mtu001_passes_outside_focus if {
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", fixtures.member("a", 1))], "focus": [7]}
}

test_mtu004_fires_members_disagree if {
	a := fixtures.configmap(0, "a", fixtures.member("a", 1))
	b := fixtures.configmap(1, "b", object.union(fixtures.member("b", 2), {"mtu": "8500"}))
	fs := mtu.MTU004 with input as {"config": fixtures.undeclared, "objects": [a, b]}
	count(fs) == 1
	some f in fs
	f.object == 0
	contains(f.message, "\"b\" (8500)")
}

test_mtu004_passes_members_agree if {
	a := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"mtu": "8500"}))
	b := fixtures.configmap(1, "b", object.union(fixtures.member("b", 2), {"mtu": "8500"}))
	count(mtu.MTU004) == 0 with input as {"config": fixtures.undeclared, "objects": [a, b]}
}

test_mtu005_fires_ipv6_below_1280 if {
	cm := {"mtu": "1300", "enable-ipv6": "true"}
	some f in mtu.MTU005 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "pods get MTU 1250")
	contains(f.message, "1280 bytes IPv6 requires")
	contains(f.remediation, "`mtu: \"1330\"`")
}

test_mtu005_fires_ipv4_below_576 if {
	cm := {"mtu": "600", "enable-ipv6": "false", "enable-wireguard": "true"}
	some f in mtu.MTU005 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "576 bytes IPv4 requires")
}

test_mtu005_passes_ipv4_only_at_1300 if {
	cm := {"mtu": "1300", "enable-ipv6": "false"}
	count(mtu.MTU005) == 0 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)]}
}

test_mtu006_fires_path_undeclared if {
	some f in mtu.MTU006 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", fixtures.member("a", 1))]}
	contains(f.remediation, "aws-transit-gateway")
}

test_mtu006_passes_path_declared if {
	count(mtu.MTU006) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", fixtures.member("a", 1))]}
}

test_mtu006_passes_standard_frames if {
	cm := object.union(fixtures.member("a", 1), {"mtu": "1500"})
	count(mtu.MTU006) == 0 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)]}
}

test_mtu001_mss_of_ipv6_only_pods if {
	v6 := object.union(fixtures.member("a", 1), {"enable-ipv4": "false", "enable-ipv6": "true", "underlay-protocol": "ipv6"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", v6)]}
	contains(f.remediation, "pods get MTU 8430 (TCP MSS 8370)")
}

test_mtu001_fires_native_routing_with_encryption if {
	wg := object.union(fixtures.member("a", 1), {"routing-mode": "native", "ipam": "eni", "enable-wireguard": "true"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", wg)]}
	contains(f.message, "in native routing with WireGuard encryption")
	contains(f.message, "pods get MTU 8906 = 9001 - 95 WireGuard")
	plain := object.remove(wg, ["enable-wireguard"])
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", plain)]}
}

# --- CiliumNodeConfigs selecting every node are the cluster's settings -------------------

every_node(id, cluster, d) := fixtures.cnc(id, cluster, "mesh", "", {}, d)

test_mtu001_passes_every_node_clamp if {
	count(mtu.MTU001) == 0 with input as fixtures.run([fixtures.configmap(0, "a", fixtures.member("a", 1)), every_node(1, "a", {"mtu": "8500"})])
}

test_mtu001_fires_every_node_clamp_too_large if {
	some f in mtu.MTU001 with input as fixtures.run([fixtures.configmap(0, "a", fixtures.member("a", 1)), every_node(1, "a", {"mtu": "8800"})])
	contains(f.message, `mtu: 8800 is set by CiliumNodeConfig "mesh" for every node`)
	contains(f.remediation, "Set `mtu: \"8500\"` in CiliumNodeConfig \"mesh\"")
}

test_mtu004_reads_every_node_override if {
	a := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"mtu": "8500"}))
	b := fixtures.configmap(1, "b", object.union(fixtures.member("b", 2), {"mtu": "8500"}))
	some f in mtu.MTU004 with input as fixtures.run([a, b, every_node(2, "b", {"mtu": "8400"})])
	f.object == 0
	contains(f.message, `"b" (8400)`)
}

test_mtu005_reads_every_node_override if {
	cm := fixtures.configmap(0, "a", {"enable-ipv6": "true"})
	some f in mtu.MTU005 with input as fixtures.run([cm, every_node(1, "a", {"mtu": "1300"})])
	contains(f.message, "pods get MTU 1250")
}

test_mtu006_reads_every_node_override if {
	cm := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"mtu": "1500"}))
	count(mtu.MTU006) == 0 with input as {"config": fixtures.undeclared, "objects": [cm]}
	some _ in mtu.MTU006 with input as {"config": fixtures.undeclared, "objects": [cm, every_node(1, "a", {"mtu": "9001"})]}
}

# --- tunnel headroom in native routing (lib/budget.rego adapts_to_tunnel) ---------------

# An egress gateway makes Cilium keep the tunnel overhead in every pod's MTU, in native
# routing too; only traffic to the gateway nodes is tunnelled, so nothing between clusters.
test_mtu005_fires_egress_gateway_native_routing if {
	cm := {"routing-mode": "native", "mtu": "1320", "enable-ipv6": "true", "enable-egress-gateway": "true"}
	some f in mtu.MTU005 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "pods get MTU 1270 = 1320 - 50 kept for the egress gateway's tunnel")
	contains(f.remediation, "`mtu: \"1330\"`")
	count(mtu.MTU005) == 0 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", object.remove(cm, ["enable-egress-gateway"]))]}
}

test_mtu005_reads_legacy_egress_gateway_key if {
	values := {"routingMode": "native", "MTU": 1320, "ipv6": {"enabled": true}, "extraConfig": {"enable-ipv4-egress-gateway": "true"}}
	some f in mtu.MTU005 with input as {"config": fixtures.undeclared, "objects": [fixtures.helm(0, "a", values)]}
	contains(f.message, "pods get MTU 1270")
	helm := {"routingMode": "native", "MTU": 1320, "ipv6": {"enabled": true}, "egressGateway": {"enabled": true}}
	some _ in mtu.MTU005 with input as {"config": fixtures.undeclared, "objects": [fixtures.helm(0, "a", helm)]}
}

test_mtu001_passes_egress_gateway_native_routing if {
	cm := object.union(fixtures.member("a", 1), {"routing-mode": "native", "enable-egress-gateway": "true"})
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", cm)]}
	count(mtu.MTU006) == 0 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)]}
}

test_mtu001_counts_egress_gateway_headroom_with_encryption if {
	cm := object.union(fixtures.member("a", 1), {"routing-mode": "native", "enable-egress-gateway": "true", "enable-wireguard": "true"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "pods get MTU 8856 = 9001 - 50 kept for the egress gateway's tunnel + 95 WireGuard (80 before Cilium 1.20)")
	contains(f.remediation, "pods get MTU 8355")
}

# Cilium 1.16/1.17's high-scale ipcache encapsulates pod traffic in Geneve in native
# routing and keeps room for the DSR option too.
test_mtu001_fires_high_scale_ipcache if {
	cm := object.union(fixtures.member("a", 1), {"routing-mode": "native", "tunnel-protocol": "geneve", "enable-high-scale-ipcache": "true"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "in native routing with high-scale ipcache")
	contains(f.message, "pods get MTU 8939 = 9001 - 62 Geneve with the DSR option (high-scale ipcache)")
	contains(f.remediation, "pods get MTU 8438")
	some _ in mtu.MTU006 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)]}
	clamped := object.union(cm, {"mtu": "8500"})
	count(mtu.MTU001) == 0 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", clamped)]}
}

test_mtu001_ipsec_overhead_names_its_key if {
	cm := object.union(fixtures.member("a", 1), {"enable-ipsec": "true"})
	some f in mtu.MTU001 with input as {"config": fixtures.tgw, "objects": [fixtures.configmap(0, "a", cm)]}
	contains(f.message, "77 IPsec (assuming the documented rfc4106(gcm(aes)) key with a 128-bit ICV)")
}

# An mtu (or routing mode) Flux substitutes when it applies the file is unknown: nothing
# can be said of the cluster's packets. A deferred key no rule reads changes nothing.
test_mtu001_passes_deferred_mtu if {
	cm := object.union(fixtures.member("a", 1), {"mtu": "${CILIUM_MTU}"})
	count(mtu.MTU001) == 0 with input as fixtures.run([fixtures.configmap(0, "a", cm)])
}

test_mtu001_passes_deferred_routing_mode if {
	cm := object.union(fixtures.member("a", 1), {"routing-mode": "${ROUTING_MODE}"})
	count(mtu.MTU001) == 0 with input as fixtures.run([fixtures.configmap(0, "a", cm)])
}

test_mtu001_fires_beside_a_deferred_key_no_rule_reads if {
	cm := object.union(fixtures.member("a", 1), {"k8s-service-host": "${KUBE_API_HOST}"})
	count(mtu.MTU001) == 1 with input as fixtures.run([fixtures.configmap(0, "a", cm)])
}

test_mtu001_fires_when_a_higher_layer_sets_the_deferred_mtu if {
	base := fixtures.helm(0, "a", {"cluster": {"name": "a", "id": 1}, "MTU": "${CILIUM_MTU}"})
	prod := json.patch(fixtures.helm(1, "a", {"MTU": 9001}), [{"op": "add", "path": "/cilium/order", "value": 1}])
	count(mtu.MTU001) == 1 with input as fixtures.run([base, prod])
}
