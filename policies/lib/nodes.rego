# The MTU of the nodes' interfaces, which Cilium auto-detects when `mtu` is unset.
package mtuguard.lib.nodes

# mtu(cluster) is the node MTU Cilium would detect in that cluster: the config's
# nodes.mtu (default 9001, AWS ENA jumbo frames).
mtu(_) := input.config.nodes.mtu

# source(cluster) says where mtu(cluster) comes from, for messages.
source(_) := "nodes.mtu in the mtuguard config" if input.config.nodes.declared

source(_) := "the AWS default for ENA interfaces; set nodes.mtu in .mtuguard.yaml if yours differ" if not input.config.nodes.declared
