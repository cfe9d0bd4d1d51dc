package mtuguard.rules.mtu_test

import data.mtuguard.lib.nodes
import data.mtuguard.rules.mtu
import data.mtuguard.test.fixtures

member_cm := fixtures.configmap(0, "a", fixtures.member("a", 1))

test_mtu002_fires_pool_sets_jumbo if {
	fs := mtu.MTU002 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)])])
	some f in fs
	f.object == 1
	f.path == ["spec", "userData", "#L9"]
	contains(f.message, "interface ens5 to MTU 9001")
}

test_mtu002_passes_pool_clamps if {
	count(mtu.MTU002) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(8500)])])
}

test_mtu002_passes_cilium_mtu_set if {
	cm := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"mtu": "8500"}))
	count(mtu.MTU002) == 0 with input as fixtures.run([cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)])])
}

test_mtu001_passes_all_pools_clamp_persistently if {
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(8500)])])
}

test_mtu001_fires_when_one_pool_is_unclamped if {
	objs := [member_cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(8500)]), fixtures.pool(2, "a", "bottlerocket", [])]
	some f in mtu.MTU001 with input as fixtures.run(objs)
	contains(f.message, "Bottlerocket has no interface MTU setting")
}

test_mtu007_fires_bare_ip_link if {
	some f in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [fixtures.ip_link(8500)])])
	contains(f.remediation, "/etc/systemd/network/70-ens5.network.d/mtu.conf")
	f.path == ["spec", "userData", "#L3"]
}

test_mtu007_fires_al2_dhclient_advice if {
	some f in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2", [on(fixtures.ip_link(8500), "eth0")])])
	contains(f.message, "dhclient")
	contains(f.remediation, "ifcfg-eth0")
}

# --- settings the pool's OS never reads: another network manager, an absent interface --

on(set, name) := object.union(set, {"interface": name})

dhclient(mtu) := {"interface": "", "mtu": mtu, "persistent": true, "method": "dhclient supersede interface-mtu", "at": ["spec", "userData", "#L4"]}

ifcfg(mtu, name) := {"interface": name, "mtu": mtu, "persistent": true, "method": "ifcfg MTU", "at": ["spec", "userData", "#L5"]}

netplan(mtu) := {"interface": "ens5", "mtu": mtu, "persistent": true, "method": "netplan mtu", "at": ["spec", "userData", "#L6"]}

test_mtu001_fires_al2023_dhclient_is_no_clamp if {
	# AL2023 runs systemd-networkd: dhclient.conf is never read, the nodes stay at 9001.
	some f in mtu.MTU001 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [dhclient(8500)])])
	contains(f.message, "node MTU 9001")
	contains(f.message, `in "default", dhclient supersede interface-mtu MTU 8500 has no effect: AL2023 runs systemd-networkd, not dhclient`)
}

test_mtu001_fires_al2023_ifcfg_is_no_clamp if {
	count(mtu.MTU001) == 1 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [ifcfg(8500, "ens5")])])
}

test_mtu001_fires_ubuntu_ifcfg_is_no_clamp if {
	some f in mtu.MTU001 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "ubuntu", [ifcfg(8500, "ens5")])])
	contains(f.message, "Ubuntu runs netplan and systemd-networkd, not ifcfg")
}

test_mtu001_passes_each_family_its_own_manager if {
	every set in [[ifcfg(8500, "eth0"), "al2"], [dhclient(8500), "al2"], [fixtures.networkd(8500), "al2023"], [netplan(8500), "ubuntu"], [fixtures.networkd(8500), "ubuntu"]] {
		count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", set[1], [set[0]])])
	}
}

test_mtu001_passes_unknown_family_reads_every_file if {
	every set in [dhclient(8500), ifcfg(8500, "eth0"), netplan(8500), on(fixtures.networkd(8500), "eth0")] {
		count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "", [set])])
	}
}

test_mtu001_fires_al2023_clamps_eth0 if {
	# An AL2 leftover: AL2023 names the interface ens5, so eth0's clamp touches nothing.
	some f in mtu.MTU001 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [on(fixtures.networkd(8500), "eth0")])])
	contains(f.message, "systemd-networkd MTUBytes MTU 8500 on eth0 has no effect: AL2023 nodes have no eth0 (their first interface is ens5)")
}

test_mtu001_fires_al2_clamps_ens5 if {
	count(mtu.MTU001) == 1 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2", [ifcfg(8500, "ens5")])])
}

