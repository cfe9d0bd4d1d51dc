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
