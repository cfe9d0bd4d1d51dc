# The MTU of the nodes' interfaces, which Cilium auto-detects when `mtu` is unset
# (v1.20.2 pkg/mtu/manager.go:49-107: the smallest MTU among the devices it selects, re-read
# whenever a device's MTU changes, and pushed to running pods, pkg/mtu/endpoint_updater.go).
# Selected devices (pkg/datapath/linux/devices_controller.go:624-715) are those the
# `devices` setting names, else every device with a global unicast route, minus bridges,
# Cilium's own tunnel devices and dummies (manager.go:35-47), and in ENI mode the secondary
# ENIs (manager.go:151-201). The model takes a setting of a native interface as selected
# unless the cluster's `devices` filter leaves the interface out (unselected below). Cilium
# 1.16 read the device holding the node IP instead, once at start (v1.16.0
# pkg/mtu/cell.go:60-82, detect_linux.go:79-106).
package mtuguard.lib.nodes

import data.mtuguard.lib.cilium
import data.mtuguard.lib.objects

node_objects := objects.kind("NodePool")

# pools[cluster] lists the node pools whose boot configuration is known, as
# {"id": object id, "pool": pool, "users": names of the Karpenter NodePools using it}. A
# Karpenter NodePool boots with its EC2NodeClass's configuration, so it counts through
# the class; Windows nodes run no Cilium, and Karpenter launches nothing from a class none
# of the cluster's NodePools in scope uses.
pools := {c: {{"id": o.id, "pool": with_devices(c, p), "users": users(c, o, p)} |
	some o in node_objects
	o.cluster == c
	some p in o.nodepools
	not p.nodeclass
	p.family != "windows"
	not unused(c, o, p)
} |
	some c in {o.cluster | some o in node_objects}
}

default unused(_, _, _) := false

# unused(c, o, p): p is an EC2NodeClass no Karpenter NodePool of cluster c names, while
# some are in scope (without any, the NodePools live elsewhere and may use it).
unused(c, o, p) if {
	o.object.kind == "EC2NodeClass"
	count(karpenter[c]) > 0
	count(users(c, o, p)) == 0
}

# karpenter[cluster] lists the Karpenter NodePools of a cluster: {"pool", "class"} where
# class is the EC2NodeClass pool it uses, when that is in scope.
karpenter := {c: [{"pool": p, "class": class_pool(c, p.nodeclass)} |
	some o in node_objects
	o.cluster == c
	some p in o.nodepools
	p.nodeclass
] |
	some c in {o.cluster | some o in node_objects}
}

class_pool(c, name) := [with_devices(c, p) |
	some o in node_objects
	o.cluster == c
	o.object.kind == "EC2NodeClass"
	some p in o.nodepools
	p.name == name
]

# with_devices(c, p) is pool p as cluster c's agent sees it: with the `devices` filter
# Cilium selects devices by (and force-device-detection), when the cluster's config has one.
with_devices(c, p) := object.union(p, {"cilium_devices": {"filter": f, "force": cilium.settings[c].force_device_detection}}) if {
	f := cilium.settings[c].devices
	count(f) > 0
} else := p

# unselected(p, s): the setting's interface is one the `devices` filter leaves out, so its
# MTU is not among those Cilium takes the smallest of. Only a plain interface name is
# judged (a glob or a shell variable may name a selected device); alternative names, which
# Cilium matches too, are unknown here.
unselected(p, s) if {
	regex.match(`^[A-Za-z0-9_.:@-]+$`, s.interface)
	not device_selected(p.cilium_devices, s.interface)
}

# device_selected(d, name) is tables.DeviceFilter.Match as the devices controller uses it
# (pkg/datapath/tables/device.go:223-240, pkg/datapath/linux/devices_controller.go:634-650):
# the first entry matching the name decides, a "!" entry excluding it; `eth+` matches
# names starting with eth. A name no entry matches is out, unless force-device-detection
# sends it on to auto-detection.
device_selected(d, name) if {
	ms := [e | some e in d.filter; filter_matches(trim_prefix(e, "!"), name)]
	count(ms) > 0
	not startswith(ms[0], "!")
}