test_mtu001_passes_names_that_may_exist if {
	# Other names, globs and shell variables may be the primary interface.
	every name in ["ens5", "enp0s5", "en*", "eth*", "$"] {
		count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [on(fixtures.networkd(8500), name)])])
	}
	every name in ["eth0", "eth*", "$"] {
		count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2", [ifcfg(8500, name)])])
	}
}

test_mtu002_passes_jumbo_on_an_absent_interface if {
	objs := [member_cm, fixtures.pool(1, "a", "al2023", [on(fixtures.ip_link(9001), "eth0"), fixtures.networkd(8500)])]
	count(mtu.MTU002) == 0 with input as fixtures.run(objs)
}

test_mtu007_fires_clamp_backed_by_a_file_nobody_reads if {
	# The dhclient setting would persist the clamp on AL2; AL2023 never reads it.
	count(mtu.MTU007) == 1 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [fixtures.ip_link(8500), dhclient(8500)])])
	count(mtu.MTU007) == 0 with input as fixtures.run([fixtures.pool(1, "a", "al2", [on(fixtures.ip_link(8500), "eth0"), dhclient(8500)])])
}

test_mtu007_passes_clamp_of_an_absent_interface if {
	# Nothing to persist: the command fails on these nodes (MTU001 tells).
	count(mtu.MTU007) == 0 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [on(fixtures.ip_link(8500), "eth0")])])
}

# --- interfaces named by shell variables ("$") ------------------------------------------

test_mtu002_fires_variable_interface if {
	some f in mtu.MTU002 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [on(fixtures.ip_link(9001), "$")])])
	contains(f.message, "sets an interface named by a shell variable to MTU 9001")
	not contains(f.message, "$")
}

test_mtu007_fires_variable_interface_advice_names_the_primary if {
	some f in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [on(fixtures.ip_link(8500), "$")])])
	contains(f.message, "clamps an interface named by a shell variable to MTU 8500")
	contains(f.remediation, "/etc/systemd/network/70-ens5.network.d/mtu.conf")
	not contains(concat(" ", [f.message, f.remediation]), "$")
	some g in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2", [on(fixtures.ip_link(8500), "$")])])
	contains(g.remediation, "/etc/sysconfig/network-scripts/ifcfg-eth0")
}

test_mtu007_passes_variable_clamp_backed_by_dropin if {
	count(mtu.MTU007) == 0 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [on(fixtures.ip_link(8500), "$"), fixtures.networkd(8500)])])
	count(mtu.MTU007) == 0 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [fixtures.ip_link(8500), on(fixtures.networkd(8500), "$")])])
}

test_mtu002_native_routing_only_across_a_silent_hop if {
	native := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"routing-mode": "native", "ipam": "eni"}))
	pool := fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)])
	some f in mtu.MTU002 with input as {"config": via("aws-vpc-peering-inter-region", "drops", false), "objects": [native, pool]}
	f.severity == "error"
	contains(f.message, "a ClusterMesh member in native routing, auto-detects it: pods get 9001")
	contains(f.message, "aws-vpc-peering-inter-region drops larger packets without ICMP")
	some g in mtu.MTU002 with input as {"config": via("aws-transit-gateway-peering", "drops", true), "objects": [native, pool]}
	g.severity == "warning"
	count(mtu.MTU002) == 0 with input as {"config": via("aws-transit-gateway", "signals", true), "objects": [native, pool]}
}

test_mtu007_passes_networkd_dropin if {
	count(mtu.MTU007) == 0 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [fixtures.networkd(8500)])])
}

test_mtu007_passes_bare_command_backed_by_dropin if {
	count(mtu.MTU007) == 0 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [fixtures.ip_link(8500), fixtures.networkd(8500)])])
}

test_mtu001_fires_with_several_pools_at_the_same_mtu if {
	objs := [member_cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)]), object.union(fixtures.pool(2, "a", "al2023", [fixtures.networkd(9001)]), {"nodepools": [{"name": "other", "path": [], "family": "al2023", "settings": [fixtures.networkd(9001)]}]})]
	some f in mtu.MTU001 with input as fixtures.run(objs)
	contains(f.message, "node pools \"default\", \"other\" set it with systemd-networkd MTUBytes")
}

