// Package upstream finds the real projects mtuguard models — Cilium's example policies,
// Helm chart and CRDs, Karpenter's CRDs — in the Go module cache, so tests run against
// them as published rather than against copies kept in this repository.
package upstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"sync"
)

// Modules the tests read, pinned in one place.
const (
	Cilium        = "github.com/cilium/cilium@v1.20.2"
	KarpenterAWS  = "github.com/aws/karpenter-provider-aws@v1.14.1"
	Eksctl        = "github.com/weaveworks/eksctl@v0.215.0"
	ClusterAPIAWS = "sigs.k8s.io/cluster-api-provider-aws/v2@v2.13.0"
	// The newest CAAPH release the module proxy serves here.
	ClusterAPIHelm = "sigs.k8s.io/cluster-api-addon-provider-helm@v0.2.6"
)

var (
	mu   sync.Mutex
	dirs = map[string]string{}
)

// ModuleDir downloads module@version through the Go module proxy (once; the module cache
// keeps it) and returns its directory.
func ModuleDir(module string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if d, ok := dirs[module]; ok {
		return d, nil
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go mod download %s: %v: %s%s", module, err, errOut.String(), out.String())
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		return "", fmt.Errorf("go mod download %s: %v", module, err)
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", module, info.Error)
	}
	dirs[module] = info.Dir
	return info.Dir, nil
}