device_selected(d, name) if {
	d.force
	count([e | some e in d.filter; filter_matches(trim_prefix(e, "!"), name)]) == 0
}

filter_matches(e, name) if {
	endswith(e, "+")
	startswith(name, trim_right(e, "+"))
}

filter_matches(e, name) if {
	not endswith(e, "+")
	e == name
}

users(c, o, p) := sort({x.pool.name | some x in karpenter[c]; x.pool.nodeclass == p.name}) if {
	o.object.kind == "EC2NodeClass"
} else := []

# native(set): the setting is on a device Cilium may select; loopback, bridges, veths and
# tunnel devices never carry the node's traffic to other nodes.
native(set) if not regex.match(`^(lo|docker[0-9]*|cni[0-9]*|cilium_.*|lxc.*|veth.*|br-.*|virbr[0-9]*|vxlan.*|genev.*|flannel.*|tun[0-9]*|tap[0-9]*|wg[0-9]*|kube-.*|nodelocaldns)$`, set.interface)

# settings(p) are the pool's settings that reach its nodes' native devices.
settings(p) := [s | some s in p.settings; native(s); not ignored(p, s)]

# managers[family] are the network managers a family runs; a file written for another is
# never read. AL2023: systemd-networkd, configured by amazon-ec2-net-utils 2.x (no
# dhclient, initscripts or netplan); AL2: dhclient and initscripts ifcfg (no networkd, no
# netplan); Ubuntu: netplan, which renders systemd-networkd units. udev, which applies
# .link files (link_method), runs on all of them. Other families (unknown, Bottlerocket)
# accept every setting.
managers := {
	"al2023": {"systemd-networkd"},
	"al2": {"dhclient", "ifcfg"},
	"ubuntu": {"netplan", "systemd-networkd"},
}

link_method := "systemd .link MTUBytes"

# manager_of[method] is the network manager that reads a persistent setting (the methods
# userdata.configFiles and commandSetting name).
manager_of := {
	"systemd-networkd MTUBytes": "systemd-networkd",
	"netplan mtu": "netplan",
	"ifcfg MTU": "ifcfg",
	"dhclient supersede interface-mtu": "dhclient",
}

# absent_names[family] matches interface names the family's nodes never have: AL2023
# names interfaces predictably (ens5 first on Nitro), AL2 keeps eth0. Only names that
# certainly do not exist: a glob, another prefix or a shell variable may be the
# primary interface.
absent_names := {"al2023": `^eth[0-9]+$`, "al2": `^ens[0-9]+$`}

# primary[family] is the name of the family's first interface, for advice.
primary := {"al2023": "ens5", "al2": "eth0"}

family_names := {"al2023": "AL2023", "al2": "AL2", "ubuntu": "Ubuntu"}

# generated_units[family] is the .network file the family's own tooling writes for each
# interface, at boot. systemd-networkd sorts every .network file by name, whatever its
# directory, and applies the first that matches an interface; a file of the same name in
# /etc replaces it (systemd.network(5)). So a user file sorting after it never applies,
# and a drop-in counts only under its name (drop-ins are found by the name a unit is
# listed under, not by the file a symlink points to). AL2023: amazon-ec2-net-utils links
# /run/systemd/network/70-<if>.network to /usr/lib/systemd/network/80-ec2.network and
# writes drop-ins in 70-<if>.network.d (lib/lib.sh create_interface_config); Ubuntu:
# netplan renders /run/systemd/network/10-netplan-<id>.network (src/util.c).
generated_units := {
	"al2023": {"tool": "amazon-ec2-net-utils", "name": "70-%s.network", "pattern": `^70-.+\.network$`},
	"ubuntu": {"tool": "netplan", "name": "10-netplan-%s.network", "pattern": `^10-netplan-.+\.network$`},
}

