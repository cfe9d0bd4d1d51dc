package lint

import (
	"strings"

	"github.com/mtuguard/mtuguard/policies"
)

// Cluster API node pools belong to the Cluster that uses them, whatever directory they sit
// in (clusterctl writes a Cluster's objects to one file, often several files to one
// directory): a bootstrap config template through the MachineDeployments and MachinePools
// naming it (spec.clusterName, spec.template.spec.bootstrap.configRef), a control plane
// through the Cluster's controlPlaneRef, any of them through its
// cluster.x-k8s.io/cluster-name label. When a HelmChartProxy of the run installs Cilium on
// that Cluster, the pool is in that Cluster's cluster; a template two Clusters share stays
// where its directory put it.

// capiClusterLabel names the Cluster a Cluster API object belongs to.
const capiClusterLabel = "cluster.x-k8s.io/cluster-name"

// capiKey names a Cluster API object: namespace, kind, name.
type capiKey [3]string

// isCAPIMachineOwner reports whether obj is a MachineDeployment or MachinePool, which
// ties a bootstrap config template to its Cluster.
func isCAPIMachineOwner(obj map[string]any) bool {
	apiVersion, kind := policies.TypeMeta(obj)
	return strings.HasPrefix(apiVersion, "cluster.x-k8s.io/") && (kind == "MachineDeployment" || kind == "MachinePool")
}

// tieCAPIPools puts each Cluster API node pool in the cluster of the Cluster that uses
// it, when a HelmChartProxy's rendering for that Cluster is one.
func (inv *inventory) tieCAPIPools(capi capiObjects) {
	proxied := map[[2]string]string{} // Cluster (namespace, name) -> its cluster's key
	for id, o := range inv.objects {
		if g, ok := inv.generated[inv.docs[id]]; ok && g.what == "Cluster" && o.Cluster != "" {
			ns, _, _ := policies.Meta(g.appSet)
			proxied[[2]string{ns, g.name}] = o.Cluster
		}
	}
	if len(proxied) == 0 {
		return
	}
	for id := range inv.objects {
		o := &inv.objects[id]
		if o.Kind != policies.KindNodePool {
			continue
		}
		ns, name, _ := policies.Meta(o.Object)
		_, kind := policies.TypeMeta(o.Object)
		clusters := capi.users[capiKey{ns, kind, name}]
		if label, _ := dig(o.Object, "metadata", "labels", capiClusterLabel).(string); label != "" {
			clusters = map[string]bool{label: true}
		}
		if len(clusters) != 1 {
			continue
		}
		for c := range clusters {
			if key, ok := proxied[[2]string{ns, c}]; ok {
				o.Cluster = key
			} else if key, ok := proxied[[2]string{"", c}]; ok {
				o.Cluster = key
			}
		}
	}
}

// use records that cluster uses the node pool object k.
func (c capiObjects) use(k capiKey, cluster string) {
	if k[1] == "" || k[2] == "" || cluster == "" {
		return
	}
	if c.users[k] == nil {
		c.users[k] = map[string]bool{}
	}
	c.users[k][cluster] = true
}
