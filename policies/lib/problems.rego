# Input problems: settings and fields the rules cannot read because Cilium or the API
# server would refuse them. The linter reports them as input errors (exit 2), the webhook
# denies them.
package mtuguard.lib.problems

import data.mtuguard.lib.cilium
import data.mtuguard.lib.netpol
import data.mtuguard.lib.nodeconfig

# on[kind] are the problems of the focused objects of one normalised kind: an admission
# asks only for its object's kind.
on.CiliumConfig contains p if some p in cilium.problems

on.CiliumNodeConfig contains p if some p in nodeconfig.problems

on.CiliumNetworkPolicy contains p if some p in netpol.problems

on.CiliumClusterwideNetworkPolicy contains p if some p in netpol.problems

all contains p if {
	some problems in on
	some p in problems
}
