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
