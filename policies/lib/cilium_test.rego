package mtuguard.lib.cilium_test

import data.mtuguard.lib.cilium
import data.mtuguard.test.fixtures

test_problem_helm_ipv6_underlay_without_ipv6 if {
	some p in cilium.problems with input as fixtures.run([fixtures.helm(0, "a", {"underlayProtocol": "ipv6"})])
	p.path == ["underlayProtocol"]
	contains(p.message, "underlayProtocol: \"ipv6\" while IPv6 is disabled (ipv6.enabled defaults to false in Cilium's chart): the Cilium agent (1.20 and later) refuses to start")
	contains(p.message, "Enable IPv6 (`ipv6.enabled: true`)")
}

test_problem_configmap_ipv6_underlay_ipv6_off if {
	some p in cilium.problems with input as fixtures.run([fixtures.configmap(0, "a", {"underlay-protocol": "ipv6", "enable-ipv6": "false"})])
	p.path == ["data", "underlay-protocol"]
	contains(p.message, `enable-ipv6 is false`)
}

test_problem_ipv4_underlay_ipv4_off if {
	some p in cilium.problems with input as fixtures.run([fixtures.helm(0, "a", {"underlayProtocol": "ipv4", "ipv4": {"enabled": false}, "ipv6": {"enabled": true}})])
	contains(p.message, "while IPv4 is disabled (ipv4.enabled is false)")
}

test_no_problem_ipv6_underlay_with_ipv6 if {
	count(cilium.problems) == 0 with input as fixtures.run([fixtures.helm(0, "a", {"underlayProtocol": "ipv6", "ipv6": {"enabled": true}})])
	count(cilium.problems) == 0 with input as fixtures.run([fixtures.configmap(0, "a", {"underlay-protocol": "ipv6"})])
}

test_deferred_cluster_id_makes_a_member if {
	s := cilium.settings with input as {"config": fixtures.undeclared, "objects": [fixtures.helm(0, "a", {"cluster": {"name": "${NAME}", "id": "${ID}"}})]}
	s.a.clustermesh
	s.a.cluster_name == "${NAME}"
	s.a.unknown == {"cluster-id", "cluster-name"}
}

test_deferred_values_are_no_problems if {
	cm := {"cluster-name": "a", "cluster-id": "${CLUSTER_ID}", "mtu": "${MTU:=8500}", "enable-ipv6": "<no value>"}
	count(cilium.problems) == 0 with input as {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", cm)], "focus": [0]}
}

test_deferred_forms if {
	every v in ["${CLUSTER_ID}", "${MTU:=8500}", "${var.cluster_id}", "${ .ClusterLabels.id }", "prod-${REGION}", "<no value>", "global.fleet.clusterLabels.cluster-id", ["${POD_CIDR}"]] {
		cilium.deferred(v)
	}
	not cilium.deferred("$CLUSTER_ID")
	not cilium.deferred("8500")
	not cilium.deferred(8500)
}
