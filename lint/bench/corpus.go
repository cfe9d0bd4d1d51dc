// Package bench generates realistic GitOps corpora and measures mtuguard on them (make
// bench): lint throughput next to conftest, and webhook latency next to a no-op webhook.
package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Corpus writes n objects under dir: Cilium configs for 20 clusters, network policies and
// node pools, and 70% unrelated Deployments, Services and ConfigMaps, in files of 1-50
// documents. It returns the number of files written.
func Corpus(dir string, n int, seed uint64) (int, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	const clusters = 20
	files := 0
	written := 0
	for c := 0; c < clusters; c++ {
		cdir := filepath.Join(dir, "clusters", fmt.Sprintf("c%02d", c))
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			return 0, err
		}
		mtu := ""
		if c%2 == 0 {
			mtu = "  mtu: \"8500\"\n"
		}
		cfg := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cilium-config\n  namespace: kube-system\ndata:\n  cluster-name: c%02d\n  cluster-id: \"%d\"\n  routing-mode: tunnel\n  cluster-pool-ipv4-cidr: 10.%d.0.0/16\n%s", c, c+1, c, mtu)
		if err := os.WriteFile(filepath.Join(cdir, "cilium-config.yaml"), []byte(cfg), 0o644); err != nil {
			return 0, err
		}
		files++
		written++
	}
	for written < n {
		c := r.IntN(clusters)
		docs := 1 + r.IntN(50)
		if written+docs > n {
			docs = n - written
		}
		var b strings.Builder
		for i := 0; i < docs; i++ {
			if i > 0 {
				b.WriteString("---\n")
			}
			b.WriteString(object(r, written+i))
		}
		path := filepath.Join(dir, "clusters", fmt.Sprintf("c%02d", c), "apps", fmt.Sprintf("f%06d.yaml", files))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return 0, err
		}
		files++
		written += docs
	}
	return files, nil
}

func object(r *rand.Rand, i int) string {
	switch x := r.IntN(100); {
	case x < 20:
		deny := ""
		if r.IntN(10) == 0 {
			deny = "  ingressDeny:\n  - fromEntities: [world]\n    icmps:\n    - fields:\n      - {type: PacketTooBig, family: IPv6}\n"
		}
		return fmt.Sprintf("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: p%d\n  namespace: ns%d\nspec:\n  endpointSelector:\n    matchLabels: {app: a%d}\n  ingress:\n  - fromEndpoints:\n    - matchLabels: {app: b%d}\n    toPorts:\n    - ports: [{port: \"8080\", protocol: TCP}]\n%s", i, i%40, i, i, deny)
	case x < 25:
		return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np%d\n  namespace: ns%d\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n", i, i%40)
	case x < 30:
		return fmt.Sprintf("apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata:\n  name: nc%d\nspec:\n  amiSelectorTerms:\n  - alias: al2023@latest\n  userData: |\n    #!/bin/bash\n    ip link set dev ens5 mtu 8500\n", i)
	case x < 60:
		return fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d%d\n  namespace: ns%d\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: a%d}}\n  template:\n    metadata: {labels: {app: a%d}}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/app:%d\n        ports: [{containerPort: 8080}]\n        resources: {requests: {cpu: 100m, memory: 128Mi}}\n", i, i%40, i, i, i)
	case x < 80:
		return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: s%d\n  namespace: ns%d\nspec:\n  selector: {app: a%d}\n  ports: [{port: 80, targetPort: 8080}]\n", i, i%40, i)
	default:
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm%d\n  namespace: ns%d\ndata:\n  LOG_LEVEL: info\n  FEATURE_X: \"true\"\n", i, i%40)
	}
}