test_mtu001_names_each_pool_once_and_a_fleet_in_short if {
	# Two files defining the same class name must not repeat it; twenty pools are summed up.
	twice := [member_cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)]), fixtures.pool(2, "a", "al2023", [fixtures.networkd(9001)])]
	some f in mtu.MTU001 with input as fixtures.run(twice)
	contains(f.message, "node pool \"default\" sets it")
	fleet := array.concat([member_cm], [object.union(fixtures.pool(i, "a", "al2023", []), {"nodepools": [{"name": sprintf("p%02d", [i]), "path": [], "family": "al2023", "settings": [fixtures.networkd(9001)]}]}) | some i in numbers.range(1, 20)])
	some g in mtu.MTU001 with input as fixtures.run(fleet)
	contains(g.message, "node pools \"p01\", \"p02\", \"p03\", \"p04\", \"p05\" and 15 more set it")
}

# --- pools as Go hands them over: Karpenter classes and NodePools, eksctl groups --------

class(id, name, settings) := {
	"id": id, "cluster": "a", "kind": "NodePool",
	"object": {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": name}},
	"nodepools": [{"name": name, "path": [], "family": "al2023", "settings": settings, "labels": {"karpenter.k8s.aws/ec2nodeclass": name}}],
}

karpenter_pool(id, name, class_name) := {
	"id": id, "cluster": "a", "kind": "NodePool",
	"object": {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": name}},
	"nodepools": [{
		"name": name, "path": ["spec", "template", "spec", "nodeClassRef"], "family": "", "settings": [],
		"nodeclass": class_name, "labels": {"karpenter.sh/nodepool": name, "karpenter.k8s.aws/ec2nodeclass": class_name},
	}],
}

test_nodes_pools_skip_a_class_no_nodepool_uses if {
	objs := [member_cm, class(1, "jumbo", [fixtures.ip_link(9001)]), class(2, "unused", []), karpenter_pool(3, "gpu", "jumbo")]
	{x.pool.name | some x in nodes.pools.a} == {"jumbo"} with input as fixtures.run(objs)

	# Without NodePools in scope every class counts: they may live elsewhere.
	{x.pool.name | some x in nodes.pools.a} == {"jumbo", "unused"} with input as fixtures.run([member_cm, class(1, "jumbo", []), class(2, "unused", [])])
}

test_mtu002_fires_names_the_karpenter_nodepools_using_the_class if {
	objs := [member_cm, class(1, "jumbo", [fixtures.ip_link(9001)]), karpenter_pool(2, "gpu", "jumbo"), karpenter_pool(3, "batch", "jumbo")]
	some f in mtu.MTU002 with input as fixtures.run(objs)
	f.object == 1
	contains(f.message, `node pool "jumbo" (EC2NodeClass of NodePool "batch", "gpu")`)
}

test_mtu002_passes_pool_whose_last_word_is_a_clamp if {
	# ip link raises ens5, a networkd unit clamps it: Cilium sees the smaller MTU.
	objs := [member_cm, class(1, "c", [fixtures.ip_link(9001), fixtures.networkd(8500)])]
	count(mtu.MTU002) == 0 with input as fixtures.run(objs)
}

test_mtu002_passes_loopback_and_bridges if {
	lo := object.union(fixtures.ip_link(65536), {"interface": "lo"})
	docker := object.union(fixtures.ip_link(9001), {"interface": "docker0"})
	objs := [member_cm, class(1, "c", [lo, docker, fixtures.networkd(8500)])]
	count(mtu.MTU002) == 0 with input as fixtures.run(objs)
	count(mtu.MTU001) == 0 with input as fixtures.run(objs)
}

test_mtu001_passes_windows_pools_run_no_cilium if {
	windows := {
		"id": 2, "cluster": "a", "kind": "NodePool", "object": {"apiVersion": "eksctl.io/v1alpha5", "kind": "ClusterConfig"},
		"nodepools": [{"name": "win", "path": ["nodeGroups", 0], "family": "windows", "settings": []}],
	}
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, class(1, "c", [fixtures.networkd(8500)]), windows])
}

test_mtu001_fires_karpenter_nodepool_only_counts_through_its_class if {
	# A NodePool alone adds nothing: the node MTU comes from the config's default.
	some f in mtu.MTU001 with input as fixtures.run([member_cm, karpenter_pool(1, "gpu", "missing")])
	contains(f.message, "node MTU 9001")
}

# --- MTU003 reads the MTU of the pools a CiliumNodeConfig selects ----------------------

native_member := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"routing-mode": "native"}))

tunnel_for(id, selector) := {
	"id": id, "cluster": "a", "kind": "CiliumNodeConfig",
	"object": {
		"apiVersion": "cilium.io/v2", "kind": "CiliumNodeConfig", "metadata": {"name": "tunnel-pool", "namespace": "kube-system"},
		"spec": {"nodeSelector": selector, "defaults": {"routing-mode": "tunnel"}},
	},
}