# ignored(p, s) says why a setting never reaches the pool's nodes, when it does not: the
# way the pool hands its user data over loses it, no network manager of the family reads
# the file, another file wins networkd's or udev's first match, or the interface does not
# exist (a typical AL2 leftover on AL2023).
ignored(p, s) := s.ignored if {
	s.ignored
} else := sprintf("%s MTU %d has no effect: %s runs %s, not %s", [s.method, s.mtu, family_names[p.family], concat(" and ", sort(runs)), m]) if {
	runs := managers[p.family]
	m := manager_of[s.method]
	not m in runs
} else := shadowed(p, s) if {
	shadowed(p, s)
} else := sprintf("%s MTU %d in %s has no effect: udev applies the first .link file that matches a device, and 99-default.link matches every device", [s.method, s.mtu, s.file]) if {
	s.method == link_method
	basename(s.file) > "99-default.link"
} else := sprintf("%s MTU %d in %s has no effect: AL2023's systemd-networkd sets MTUBytes=9001 from 80-ec2.network whenever it configures the interface, after udev applied the .link file", [s.method, s.mtu, s.file]) if {
	s.method == link_method
	p.family == "al2023"
} else := sprintf("%s MTU %d on %s has no effect: %s nodes have no %s (their first interface is %s)", [s.method, s.mtu, s.interface, family_names[p.family], s.interface, primary[p.family]]) if {
	regex.match(absent_names[p.family], s.interface)
} else := sprintf("%s MTU %d on %s is not one Cilium reads: its devices setting (%s) does not select %s, and Cilium takes the base MTU from the devices it selects", [s.method, s.mtu, s.interface, concat(" ", p.cilium_devices.filter), s.interface]) if {
	unselected(p, s)
}

# shadowed(p, s) says why a networkd setting loses the first match to the unit the
# family's tooling generates for the interface.
shadowed(p, s) := sprintf("%s MTU %d in %s has no effect: systemd-networkd applies the first .network file that matches an interface, and %s's /run/systemd/network/%s sorts before %s (put the [Link] section in a drop-in, %s.d/*.conf, instead)", [s.method, s.mtu, s.file, g.tool, gen, unit, gen]) if {
	s.method == "systemd-networkd MTUBytes"
	g := generated_units[p.family]
	unit := network_unit(s.file)
	not regex.match(g.pattern, unit)
	gen := sprintf(g.name, [interface_or_primary(p, s)])
	unit > gen
}

# network_unit(file) is the .network file a networkd setting belongs to: the file itself,
# or the one a drop-in (<name>.network.d/*.conf) extends.
network_unit(file) := basename(file) if endswith(file, ".network")

network_unit(file) := m[1] if {
	some m in regex.find_all_string_submatch_n(`([^/]+\.network)\.d/[^/]+\.conf$`, file, 1)
}

basename(file) := regex.replace(file, `^.*/`, "")

interface_or_primary(_, s) := s.interface if not s.interface in {"", "$"}

interface_or_primary(p, s) := object.get(primary, p.family, "") if s.interface in {"", "$"}

# reread[method] is the network manager that must re-read a file written after it
# configured the interface, and the command that makes it (networkctl(1) reload
# reconfigures the interfaces whose files changed; netplan apply renders and reloads).
reread := {
	"systemd-networkd MTUBytes": {"manager": "systemd-networkd", "command": "networkctl reload"},
	"netplan mtu": {"manager": "netplan", "command": "netplan apply"},
}

