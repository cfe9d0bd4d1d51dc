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

auto_member := fixtures.configmap(0, "a", fixtures.member("a", 1))

in_kube_system(o) := object.union(o, {"object": {"metadata": {"name": "cilium-config", "namespace": "kube-system"}}})

# The agent applies the every-node clamp first and the later-named jumbo override over it.
test_mtu003_fires_later_subset_over_every_node_clamp if {
	objs := [auto_member, fixtures.cnc(1, "a", "a-mesh-clamp", "kube-system", {}, {"mtu": "8500"}), fixtures.cnc(2, "a", "z-gpu", "kube-system", fixtures.gpu, {"mtu": "9001"})]
	fs := mtu.MTU003 with input as fixtures.run(objs)
	count(fs) == 1
	some f in fs
	f.object == 2
	contains(f.message, `after "a-mesh-clamp" in name order`)
	count(mtu.MTU001) == 0 with input as fixtures.run(objs)
}

test_mtu003_passes_subset_under_later_every_node_clamp if {
	objs := [auto_member, fixtures.cnc(1, "a", "z-mesh-clamp", "kube-system", {}, {"mtu": "8500"}), fixtures.cnc(2, "a", "a-gpu", "kube-system", fixtures.gpu, {"mtu": "9001"})]
	count(mtu.MTU003) == 0 with input as fixtures.run(objs)
}

test_mtu003_fires_every_node_override if {
	objs := [clamped_member, fixtures.cnc(1, "a", "jumbo", "kube-system", {}, {"mtu": "9001"})]
	some f in mtu.MTU003 with input as fixtures.run(objs)
	contains(f.message, "(every node)")
}

test_mtu003_passes_ignored_override if {
	objs := [in_kube_system(clamped_member), fixtures.cnc(1, "a", "jumbo", "default", {}, {"mtu": "9001"})]
	count(mtu.MTU003) == 0 with input as fixtures.run(objs)
}

test_mtu008_fires_other_namespace if {
	objs := [in_kube_system(clamped_member), fixtures.cnc(1, "a", "clamp", "default", {}, {"mtu": "8500"})]
	some f in mtu.MTU008 with input as fixtures.run(objs)
	f.path == ["metadata", "namespace"]
	contains(f.message, `is in namespace "default", but cluster "a"'s Cilium runs in "kube-system"`)
}

test_mtu008_fires_no_node_config_source if {
	objs := [fixtures.helm(0, "a", {"daemon": {"configSources": "config-map:cilium-config"}}), fixtures.cnc(1, "a", "clamp", "kube-system", {}, {"mtu": "8500"})]
	some f in mtu.MTU008 with input as fixtures.run(objs)
	contains(f.message, "reads no CiliumNodeConfig")
}

test_mtu008_fires_not_allowed if {
	objs := [fixtures.helm(0, "a", {"daemon": {"allowedConfigOverrides": "enable-bandwidth-manager"}}), fixtures.cnc(1, "a", "clamp", "kube-system", {}, {"mtu": "8500"})]
	some f in mtu.MTU008 with input as fixtures.run(objs)
	f.path == ["spec", "defaults", "mtu"]
	contains(f.message, "the agent ignores mtu of CiliumNodeConfig \"clamp\"")
}

test_mtu008_fires_blocked if {
	objs := [fixtures.helm(0, "a", {"daemon": {"blockedConfigOverrides": "mtu"}}), fixtures.cnc(1, "a", "clamp", "kube-system", {}, {"mtu": "8500"})]
	some f in mtu.MTU008 with input as fixtures.run(objs)
	contains(f.message, "daemon.blockedConfigOverrides \"mtu\"")
}

test_mtu008_fires_config_map_read_last if {
	objs := [fixtures.helm(0, "a", {"MTU": 9001, "daemon": {"configSources": "cilium-node-config,config-map:cilium-config"}}), fixtures.cnc(1, "a", "clamp", "kube-system", {}, {"mtu": "8500"})]
	some f in mtu.MTU008 with input as fixtures.run(objs)
	contains(f.message, "reads the cilium-config ConfigMap after it")
}

test_mtu008_fires_shadowed_by_later_name if {
	objs := [auto_member, fixtures.cnc(1, "a", "z-mesh-clamp", "kube-system", {}, {"mtu": "8500"}), fixtures.cnc(2, "a", "a-gpu", "kube-system", fixtures.gpu, {"mtu": "9001"})]
	fs := mtu.MTU008 with input as fixtures.run(objs)
	count(fs) == 1
	some f in fs
	f.object == 2
	contains(f.message, `but CiliumNodeConfig "z-mesh-clamp" (every node), later in name order, sets "8500"`)
}

test_mtu008_passes_applied if {
	objs := [in_kube_system(auto_member), fixtures.cnc(1, "a", "a-mesh-clamp", "kube-system", {}, {"mtu": "8500"}), fixtures.cnc(2, "a", "z-gpu", "kube-system", fixtures.gpu, {"mtu": "8500", "enable-bandwidth-manager": "true"})]
	count(mtu.MTU008) == 0 with input as fixtures.run(objs)
}

test_mtu008_passes_without_cilium_config if {
	count(mtu.MTU008) == 0 with input as fixtures.run([fixtures.cnc(1, "a", "clamp", "default", {}, {"mtu": "8500"})])
}
