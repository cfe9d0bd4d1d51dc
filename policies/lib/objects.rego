# Indexes over input.objects, computed once per evaluation, and the label-selector test
# the policy and node-config rules share. Go assigns each object its index in
# input.objects as its id, so input.objects[id] is a direct lookup.
package mtuguard.lib.objects

by_id(id) := input.objects[id]

default focused(_) := false

# focused(id): findings may be reported on object id. The linter focuses on all
# objects (no input.focus), the webhook on the object under admission.
focused(_) if not input.focus

focused(id) if id in input.focus

# focus is the list of objects findings may be reported on.
focus := input.objects if not input.focus

focus := [input.objects[i] | some i in input.focus] if input.focus

# focused_kinds are the kinds of the focused objects. A rule that reports on one kind tests
# it first, so admitting a network policy never computes the mesh.
focused_kinds := {o.kind | some o in focus}

# kind(k) lists the objects of kind k. An array, not a set: a set of whole objects would
# hash every object, the largest cost of an evaluation; callers that use it more than once
# bind it to a rule, which OPA evaluates once.
kind(k) := [o | some o in input.objects; o.kind == k]

default selects_all(_) := false

# selects_all(sel): sel is a Kubernetes label selector that matches every object ({}).
selects_all(sel) if {
	is_object(sel)
	count(object.get(sel, "matchLabels", {})) + count(object.get(sel, "matchExpressions", [])) == 0
}
