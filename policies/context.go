package policies

// NeededFor says whether the rules judging an admitted object of kind admitted can read
// a cluster object classified as other. The webhook evaluates only these, so a policy
// admission in a cluster with thousands of policies costs what a small cluster costs.
// Keep it conservative: when a rule family starts reading another kind, add it here
// (TestNeededForCoversRules checks the verdicts stay the same).
func NeededFor(admitted string, other Classified, otherObj map[string]any) bool {
	switch other.Kind {
	case KindCiliumConfig:
		return true // every family reads the cluster's Cilium settings
	case "":
		return false
	}
	switch {
	case isPolicy(admitted):
		// ICMP003's blanket allowances (policies, Cilium's or Kubernetes', selecting all
		// pods of a namespace) and ICMP002's other host policies.
		if other.Kind == KindNetworkPolicy {
			spec, _ := otherObj["spec"].(map[string]any)
			sel := spec["podSelector"] // absent or null: every pod, like {}
			return sel == nil || selectsAll(sel)
		}
		if other.Kind != KindCiliumNetworkPolicy && other.Kind != KindCiliumClusterwideNetworkPolicy {
			return false
		}
		for _, spec := range specsOf(otherObj) {
			if _, host := spec["nodeSelector"]; host || selectsAll(spec["endpointSelector"]) {
				return true
			}
		}
		return false
	case admitted == KindNodePool:
		// MTU002 and MTU007 read the pool, the Cilium settings with the CiliumNodeConfigs
		// the agent applies over them and, to name an EC2NodeClass by the Karpenter
		// NodePools using it, the other pools.
		return other.Kind == KindNodePool || other.Kind == KindCiliumNodeConfig
	case admitted == KindCiliumNodeConfig:
		// The node MTU behind an override without mtu, and the other CiliumNodeConfigs the
		// agent applies on the same nodes, in name order.
		return other.Kind == KindNodePool || other.Kind == KindCiliumNodeConfig
	}
	return true // a Cilium config: the mesh, node pools and ICMP004's policies all matter
}

// isPolicy says whether kind is a network policy, Cilium's or Kubernetes'.
func isPolicy(kind string) bool {
	return kind == KindCiliumNetworkPolicy || kind == KindCiliumClusterwideNetworkPolicy || kind == KindNetworkPolicy
}

func specsOf(obj map[string]any) []map[string]any {
	var out []map[string]any
	if s, ok := obj["spec"].(map[string]any); ok {
		out = append(out, s)
	}
	for _, s := range sliceOf(obj["specs"]) {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func selectsAll(sel any) bool {
	m, ok := sel.(map[string]any)
	if !ok {
		return false
	}
	labels, _ := m["matchLabels"].(map[string]any)
	return len(labels) == 0 && len(sliceOf(m["matchExpressions"])) == 0
}
