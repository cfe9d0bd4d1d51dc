# The per-document part of MTU001 and ICMP001, written the conftest way, for the
# side-by-side benchmark (make bench). It sees one document at a time, so it cannot know
# the mesh, the node pools or the cluster's settings: that is mtuguard's job.
package main

import rego.v1

deny contains msg if {
	input.kind == "ConfigMap"
	input.metadata.name == "cilium-config"
	to_number(object.get(input.data, "cluster-id", "0")) >= 1
	object.get(input.data, "routing-mode", "tunnel") == "tunnel"
	to_number(object.get(input.data, "mtu", "0")) == 0
	msg := sprintf("MTU001: %s auto-detects 9001 in tunnel mode above the 8500 path", [input.data["cluster-name"]])
}

deny contains msg if {
	input.kind == "CiliumNetworkPolicy"
	some rule in input.spec.ingressDeny
	some icmp in rule.icmps
	some f in icmp.fields
	object.get(f, "family", "IPv4") == "IPv6"
	f.type in {"PacketTooBig", 2, "2"}
	msg := sprintf("ICMP001: %s denies PacketTooBig", [input.metadata.name])
}
