# The finding contract (DESIGN.md): rules build findings only through new/3.
package mtuguard.lib.finding

# new returns a finding of the rule whose METADATA is meta, on object id at path.
# meta is the calling rule's rego.metadata.rule(), so ID and severity live in one place.
new(meta, at, text) := {
	"rule": meta.custom.id,
	"severity": meta.custom.severity,
	"object": at.object,
	"path": at.path,
	"message": text.message,
	"remediation": text.remediation,
}

# with_severity is new/3 for rules whose severity depends on the case (e.g. ICMP004).
with_severity(meta, at, text, severity) := object.union(new(meta, at, text), {"severity": severity})
