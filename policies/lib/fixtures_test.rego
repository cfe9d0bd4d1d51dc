# Builders for Rego tests: input objects and configs in the shape Go hands the rules.
package mtuguard.test.fixtures

# configmap is a cilium-config ConfigMap's settings.
configmap(id, cluster, settings) := {
	"id": id, "cluster": cluster, "kind": "CiliumConfig",
	"object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cilium-config"}, "data": settings},
	"cilium": {"form": "configmap", "at": ["data"], "values": settings},
}

# helm is a Cilium Helm values document.
helm(id, cluster, values) := {
	"id": id, "cluster": cluster, "kind": "CiliumConfig", "object": values,
	"cilium": {"form": "helm", "at": [], "values": values},
}

# tgw is a config declaring an AWS Transit Gateway between the clusters.
tgw := config(8500, 9001)

# undeclared is a config with no mesh path.
undeclared := {"mesh": {"links": []}, "nodes": {"mtu": 9001, "declared": false}}

config(path_mtu, node_mtu) := {
	"mesh": {"pathMTU": path_mtu, "pathSource": sprintf("aws-transit-gateway %d", [path_mtu]), "links": []},
	"nodes": {"mtu": node_mtu, "declared": true},
}

# member is the ConfigMap data of a ClusterMesh member.
member(name, id) := {"cluster-name": name, "cluster-id": sprintf("%d", [id])}

# cnp is a CiliumNetworkPolicy with spec s in namespace "prod".
cnp(id, cluster, s) := {
	"id": id, "cluster": cluster, "kind": "CiliumNetworkPolicy",
	"object": {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": sprintf("p%d", [id]), "namespace": "prod"}, "spec": s},
}

# ccnp is a CiliumClusterwideNetworkPolicy with spec s.
ccnp(id, cluster, s) := {
	"id": id, "cluster": cluster, "kind": "CiliumClusterwideNetworkPolicy",
	"object": {"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy", "metadata": {"name": sprintf("c%d", [id])}, "spec": s},
}

# netpol is a Kubernetes NetworkPolicy with spec s.
netpol(id, cluster, s) := {
	"id": id, "cluster": cluster, "kind": "NetworkPolicy",
	"object": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": sprintf("n%d", [id]), "namespace": "prod"}, "spec": s},
}

# run wraps objects into an input with the Transit Gateway config.
run(objs) := {"config": tgw, "objects": objs}

# pool is a node-pool object with one pool holding settings.
pool(id, cluster, family, settings) := {
	"id": id, "cluster": cluster, "kind": "NodePool",
	"object": {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "default"}},
	"nodepools": [{"name": "default", "path": [], "family": family, "settings": settings}],
}

# ip_link is a bare `ip link set` clamp.
ip_link(mtu) := {"interface": "ens5", "mtu": mtu, "persistent": false, "method": "ip link set", "at": ["spec", "userData", "#L3"]}

# networkd is a persistent MTUBytes setting.
networkd(mtu) := {"interface": "ens5", "mtu": mtu, "persistent": true, "method": "systemd-networkd MTUBytes", "at": ["spec", "userData", "#L9"]}

# nodeconfig is a CiliumNodeConfig with spec.defaults d.
nodeconfig(id, cluster, d) := {
	"id": id, "cluster": cluster, "kind": "CiliumNodeConfig",
	"object": {
		"apiVersion": "cilium.io/v2", "kind": "CiliumNodeConfig", "metadata": {"name": "gpu", "namespace": "kube-system"},
		"spec": {"nodeSelector": {"matchLabels": {"pool": "gpu"}}, "defaults": d},
	},
}

# cnc is a CiliumNodeConfig called name in namespace ns with nodeSelector sel and defaults d.
cnc(id, cluster, name, ns, sel, d) := {
	"id": id, "cluster": cluster, "kind": "CiliumNodeConfig",
	"object": {
		"apiVersion": "cilium.io/v2", "kind": "CiliumNodeConfig", "metadata": {"name": name, "namespace": ns},
		"spec": {"nodeSelector": sel, "defaults": d},
	},
}

# gpu selects the nodes of pool "gpu".
gpu := {"matchLabels": {"pool": "gpu"}}
