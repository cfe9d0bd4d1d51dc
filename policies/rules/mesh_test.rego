package mtuguard.rules.mesh_test

import data.mtuguard.rules.mesh
import data.mtuguard.test.fixtures

two(a, b) := {"config": fixtures.undeclared, "objects": [fixtures.configmap(0, "a", a), fixtures.configmap(1, "b", b)]}

test_mesh001_fires_duplicate_id if {
	fs := mesh.MESH001 with input as two(fixtures.member("a", 7), fixtures.member("b", 7))
	count(fs) == 2
	some f in fs
	f.path == ["data", "cluster-id"]
}

test_mesh001_fires_out_of_range if {
	some f in mesh.MESH001 with input as two(fixtures.member("a", 300), fixtures.member("b", 2))
	contains(f.message, "outside 1-255")
}

test_mesh001_fires_member_without_id if {
	values := {"cluster": {"name": "a"}, "clustermesh": {"useAPIServer": true}}
	some f in mesh.MESH001 with input as {"config": fixtures.undeclared, "objects": [fixtures.helm(0, "a", values)]}
	contains(f.message, "cluster-id 0")
}

test_mesh001_passes_511_with_max_connected if {
	a := object.union(fixtures.member("a", 300), {"max-connected-clusters": "511"})
	count(mesh.MESH001) == 0 with input as two(a, fixtures.member("b", 2))
}

test_mesh002_fires_duplicate_name if {
	count(mesh.MESH002) == 2 with input as two(fixtures.member("x", 1), fixtures.member("x", 2))
}

test_mesh002_fires_default_name if {
	some f in mesh.MESH002 with input as {"config": fixtures.undeclared, "objects": [fixtures.helm(0, "a", {"cluster": {"id": 4}})]}
	contains(f.message, "\"default\"")
}

test_mesh002_passes_distinct_names if {
	count(mesh.MESH002) == 0 with input as two(fixtures.member("a", 1), fixtures.member("b", 2))
}

test_mesh003_fires_protocol_mismatch if {
	b := object.union(fixtures.member("b", 2), {"tunnel-protocol": "geneve"})
	fs := mesh.MESH003 with input as two(fixtures.member("a", 1), b)
	count(fs) == 2
	some f in fs
	f.object == 1
	f.path == ["data", "tunnel-protocol"]
}

test_mesh003_fires_port_mismatch if {
	b := object.union(fixtures.member("b", 2), {"tunnel-port": "8473"})
	count(mesh.MESH003) == 2 with input as two(fixtures.member("a", 1), b)
}

test_mesh003_passes_same_encapsulation if {
	b := object.union(fixtures.member("b", 2), {"tunnel-port": "8472"})
	count(mesh.MESH003) == 0 with input as two(fixtures.member("a", 1), b)
}

test_mesh004_fires_helm_default_pools if {
	a := fixtures.helm(0, "a", {"cluster": {"name": "a", "id": 1}})
	b := fixtures.helm(1, "b", {"cluster": {"name": "b", "id": 2}})
	fs := mesh.MESH004 with input as {"config": fixtures.undeclared, "objects": [a, b]}
	count(fs) == 2
	some f in fs
	contains(f.message, "10.0.0.0/8")
}

test_mesh004_passes_distinct_pools if {
	a := object.union(fixtures.member("a", 1), {"cluster-pool-ipv4-cidr": "10.1.0.0/16"})
	b := object.union(fixtures.member("b", 2), {"cluster-pool-ipv4-cidr": "10.2.0.0/16 10.3.0.0/16"})
	count(mesh.MESH004) == 0 with input as two(a, b)
}

test_mesh001_fires_eni_cluster_id_with_bit_7 if {
	eni := object.union(fixtures.member("a", 130), {"ipam": "eni", "routing-mode": "native"})
	some f in mesh.MESH001 with input as fixtures.run([fixtures.configmap(0, "a", eni)])
	contains(f.message, "Cilium refuses ids 128-255 and 384-511")
	count(mesh.MESH001) == 0 with input as fixtures.run([fixtures.configmap(0, "a", object.union(eni, {"allow-unsafe-policy-skb-usage": "true"}))])
	count(mesh.MESH001) == 0 with input as fixtures.run([fixtures.configmap(0, "a", object.union(eni, {"cluster-id": "127"}))])
}

# Members that list their peers form their own meshes: prod and dev reuse ids freely,
# while within prod the duplicate still fires, and undeclared members share one mesh.
mesh_member(name, id, peers) := {
	"cluster": {"name": name, "id": id},
	"clustermesh": {"useAPIServer": true, "config": {"enabled": true, "clusters": [{"name": p} | some p in peers]}},
}

test_mesh001_separate_meshes_by_declared_peers if {
	objs := [
		fixtures.helm(0, "prod-a", mesh_member("prod-a", 1, ["prod-b"])),
		fixtures.helm(1, "prod-b", mesh_member("prod-b", 2, ["prod-a"])),
		fixtures.helm(2, "dev-a", mesh_member("dev-a", 1, ["dev-b"])),
		fixtures.helm(3, "dev-b", mesh_member("dev-b", 2, [])),
	]
	count(mesh.MESH001) == 0 with input as fixtures.run(objs)
	clash := array.concat(objs, [fixtures.helm(4, "prod-c", mesh_member("prod-c", 2, ["prod-a", "prod-b"]))])
	{f.object | some f in mesh.MESH001} == {1, 4} with input as fixtures.run(clash)
}

test_mesh001_undeclared_members_share_a_mesh if {
	objs := [fixtures.configmap(0, "a", fixtures.member("a", 1)), fixtures.configmap(1, "b", fixtures.member("b", 1))]
	count(mesh.MESH001) == 2 with input as fixtures.run(objs)
}

# A Flux substitution variable (or a HelmChartProxy's unrendered field) is unknown, not
# the default: cluster-id ${CLUSTER_ID} makes a member whose id is not compared.
test_mesh001_passes_deferred_ids if {
	a := {"cluster-name": "a", "cluster-id": "${CLUSTER_ID}"}
	b := {"cluster-name": "b", "cluster-id": "${CLUSTER_ID:=1}"}
	count(mesh.MESH001) == 0 with input as two(a, b)
}

test_mesh001_compares_known_ids_beside_a_deferred_one if {
	objs := [
		fixtures.configmap(0, "a", fixtures.member("a", 3)),
		fixtures.configmap(1, "b", fixtures.member("b", 3)),
		fixtures.configmap(2, "c", {"cluster-name": "c", "cluster-id": "${CLUSTER_ID}"}),
	]
	fs := mesh.MESH001 with input as {"config": fixtures.undeclared, "objects": objs}
	{f.object | some f in fs} == {0, 1}
}

test_mesh002_passes_deferred_names if {
	a := {"cluster": {"name": "${CLUSTER_NAME}", "id": 1}}
	b := {"cluster": {"name": "${CLUSTER_NAME}", "id": 2}}
	objs := [fixtures.helm(0, "a", a), fixtures.helm(1, "b", b)]
	count(mesh.MESH002) == 0 with input as {"config": fixtures.undeclared, "objects": objs}
}

test_mesh004_passes_deferred_cidrs if {
	a := object.union(fixtures.member("a", 1), {"cluster-pool-ipv4-cidr": "${POD_CIDR}"})
	b := object.union(fixtures.member("b", 2), {"cluster-pool-ipv4-cidr": "${POD_CIDR}"})
	count(mesh.MESH004) == 0 with input as two(a, b)
}