pools_for_selection := [
	class(1, "jumbo", []),
	class(2, "clamped", [fixtures.networkd(8500)]),
	karpenter_pool(3, "gpu", "jumbo"),
	karpenter_pool(4, "web", "clamped"),
]

test_mtu003_fires_selected_pool_is_jumbo if {
	objs := array.concat([native_member, tunnel_for(5, {"matchLabels": {"karpenter.sh/nodepool": "gpu"}})], pools_for_selection)
	some f in mtu.MTU003 with input as fixtures.run(objs)
	contains(f.message, "tunnel packets of 9001 bytes")
}

test_mtu003_passes_selected_pool_is_clamped if {
	objs := array.concat([native_member, tunnel_for(5, {"matchLabels": {"karpenter.sh/nodepool": "web"}})], pools_for_selection)
	count(mtu.MTU003) == 0 with input as fixtures.run(objs)
}

test_mtu003_passes_selected_by_expression if {
	sel := {"matchExpressions": [{"key": "karpenter.k8s.aws/ec2nodeclass", "operator": "In", "values": ["clamped"]}]}
	objs := array.concat([native_member, tunnel_for(5, sel)], pools_for_selection)
	count(mtu.MTU003) == 0 with input as fixtures.run(objs)
}

test_mtu003_fires_unknown_labels_mean_any_pool if {
	objs := array.concat([native_member, tunnel_for(5, {"matchLabels": {"team": "ml"}})], pools_for_selection)
	count(mtu.MTU003) == 1 with input as fixtures.run(objs)
}

test_mtu003_passes_cluster_already_reported_by_mtu001 if {
	# The cluster tunnels at 9001 already (MTU001 says so); an encryption override adds
	# nothing to the packet size.
	objs := [member_cm, fixtures.nodeconfig(1, "a", {"enable-wireguard": "true"})]
	count(mtu.MTU003) == 0 with input as fixtures.run(objs)
	count(mtu.MTU001) == 1 with input as fixtures.run(objs)
}

# --- MTU002 judges every encapsulated member: tunnel mode, or native routing with encryption --

test_mtu002_fires_native_routing_wireguard if {
	cm := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"routing-mode": "native", "enable-wireguard": "true"}))
	some f in mtu.MTU002 with input as fixtures.run([cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)])])
	contains(f.message, "a ClusterMesh member in native routing with WireGuard encryption")
	contains(f.message, "encapsulated packets reach 9001 bytes")
}

test_mtu002_passes_native_routing_unencrypted if {
	cm := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"routing-mode": "native"}))
	count(mtu.MTU002) == 0 with input as fixtures.run([cm, fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)])])
}

test_mtu002_passes_every_node_config_sets_mtu if {
	# The agent applies a CiliumNodeConfig selecting every node over cilium-config: Cilium
	# sizes packets to its mtu, whatever the pool's interface MTU.
	cm := fixtures.configmap(0, "a", fixtures.member("a", 1))
	pool := fixtures.pool(1, "a", "al2023", [fixtures.networkd(9001)])
	count(mtu.MTU002) == 1 with input as fixtures.run([cm, pool])
	count(mtu.MTU002) == 0 with input as fixtures.run([cm, pool, fixtures.cnc(2, "a", "mesh-mtu", "kube-system", {}, {"mtu": "8500"})])
}

# --- networkd's first match, .link files, files nothing applies at boot ------------------

# written(mtu, name, file) is MTUBytes= written to file; reloaded pools run networkctl reload.
written(mtu, name, file) := object.union(on(fixtures.networkd(mtu), name), {"file": file})

reloaded(family, settings) := object.union(fixtures.pool(1, "a", family, settings), {"nodepools": [object.union(fixtures.pool(1, "a", family, settings).nodepools[0], {"reloads": ["systemd-networkd", "netplan"]})]})

link(mtu, name, file) := object.union(written(mtu, name, file), {"method": "systemd .link MTUBytes"})

test_mtu001_fires_al2023_network_file_after_the_generated_one if {
	# 70-ens5.network (amazon-ec2-net-utils) matches ens5 first: 99-mtu.network never applies.
	some f in mtu.MTU001 with input as fixtures.run([member_cm, reloaded("al2023", [written(8500, "ens5", "/etc/systemd/network/99-mtu.network")])])
	contains(f.message, "has no effect: systemd-networkd applies the first .network file that matches an interface, and amazon-ec2-net-utils's /run/systemd/network/70-ens5.network sorts before 99-mtu.network")
}