# pending(p, s) says why a file the pool writes is not in effect when its nodes come up,
# when it is not. cloud-init writes files and runs user scripts once the network is up:
# networkd (or netplan) has configured the interface and udev has applied its .link file.
# Such a file takes effect only when the manager re-reads it: a command of the pool's, or
# whatever reloads it later (on AL2023, amazon-ec2-net-utils runs networkctl reload when it
# rewrites an interface's drop-ins, e.g. when the ENI's addresses change), at an unknown
# time after Cilium sized its packets to the MTU the nodes came up with. Ignition writes
# its files before networkd starts (s.early).
pending(p, s) := sprintf("%s MTU %d in %s is written once the network is up, after udev set up the interface, and udev applies .link files only to devices that appear later", [s.method, s.mtu, s.file]) if {
	s.method == link_method
	s.file
	not object.get(s, "early", false)
} else := sprintf("%s MTU %d in %s is written once the network is up, after %s configured the interface, and nothing in the pool makes it re-read its files (`%s`)", [s.method, s.mtu, s.file, r.manager, r.command]) if {
	r := reread[s.method]
	s.file
	not object.get(s, "early", false)
	not r.manager in object.get(p, "reloads", [])
}

# boot_settings(p) are the pool's settings in effect when its nodes come up.
boot_settings(p) := [s | some s in settings(p); not pending(p, s)]

# pool_mtu(p) is the MTU a pool's nodes come up with: the smallest it sets (Cilium takes
# the smallest device), else the config's nodes.mtu.
pool_mtu(p) := min({s.mtu | some s in boot_settings(p)}) if count(boot_settings(p)) > 0

pool_mtu(p) := input.config.nodes.mtu if count(boot_settings(p)) == 0

known(c) if count(object.get(pools, c, set())) > 0

# mtu(cluster): the largest MTU any pool of the cluster comes up with, since those nodes
# send the largest packets; without pools in scope, the config's nodes.mtu (default 9001).
mtu(c) := max({pool_mtu(x.pool) | some x in pools[c]}) if known(c)

mtu(c) := input.config.nodes.mtu if not known(c)

# selected_mtu(cluster, selector): the node MTU of the nodes a label selector (a
# CiliumNodeConfig's nodeSelector) picks. When the selector picks pools by their labels
# (Karpenter NodePool, eksctl node group, kubelet node-labels), the largest of theirs;
# otherwise, every pool may be among them: mtu(cluster).
selected_mtu(c, sel) := max(picked) if {
	picked := {m | some m in picked_mtus(c, sel)}
	count(picked) > 0
} else := mtu(c)

picked_mtus(c, sel) := array.concat(
	[pool_mtu(x.pool) | some x in pools[c]; matches(sel, object.get(x.pool, "labels", {}))],
	[karpenter_mtu(x) | some x in karpenter[c]; matches(sel, x.pool.labels)],
)

# A Karpenter NodePool's nodes get its class's MTU; with the class out of scope, the default.
karpenter_mtu(x) := pool_mtu(x.class[0]) if count(x.class) > 0

karpenter_mtu(x) := input.config.nodes.mtu if count(x.class) == 0

# matches(selector, labels): Kubernetes label-selector semantics; an empty selector picks
# every node, so it identifies no pool in particular.
matches(sel, labels) if {
	count(object.get(sel, "matchLabels", {})) + count(object.get(sel, "matchExpressions", [])) > 0
	every k, v in object.get(sel, "matchLabels", {}) {
		labels[k] == v
	}
	every e in object.get(sel, "matchExpressions", []) {
		expression(e, labels)
	}
}

expression(e, labels) if {
	e.operator == "In"
	labels[e.key] in e.values
}

expression(e, labels) if {
	e.operator == "NotIn"
	not labels[e.key] in e.values
}

expression(e, labels) if {
	e.operator == "Exists"
	labels[e.key]
}

expression(e, labels) if {
	e.operator == "DoesNotExist"
	not labels[e.key]
}

