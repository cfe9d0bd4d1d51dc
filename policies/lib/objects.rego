# Indexes over input.objects, computed once per evaluation.
package mtuguard.lib.objects

# by_kind[kind] is the set of objects of that normalised kind.
by_kind[o.kind] contains o if some o in input.objects

by_id[o.id] := o if some o in input.objects

# focus_ids are the objects findings may be reported on: the linter focuses on all,
# the webhook on the object under admission.
focus_ids contains id if some id in input.focus

focus_ids contains o.id if {
	not input.focus
	some o in input.objects
}

focused(id) if id in focus_ids

# kind(k) lists the objects of kind k, or none.
kind(k) := object.get(by_kind, k, set())
