# The MTU of the nodes' interfaces, which Cilium auto-detects when `mtu` is unset
# (pkg/mtu/manager.go: the smallest MTU among the native devices).
package mtuguard.lib.nodes

import data.mtuguard.lib.objects

# pools[cluster] lists the node pools of a cluster: {"object", "pool"}.
pools := {c: {{"object": o, "pool": p} | some o in node_objects; o.cluster == c; some p in o.nodepools} |
	some c in {o.cluster | some o in node_objects}
}

node_objects := objects.kind("NodePool")

# pool_mtu(p) is the MTU a pool's nodes come up with: the smallest it sets (Cilium takes
# the smallest device), else the config's nodes.mtu.
pool_mtu(p) := min({s.mtu | some s in p.settings}) if count(p.settings) > 0

pool_mtu(p) := input.config.nodes.mtu if count(p.settings) == 0

# mtu(cluster): the largest MTU any pool of the cluster comes up with, since those nodes
# send the largest packets; without pools in scope, the config's nodes.mtu (default 9001).
mtu(c) := max({pool_mtu(x.pool) | some x in pools[c]}) if pools[c]

mtu(c) := input.config.nodes.mtu if not pools[c]

# source(cluster) says where mtu(cluster) comes from, for messages. Several pools may
# give the same MTU: they are all named, in order, so the text is one value.
source(c) := sprintf("%s %s it with %s", [pool_phrase(setters), verb(setters, "sets", "set"), methods]) if {
	setters := sort([x.pool.name | some x in pools[c]; pool_mtu(x.pool) == mtu(c); count(x.pool.settings) > 0])
	count(setters) > 0
	methods := concat(", ", sort({s.method | some x in pools[c]; pool_mtu(x.pool) == mtu(c); some s in x.pool.settings}))
} else := sprintf("%s %s not change it%s", [pool_phrase(defaults), verb(defaults, "does", "do"), bottlerocket_note(c)]) if {
	defaults := sort([x.pool.name | some x in pools[c]; pool_mtu(x.pool) == mtu(c)])
	count(defaults) > 0
} else := "nodes.mtu in the mtuguard config" if {
	input.config.nodes.declared
} else := "the AWS default for ENA interfaces; set nodes.mtu in .mtuguard.yaml if yours differ"

pool_phrase(names) := sprintf("node pool %q", [names[0]]) if count(names) == 1

pool_phrase(names) := sprintf("node pools %s", [concat(", ", [sprintf("%q", [n]) | some n in names])]) if count(names) > 1

verb(names, one, _) := one if count(names) == 1

verb(names, _, many) := many if count(names) > 1

method(p) := concat(", ", sort({s.method | some s in p.settings}))

bottlerocket_note(c) := "; Bottlerocket has no interface MTU setting, so only Cilium's mtu can clamp it" if {
	some x in pools[c]
	x.pool.family == "bottlerocket"
} else := ""