test_mtu001_first_match_by_name if {
	applies := [
		"/etc/systemd/network/10-mtu.network", # before 70-ens5.network
		"/etc/systemd/network/70-ens5.network", # replaces the generated file of that name
		"/etc/systemd/network/70-ens5.network.d/mtu.conf", # a drop-in of the generated file
		"/run/systemd/network/70-ens5.network.d/mtu.conf",
	]
	every file in applies {
		count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, reloaded("al2023", [written(8500, "ens5", file)])])
	}
	shadowed := [
		"/etc/systemd/network/80-ec2.network.d/mtu.conf", # 70-ens5.network links to it, but drop-ins go by name
		"/etc/systemd/network/75-mtu.network",
		"/etc/systemd/network/99-mtu.network.d/mtu.conf",
	]
	every file in shadowed {
		count(mtu.MTU001) == 1 with input as fixtures.run([member_cm, reloaded("al2023", [written(8500, "ens5", file)])])
	}

	# A file naming no interface is measured against the primary one's unit.
	count(mtu.MTU001) == 1 with input as fixtures.run([member_cm, reloaded("al2023", [written(8500, "", "/etc/systemd/network/90-all.network")])])
}

test_mtu001_first_match_ubuntu_netplan if {
	count(mtu.MTU001) == 1 with input as fixtures.run([member_cm, reloaded("ubuntu", [written(8500, "ens5", "/etc/systemd/network/20-mtu.network")])])
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, reloaded("ubuntu", [written(8500, "ens5", "/etc/systemd/network/10-netplan-ens5.network.d/mtu.conf")])])
}

test_mtu001_fires_al2023_link_file if {
	some f in mtu.MTU001 with input as fixtures.run([member_cm, reloaded("al2023", [link(8500, "ens5", "/etc/systemd/network/10-mtu.link")])])
	contains(f.message, "AL2023's systemd-networkd sets MTUBytes=9001 from 80-ec2.network whenever it configures the interface")
}

test_mtu001_link_file_order_and_timing if {
	# After 99-default.link: never applies; before it: only to devices that appear later,
	# unless Ignition wrote it before boot.
	some f in mtu.MTU001 with input as fixtures.run([member_cm, reloaded("ubuntu", [link(8500, "ens5", "/etc/systemd/network/99-z.link")])])
	contains(f.message, "99-default.link matches every device")
	some g in mtu.MTU001 with input as fixtures.run([member_cm, reloaded("ubuntu", [link(8500, "ens5", "/etc/systemd/network/10-mtu.link")])])
	contains(g.message, "udev applies .link files only to devices that appear later")
	early := object.union(link(8500, "ens5", "/etc/systemd/network/10-mtu.link"), {"early": true})
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "", [early])])
}

test_mtu001_fires_file_written_but_never_applied if {
	set := written(8500, "ens5", "/etc/systemd/network/70-ens5.network.d/mtu.conf")
	some f in mtu.MTU001 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [set])])
	contains(f.message, "node pool \"default\" does not change it; in \"default\", systemd-networkd MTUBytes MTU 8500 in /etc/systemd/network/70-ens5.network.d/mtu.conf is written once the network is up")
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, reloaded("al2023", [set])])
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [object.union(set, {"early": true})])])
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [set, fixtures.ip_link(8500)])])
}

test_mtu007_fires_file_written_but_never_applied if {
	set := written(8500, "ens5", "/etc/systemd/network/70-ens5.network.d/mtu.conf")
	some f in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [set])])
	contains(f.message, "its nodes come up at MTU 9001")
	contains(f.remediation, "networkctl reload")
	count(mtu.MTU007) == 0 with input as fixtures.run([reloaded("al2023", [set])])
	count(mtu.MTU007) == 0 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [set, fixtures.ip_link(8500)])])
	np := object.union(netplan(8500), {"file": "/etc/netplan/60-mtu.yaml"})
	some g in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "ubuntu", [np])])
	contains(g.remediation, "netplan apply")
}

test_mtu007_says_what_undoes_the_clamp_per_family if {
	some a in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2023", [fixtures.ip_link(8500)])])
	contains(a.message, "AL2023's 80-ec2.network, linked as /run/systemd/network/70-ens5.network, sets MTUBytes=9001")
	not contains(a.message, "DHCP")
	some b in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2", [on(fixtures.ip_link(8500), "eth0")])])
	contains(b.message, "AL2 runs no systemd-networkd")
	some u in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "ubuntu", [fixtures.ip_link(8500)])])
	contains(u.message, "/run/systemd/network/10-netplan-ens5.network with UseMTU=true")
	contains(u.remediation, "/etc/netplan/60-mtu.yaml")
	some x in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "", [fixtures.ip_link(8500)])])
	not contains(x.message, "AL2023")
}