# source(cluster) says where mtu(cluster) comes from, for messages. Several pools may
# give the same MTU: they are all named, in order, so the text is one value.
source(c) := sprintf("%s %s it with %s%s", [pool_phrase(setters), verb(setters, "sets", "set"), methods, ignored_note(c)]) if {
	setters := sort({pool_name(x) | some x in pools[c]; pool_mtu(x.pool) == mtu(c); count(boot_settings(x.pool)) > 0})
	count(setters) > 0
	methods := concat(", ", sort({s.method | some x in pools[c]; pool_mtu(x.pool) == mtu(c); some s in boot_settings(x.pool)}))
} else := sprintf("%s %s not change it%s%s%s", [pool_phrase(defaults), verb(defaults, "does", "do"), bottlerocket_note(c), ignored_note(c), unknown_note(c)]) if {
	defaults := sort({pool_name(x) | some x in at_default(c); not x.pool.unknown})
	count(defaults) > 0
} else := sprintf("%s%s", [trim_prefix(unknown_note(c), "; "), ignored_note(c)]) if {
	count(at_default(c)) > 0
} else := "nodes.mtu in the mtuguard config" if {
	input.config.nodes.declared
} else := "the AWS default for ENA interfaces; set nodes.mtu in .mtuguard.yaml if yours differ"

# at_default(c) are the pools of a cluster whose nodes come up at mtu(c) without setting it.
at_default(c) := [x | some x in pools[c]; pool_mtu(x.pool) == mtu(c); count(boot_settings(x.pool)) == 0]

# unknown_note(c) names the pools at the default MTU whose boot configuration is out of
# sight (an eksctl launch template): their MTU is unknown, not unchanged.
unknown_note(c) := concat("", [sprintf("; the MTU of %s is unknown: %s", [pool_phrase([pool_name(x)]), x.pool.unknown]) | some x in at_default(c); x.pool.unknown]) if {
	input.config.nodes.declared
} else := concat("", [sprintf("; the MTU of %s is unknown: %s (mtuguard assumes %d, the AWS default for ENA interfaces)", [pool_phrase([pool_name(x)]), x.pool.unknown, input.config.nodes.mtu]) | some x in at_default(c); x.pool.unknown])

# pool_name(x) names a pool, quoted, for messages: an EC2NodeClass with the Karpenter
# NodePools using it.
pool_name(x) := sprintf("%q (EC2NodeClass of NodePool %s)", [x.pool.name, concat(", ", [sprintf("%q", [u]) | some u in x.users])]) if {
	count(x.users) > 0
} else := sprintf("%q", [x.pool.name])

pool_phrase(names) := sprintf("node pool %s", [names[0]]) if count(names) == 1

pool_phrase(names) := sprintf("node pools %s", [concat(", ", names)]) if {
	count(names) > 1
	count(names) <= max_named
}

# A fleet's pools would bury the message: past max_named, the first few and a count.
pool_phrase(names) := sprintf("node pools %s and %d more", [concat(", ", array.slice(names, 0, max_named - 1)), count(names) - (max_named - 1)]) if {
	count(names) > max_named
}

max_named := 6

verb(names, one, _) := one if count(names) == 1

verb(names, _, many) := many if count(names) > 1

bottlerocket_note(c) := "; Bottlerocket has no interface MTU setting, so only Cilium's mtu can clamp it" if {
	some x in pools[c]
	x.pool.family == "bottlerocket"
	pool_mtu(x.pool) == mtu(c)
} else := ""

# ignored_note(c) names the settings of the pools at mtu(c) that do not reach their nodes,
# or not by the time they come up, which their authors may take for clamps.
ignored_note(c) := concat("", [sprintf("; in %s, %s", [name, why]) | some [name, why] in notes]) if {
	notes := sort({[pool_name(x), why] |
		some x in pools[c]
		pool_mtu(x.pool) == mtu(c)
		some s in x.pool.settings
		native(s)
		why := unapplied(x.pool, s)
	})
	count(notes) > 0
} else := ""

# unapplied(p, s) says why a setting is not in effect when the pool's nodes come up.
unapplied(p, s) := ignored(p, s) if {
	ignored(p, s)
} else := pending(p, s) if {
	pending(p, s)
}
