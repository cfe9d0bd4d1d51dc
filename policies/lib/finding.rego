# The finding contract (DESIGN.md): rules build findings only through new/2.
# A rule's ID and default severity come from its METADATA: the engine adds them when it
# unions every rule into data.mtuguard.findings (policies/engine.go), so one rule may have
# several definitions and its severity is written in one place.
package mtuguard.lib.finding

# new returns a finding on at.object, pointing at at.path.
new(at, text) := {
	"object": at.object,
	"path": at.path,
	"message": text.message,
	"remediation": text.remediation,
}

# with_severity is new/2 for rules whose severity depends on the case (e.g. ICMP004);
# it overrides the METADATA default.
with_severity(at, text, severity) := object.union(new(at, text), {"severity": severity})
