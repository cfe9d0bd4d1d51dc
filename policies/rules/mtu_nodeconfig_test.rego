package mtuguard.rules.mtu_test

import data.mtuguard.rules.mtu
import data.mtuguard.test.fixtures

clamped_member := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"mtu": "8500"}))

test_mtu003_fires_override_raises_mtu if {
	fs := mtu.MTU003 with input as fixtures.run([clamped_member, fixtures.nodeconfig(1, "a", {"mtu": "9001"})])
	some f in fs
	f.path == ["spec", "defaults", "mtu"]
	contains(f.message, "tunnel packets of 9001 bytes")
}

test_mtu003_fires_override_enables_tunnel_over_auto_detect if {
	native := fixtures.configmap(0, "a", object.union(fixtures.member("a", 1), {"routing-mode": "native"}))
	some f in mtu.MTU003 with input as fixtures.run([native, fixtures.nodeconfig(1, "a", {"routing-mode": "tunnel"})])
	f.path == ["spec", "defaults", "routing-mode"]
}

test_mtu003_passes_override_within_path if {
	count(mtu.MTU003) == 0 with input as fixtures.run([clamped_member, fixtures.nodeconfig(1, "a", {"mtu": "8400", "enable-wireguard": "true"})])
}

test_mtu003_passes_unrelated_override if {
	count(mtu.MTU003) == 0 with input as fixtures.run([clamped_member, fixtures.nodeconfig(1, "a", {"enable-bpf-masquerade": "true"})])
}
