# Input problems: settings and fields the rules cannot read because Cilium or the API
# server would refuse them. The linter reports them as input errors (exit 2), the webhook
# denies them.
package mtuguard.lib.problems

import data.mtuguard.lib.cilium
import data.mtuguard.lib.netpol

all contains p if some p in cilium.problems

all contains p if some p in netpol.problems
