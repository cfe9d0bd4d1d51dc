package mtuguard.rules.mtu_test

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
	some f in mtu.MTU007 with input as fixtures.run([fixtures.pool(1, "a", "al2", [fixtures.ip_link(8500)])])
	contains(f.message, "dhclient")
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
