# MTU rules on node pools: the interface MTU Cilium auto-detects comes from their boot
# configuration.
package mtuguard.rules.mtu

import data.mtuguard.lib.budget
import data.mtuguard.lib.finding
import data.mtuguard.lib.mesh
import data.mtuguard.lib.nodes
import data.mtuguard.lib.objects

# METADATA
# title: Node pool raises the interface MTU above the mesh path MTU
# description: |
#   A node pool's boot configuration sets an interface MTU above the mesh path MTU (e.g.
#   `ip link set dev ens5 mtu 9001`, `MTUBytes=9001`) while its cluster's Cilium is a
#   ClusterMesh member in tunnel mode (or, in native routing, encrypting with WireGuard or
#   IPsec or using Cilium 1.16/1.17's high-scale ipcache) that auto-detects the MTU (no
#   `mtu` in its config or in a CiliumNodeConfig selecting every node): Cilium sizes
#   encapsulated packets to it and the path drops the larger ones. Only settings the
#   pool's OS reads count: a dhclient or ifcfg file on AL2023, networkd or netplan on AL2, a networkd file that sorts after the one
#   the family's tooling generates (AL2023's 70-ens5.network), or a clamp of an interface
#   the family lacks (eth0 on AL2023, ens5 on AL2) leaves the nodes at their default MTU;
#   an interface Cilium's `devices` setting does not select is not one it takes the MTU of.
#   In native routing without encryption it fires only where a declared link drops larger
#   packets without ICMP (a warning when a Transit Gateway clamps TCP's MSS), as MTU001.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu002
# custom:
#   id: MTU002
#   severity: error
#   applies_to: node pool (Karpenter EC2NodeClass, eksctl node group, Cluster API bootstrap config)
#   kinds: [NodePool]
#   remediation: |
#     Set the pool's interface MTU to at most the mesh path MTU (persistently), or set
#     Cilium's `mtu` to the path MTU so the node MTU no longer matters.
MTU002 contains f if {
	some o in objects.focus
	o.kind == "NodePool"
	s := mesh.settings[o.cluster] # with CiliumNodeConfigs selecting every node: their mtu counts
	s.clustermesh
	mesh.encapsulated(s)
	s.mtu == 0
	mesh.path_known
	some pool in o.nodepools
	p := nodes.with_devices(o.cluster, pool)
	nodes.pool_mtu(p) > mesh.path_mtu # the pool's nodes come up above the path
	some set in nodes.settings(p)
	set.mtu > mesh.path_mtu
	name := nodes.pool_name({"pool": p, "users": nodes.users(o.cluster, o, p)})
	f := finding.new({"object": o.id, "path": array.concat(p.path, set.at)}, {
		"message": sprintf(
			"node pool %s sets %s to MTU %d (%s), and cluster %q, a ClusterMesh member %s, auto-detects it: pods get %d and encapsulated packets reach %d bytes, but %s carries at most %d and drops the rest.",
			[name, iface(set), set.mtu, set.method, s.cluster_name, mesh.mode_text(s), budget.pod_mtu(set.mtu, s), set.mtu, mesh.path_text, mesh.path_mtu],
		),
		"remediation": pool_remediation,
	})
}

# Native routing without encapsulation: the pool's MTU is what pods send between clusters,
# lost only where a declared link drops larger packets without ICMP (as MTU001 has it).
MTU002 contains f if {
	some o in objects.focus
	o.kind == "NodePool"
	s := mesh.settings[o.cluster]
	s.clustermesh
	not mesh.encapsulated(s)
	s.mtu == 0
	mesh.path_known
	some pool in o.nodepools
	p := nodes.with_devices(o.cluster, pool)
	budget.pod_mtu(nodes.pool_mtu(p), s) > mesh.path_mtu
	some set in nodes.settings(p)
	pod := budget.pod_mtu(set.mtu, s)
	droppers := mesh.silent_droppers(pod)
	count(droppers) > 0
	name := nodes.pool_name({"pool": p, "users": nodes.users(o.cluster, o, p)})
	f := finding.with_severity(
		{"object": o.id, "path": array.concat(p.path, set.at)}, {
			"message": sprintf(
				"node pool %s sets %s to MTU %d (%s), and cluster %q, a ClusterMesh member in native routing, auto-detects it: pods get %d, so their packets to other clusters reach %d bytes, but %s. %s",
				[name, iface(set), set.mtu, set.method, s.cluster_name, pod, pod, silent_drop_text(droppers), native_effect(droppers)],
			),
			"remediation": pool_remediation,
		},
		native_severity(droppers),
	)
}