# --- what the linter cannot see, or the node never gets -------------------------------------

test_mtu001_karpenter_wrapping_is_no_clamp if {
	set := object.union(fixtures.networkd(8500), {"ignored": "systemd-networkd MTUBytes MTU 8500 has no effect: Karpenter hands AL2023 user data that is YAML but not MIME to nodeadm"})
	some f in mtu.MTU001 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [set])])
	contains(f.message, "Karpenter hands AL2023 user data")
}

test_mtu001_says_launch_template_mtu_is_unknown if {
	lt := object.union(fixtures.pool(1, "a", "al2023", []), {"nodepools": [object.union(fixtures.pool(1, "a", "al2023", []).nodepools[0], {"unknown": "it boots from launch template lt-1 (version 3), whose AMI and user data are outside this file"})]})
	some f in mtu.MTU001 with input as fixtures.run([member_cm, lt])
	contains(f.message, "auto-detects the node MTU 9001 (the MTU of node pool \"default\" is unknown: it boots from launch template lt-1")
	not contains(f.message, "does not change it")
	some g in mtu.MTU001 with input as fixtures.run([member_cm, lt, object.union(fixtures.pool(2, "a", "al2023", []), {"object": {"kind": "EC2NodeClass", "metadata": {"name": "b"}}})])
	contains(g.message, "does not change it; the MTU of node pool \"default\" is unknown")
}

# --- the devices Cilium selects (lib/nodes.rego unselected) -------------------------------

devices_cm(devices) := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), devices))

test_mtu001_fires_clamp_on_a_device_the_devices_filter_leaves_out if {
	# Cilium takes the smallest MTU of the devices it selects: with devices=ens5 it never
	# reads ens6's MTU, and ens5 stays at 9001.
	objs := [devices_cm({"devices": "ens5"}), fixtures.pool(1, "a", "al2023", [on(fixtures.networkd(8500), "ens6")])]
	some f in mtu.MTU001 with input as fixtures.run(objs)
	contains(f.message, "its devices setting (ens5) does not select ens6")
	count(mtu.MTU001) == 0 with input as fixtures.run([member_cm, fixtures.pool(1, "a", "al2023", [on(fixtures.networkd(8500), "ens6")])])
}

test_mtu001_passes_clamp_on_a_selected_device if {
	clamp := fixtures.pool(1, "a", "al2023", [on(fixtures.networkd(8500), "ens6")])
	count(mtu.MTU001) == 0 with input as fixtures.run([devices_cm({"devices": "ens+"}), clamp])
	count(mtu.MTU001) == 0 with input as fixtures.run([devices_cm({"devices": "ens5,ens6"}), clamp])
	count(mtu.MTU001) == 0 with input as fixtures.run([devices_cm({"devices": "ens5", "force-device-detection": "true"}), clamp])
	count(mtu.MTU001) == 0 with input as fixtures.run([devices_cm({"devices": "ens5"}), fixtures.pool(1, "a", "al2023", [on(fixtures.networkd(8500), "en*")])])
}

test_device_filter_first_match_decides if {
	nodes.device_selected({"filter": ["eth+", "!eth0"], "force": false}, "eth0")
	not nodes.device_selected({"filter": ["!eth0", "eth+"], "force": false}, "eth0")
	nodes.device_selected({"filter": ["!eth0", "eth+"], "force": false}, "eth1")
	not nodes.device_selected({"filter": ["!eth0"], "force": true}, "eth0")
	nodes.device_selected({"filter": ["!eth0"], "force": true}, "ens5")
}

test_mtu002_passes_jumbo_on_an_unselected_device if {
	# ens6's jumbo MTU is not what Cilium sizes packets by; the nodes' default is (MTU001).
	jumbo := fixtures.pool(1, "a", "al2023", [on(fixtures.networkd(9001), "ens6")])
	count(mtu.MTU002) == 0 with input as fixtures.run([devices_cm({"devices": "ens5"}), jumbo])
	some _ in mtu.MTU001 with input as fixtures.run([devices_cm({"devices": "ens5"}), jumbo])
	some _ in mtu.MTU002 with input as fixtures.run([member_cm, jumbo])
}
