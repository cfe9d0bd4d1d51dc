package mtuguard.lib.nodeconfig_test

import data.mtuguard.lib.cilium
import data.mtuguard.lib.mesh
import data.mtuguard.lib.nodeconfig
import data.mtuguard.test.fixtures

member := object.union(fixtures.member("a", 1), {"routing-mode": "tunnel"})

# cm is the cluster's cilium-config in kube-system.
cm := object.union(fixtures.configmap(0, "a", member), {"object": {"metadata": {"name": "cilium-config", "namespace": "kube-system"}}})

helm(values) := fixtures.helm(0, "a", object.union({"cluster": {"name": "a", "id": 1}}, values))

test_sources_default if {
	nodeconfig.sources.a == nodeconfig.default_sources with input as fixtures.run([cm, fixtures.cnc(1, "a", "x", "kube-system", {}, {"mtu": "8500"})])
}

test_sources_parsed_as_build_config_does if {
	got := nodeconfig.sources_of("config-map:cilium-config, cilium-node-config:infra,cilium-node-config:ops/one,node")
	got == [
		{"kind": "config-map", "namespace": "", "name": "cilium-config"},
		{"kind": "cilium-node-config", "namespace": "infra", "name": ""},
		{"kind": "cilium-node-config", "namespace": "ops", "name": "one"},
		{"kind": "node", "namespace": "", "name": ""},
	]
}

test_namespace_from_configmap_helm_and_flux if {
	nodeconfig.namespace.a == "kube-system" with input as fixtures.run([cm, fixtures.cnc(1, "a", "x", "", {}, {"mtu": "8500"})])
	nodeconfig.namespace.a == "cilium" with input as fixtures.run([helm({"namespaceOverride": "cilium"}), fixtures.cnc(1, "a", "x", "", {}, {"mtu": "8500"})])
	flux := {
		"id": 0, "cluster": "a", "kind": "CiliumConfig",
		"object": {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"namespace": "flux-system"}, "spec": {"targetNamespace": "cilium-system", "values": {}}},
		"cilium": {"form": "helm", "at": ["spec", "values"], "values": {}},
	}
	nodeconfig.namespace.a == "cilium-system" with input as fixtures.run([flux, fixtures.cnc(1, "a", "x", "", {}, {"mtu": "8500"})])
}

# Later names win per key; every-node layers and those with the same selector are in force together.
test_group_mtu_later_subset_wins if {
	objs := [cm, fixtures.cnc(1, "a", "a-all", "kube-system", {}, {"mtu": "8500"}), fixtures.cnc(2, "a", "z-gpu", "kube-system", fixtures.gpu, {"mtu": "9001"})]
	nodeconfig.group_settings(objs[2]).mtu == 9001 with input as fixtures.run(objs)
	nodeconfig.baseline_settings(objs[2]).mtu == 8500 with input as fixtures.run(objs)
	mesh.base_mtu.a == 8500 with input as fixtures.run(objs)
}

test_group_mtu_later_every_node_wins if {
	objs := [cm, fixtures.cnc(1, "a", "z-all", "kube-system", {}, {"mtu": "8500"}), fixtures.cnc(2, "a", "a-gpu", "kube-system", fixtures.gpu, {"mtu": "9001"})]
	nodeconfig.group_settings(objs[2]).mtu == 8500 with input as fixtures.run(objs)
}

test_every_node_override_is_the_cluster_mtu if {
	objs := [cm, fixtures.cnc(1, "a", "clamp", "kube-system", {}, {"mtu": "8400"})]
	mesh.base_mtu.a == 8400 with input as fixtures.run(objs)
	mesh.base_source.a == `mtu: 8400 is set by CiliumNodeConfig "clamp" for every node` with input as fixtures.run(objs)
	cilium.settings.a.mtu == 0 with input as fixtures.run(objs)
}

test_other_namespace_has_no_effect if {
	objs := [cm, fixtures.cnc(1, "a", "clamp", "default", {}, {"mtu": "8400"})]
	mesh.base_mtu.a == 9001 with input as fixtures.run(objs)
	count(nodeconfig.layers_of(objs[1])) == 0 with input as fixtures.run(objs)
}

test_unknown_namespace_applies if {
	objs := [fixtures.configmap(0, "a", member), fixtures.cnc(1, "a", "clamp", "default", {}, {"mtu": "8400"})]
	mesh.base_mtu.a == 8400 with input as fixtures.run(objs)
}

test_allowed_overrides_drop_other_keys if {
	objs := [helm({"daemon": {"allowedConfigOverrides": "tunnel-protocol"}}), fixtures.cnc(1, "a", "clamp", "", {}, {"mtu": "8400", "tunnel-protocol": "geneve"})]
	mesh.settings.a.mtu == 0 with input as fixtures.run(objs)
	mesh.settings.a.tunnel_protocol == "geneve" with input as fixtures.run(objs)
}

test_blocked_overrides_drop_their_keys if {
	objs := [helm({"daemon": {"blockedConfigOverrides": "mtu,routing-mode"}}), fixtures.cnc(1, "a", "clamp", "", {}, {"mtu": "8400"})]
	mesh.settings.a.mtu == 0 with input as fixtures.run(objs)
}

test_blocked_ignored_with_allowed if {
	objs := [helm({"daemon": {"allowedConfigOverrides": "mtu", "blockedConfigOverrides": "mtu"}}), fixtures.cnc(1, "a", "clamp", "", {}, {"mtu": "8400"})]
	mesh.settings.a.mtu == 8400 with input as fixtures.run(objs)
}

test_config_sources_without_node_configs if {
	objs := [helm({"daemon": {"configSources": "config-map:cilium-config"}}), fixtures.cnc(1, "a", "clamp", "", {}, {"mtu": "8400"})]
	mesh.settings.a.mtu == 0 with input as fixtures.run(objs)
}

test_named_source_applies_everywhere if {
	objs := [helm({"daemon": {"configSources": "config-map:cilium-config,cilium-node-config:kube-system/clamp"}}), fixtures.cnc(1, "a", "clamp", "kube-system", fixtures.gpu, {"mtu": "8400"})]
	mesh.settings.a.mtu == 8400 with input as fixtures.run(objs)
}

test_config_map_read_last_wins if {
	objs := [helm({"MTU": 9001, "daemon": {"configSources": "cilium-node-config,config-map:cilium-config"}}), fixtures.cnc(1, "a", "clamp", "", {}, {"mtu": "8400", "routing-mode": "native"})]
	mesh.settings.a.mtu == 9001 with input as fixtures.run(objs)
	mesh.settings.a.routing_mode == "tunnel" with input as fixtures.run(objs) # the chart always renders routing-mode
}

test_problem_underlay_ipv6_on_ipv4_only_nodes if {
	objs := [cm, fixtures.cnc(1, "a", "v6", "kube-system", fixtures.gpu, {"underlay-protocol": "ipv6", "enable-ipv6": "false"})]
	some p in nodeconfig.problems with input as fixtures.run(objs)
	p.path == ["spec", "defaults", "underlay-protocol"]
	contains(p.message, "refuses to start")
}

test_no_problem_underlay_ipv6_with_ipv6 if {
	objs := [cm, fixtures.cnc(1, "a", "v6", "kube-system", fixtures.gpu, {"underlay-protocol": "ipv6"})]
	count(nodeconfig.problems) == 0 with input as fixtures.run(objs)
}