pool_remediation := sprintf("Set the MTU to %d in this pool, persistently and before kubelet starts (on AL2023: MTUBytes=%d in a drop-in in /etc/systemd/network/70-ens5.network.d/, then networkctl reload), or set Cilium's mtu to %d.", [mesh.path_mtu, mesh.path_mtu, mesh.path_mtu])

iface(set) := sprintf("interface %s", [set.interface]) if not set.interface in {"", "$"}

# A networkd file or drop-in names no interface: its unit's [Match] section does (on AL2023
# 70-ens5.network matches the primary ENI by MAC address).
iface(set) := sprintf("the interfaces %s matches", [networkd_unit(object.get(set, "file", ""))]) if set.interface == ""

iface(set) := "the interfaces" if {
	set.interface == ""
	not networkd_unit(object.get(set, "file", ""))
}

networkd_unit(file) := trim_suffix(dir, ".d") if {
	parts := split(file, "/")
	dir := parts[count(parts) - 2]
	endswith(dir, ".network.d")
} else := base if {
	parts := split(file, "/")
	base := parts[count(parts) - 1]
	endswith(base, ".network")
}

# "$": the command names the interface by a shell variable (userdata.VariableInterface).
iface(set) := "an interface named by a shell variable" if set.interface == "$"

# METADATA
# title: MTU clamp does not survive reconfiguration
# description: |
#   A node pool clamps the interface MTU with a bare command (`ip link set … mtu`,
#   `/sys/class/net/*/mtu` via `echo`/`printf`/`tee`, `ifconfig`), which the network
#   manager undoes: on AL2023 systemd-networkd re-applies `MTUBytes=9001` from
#   80-ec2.network whenever it reconfigures the interface (amazon-ec2-net-utils reloads it
#   when the ENI's addresses change); AL2's dhclient sets the DHCP-offered MTU on lease
#   renewal; on Ubuntu netplan's networkd units take the DHCP server's MTU. The clamp
#   silently disappears hours after boot. A persistent setting counts only if the family's
#   network manager reads it (AL2023: systemd-networkd; AL2: dhclient/ifcfg; Ubuntu:
#   netplan) and it wins networkd's first match. Or the pool writes the clamp to a file
#   but nothing applies it at boot: cloud-init writes files once the network is up, so
#   without `networkctl reload` (`netplan apply`) the nodes come up at the old MTU, and a
#   `.link` file only reaches devices that appear later.
# related_resources:
#   - ref: https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#mtu007
# custom:
#   id: MTU007
#   severity: warning
#   applies_to: node pool (Karpenter EC2NodeClass, eksctl node group, Cluster API bootstrap config)
#   kinds: [NodePool]
#   remediation: |
#     Make the clamp persistent and apply it: a systemd-networkd drop-in
#     (`/etc/systemd/network/70-ens5.network.d/mtu.conf`, `[Link] MTUBytes=`) and
#     `networkctl reload` on AL2023; `MTU=` in ifcfg or `supersede interface-mtu` for
#     dhclient on AL2; netplan `mtu:` in a file after 50-cloud-init.yaml and `netplan apply`
#     on Ubuntu. AL2023 has no eth0: name ens5.
MTU007 contains f if {
	some o in objects.focus
	o.kind == "NodePool"
	some pool in o.nodepools
	p := nodes.with_devices(o.cluster, pool)
	p.family != "bottlerocket"
	some set in nodes.settings(p)
	set.mtu < input.config.nodes.mtu # a clamp; raising is MTU002's business
	not set.persistent
	not persisted(p, set)
	name := nodes.pool_name({"pool": p, "users": nodes.users(o.cluster, o, p)})
	f := finding.new({"object": o.id, "path": array.concat(p.path, set.at)}, {
		"message": sprintf("node pool %s clamps %s to MTU %d with %s, which %s; Cilium follows the device's MTU, so the clamp can vanish hours after boot.", [name, iface(set), set.mtu, set.method, undoes(p.family, set)]),
		"remediation": persist_snippet(p.family, set),
	})
}

# A clamp written to a file that is not in effect when the nodes come up, and that no
# bare command applies meanwhile.
MTU007 contains f if {
	some o in objects.focus
	o.kind == "NodePool"
	some pool in o.nodepools
	p := nodes.with_devices(o.cluster, pool)
	some set in nodes.settings(p)
	set.mtu < input.config.nodes.mtu
	why := nodes.pending(p, set)
	not applied_by_command(p, set)
	name := nodes.pool_name({"pool": p, "users": nodes.users(o.cluster, o, p)})
	f := finding.new({"object": o.id, "path": array.concat(p.path, set.at)}, {
		"message": sprintf("node pool %s clamps %s to MTU %d, but %s: its nodes come up at MTU %d, Cilium sizes its packets to that, and the clamp arrives only when something reloads the network manager, if ever.", [name, iface(set), set.mtu, why, nodes.pool_mtu(p)]),
		"remediation": apply_snippet(p.family, set),
	})
}

# persisted: the same MTU is also written where the pool's network manager reads it (a
# file for another manager, or for an interface the nodes lack, persists nothing). An
# interface named by a shell variable may be any.
persisted(p, set) if {
	some other in nodes.settings(p)
	other.persistent
	other.mtu == set.mtu
	same_interface(other.interface, set.interface)
}

# applied_by_command: a bare command sets the same MTU at boot on an interface the file
# covers, which the file then keeps.
applied_by_command(p, set) if {
	some other in nodes.boot_settings(p)
	not other.persistent
	other.mtu == set.mtu
	same_interface(set.interface, other.interface)
}

same_interface(a, b) if a in {b, "", "$"}

same_interface(_, "$")

# undoes(family, set) says what takes a bare clamp back, and when.
undoes("al2023", set) := sprintf("systemd-networkd puts back whenever it reconfigures the interface: AL2023's 80-ec2.network, linked as /run/systemd/network/70-%s.network, sets MTUBytes=9001, and amazon-ec2-net-utils runs networkctl reload when the ENI's addresses change or another ENI is attached", [if_or(set, "ens5")])

undoes("al2", _) := "dhclient puts back when it renews the DHCP lease: AL2 runs no systemd-networkd, and dhclient sets the MTU the DHCP server offers (9001 in a VPC)"

undoes("ubuntu", set) := sprintf("systemd-networkd puts back when it reconfigures the interface or renews its lease: netplan renders /run/systemd/network/10-netplan-%s.network with UseMTU=true, so the DHCP server's MTU (9001 in an AWS VPC) applies unless netplan sets mtu:", [if_or(set, "<id>")])

undoes(f, _) := "the node's network manager can put back when it reconfigures the interface or renews its DHCP lease" if not f in {"al2023", "al2", "ubuntu"}

persist_snippet("al2", set) := sprintf("Also write MTU=%d to /etc/sysconfig/network-scripts/ifcfg-%s (or `supersede interface-mtu %d;` in /etc/dhcp/dhclient.conf).", [set.mtu, if_or(set, "eth0"), set.mtu])

persist_snippet("ubuntu", set) := sprintf("Set the MTU in netplan, in a file that sorts after cloud-init's 50-cloud-init.yaml (netplan merges files in name order) under the same ethernets ID (`netplan get ethernets`), and apply it:\ncat > /etc/netplan/60-mtu.yaml <<'EOF'\nnetwork:\n  version: 2\n  ethernets:\n    %s:\n      mtu: %d\nEOF\nnetplan apply", [if_or(set, "ens5"), set.mtu])

persist_snippet("al2023", set) := sprintf("Write a systemd-networkd drop-in for the unit amazon-ec2-net-utils generates, and reload:\nmkdir -p /etc/systemd/network/70-%s.network.d\nprintf '[Link]\\nMTUBytes=%d\\n' > /etc/systemd/network/70-%s.network.d/mtu.conf\nnetworkctl reload", [if_or(set, "ens5"), set.mtu, if_or(set, "ens5")])

persist_snippet(f, set) := sprintf("Also write MTU %d where the node's network manager reads it, and apply it: a systemd-networkd drop-in for the .network file that configures %s (`networkctl status` names it) and `networkctl reload`, netplan `mtu:` and `netplan apply`, or ifcfg MTU=.", [set.mtu, if_or(set, "the interface")]) if not f in {"al2023", "al2", "ubuntu"}

# apply_snippet(family, set) says how to put a written clamp into effect at boot.
apply_snippet(family, set) := sprintf("Run `networkctl reload` after writing the file (it reconfigures the interfaces whose files changed), or apply the MTU at once too: `ip link set dev %s mtu %d`.", [if_or(set, "ens5"), set.mtu]) if {
	set.method == "systemd-networkd MTUBytes"
} else := "Run `netplan apply` after writing the file." if {
	set.method == "netplan mtu"
} else := persist_snippet(family, set)

if_or(set, _) := set.interface if not set.interface in {"", "$"}

if_or(set, d) := d if set.interface in {"", "$"}
