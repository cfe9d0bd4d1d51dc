package policies

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/policies/upstream"
)

// The node-pool and CiliumNodeConfig fixtures must be objects their real APIs accept:
// each is checked against the CRD (or, for eksctl, the JSON schema) published in the
// upstream Go module, so a misspelt field fails here instead of being read by mtuguard
// and refused by the cluster. Modules are read from the Go module cache (one download
// through the module proxy, then offline).
const (
	karpenterCore     = "sigs.k8s.io/karpenter@v1.14.1"
	karpenterAWS      = upstream.KarpenterAWS
	karpenterCoreBeta = "sigs.k8s.io/karpenter@v1.0.0" // the last releases serving v1beta1
	karpenterAWSBeta  = "github.com/aws/karpenter-provider-aws@v1.0.0"
	clusterAPI        = "sigs.k8s.io/cluster-api@v1.14.2"
	clusterAPIAWS     = upstream.ClusterAPIAWS
	eksctl            = upstream.Eksctl
)

// schemaSource says where the schema of one apiVersion/kind is.
type schemaSource struct {
	module, file string
	eksctl       bool // a JSON schema with $ref definitions, not a CRD
}

var schemaSources = map[string]schemaSource{
	"karpenter.k8s.aws/v1/EC2NodeClass":                                 {module: karpenterAWS, file: "pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml"},
	"karpenter.k8s.aws/v1beta1/EC2NodeClass":                            {module: karpenterAWSBeta, file: "pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml"},
	"karpenter.sh/v1/NodePool":                                          {module: karpenterCore, file: "pkg/apis/crds/karpenter.sh_nodepools.yaml"},
	"karpenter.sh/v1beta1/NodePool":                                     {module: karpenterCoreBeta, file: "pkg/apis/crds/karpenter.sh_nodepools.yaml"},
	"cilium.io/v2/CiliumNodeConfig":                                     {module: upstream.Cilium, file: "pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnodeconfigs.yaml"},
	"cilium.io/v2alpha1/CiliumNodeConfig":                               {module: upstream.Cilium, file: "pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnodeconfigs.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta1/KubeadmConfigTemplate":          {module: clusterAPI, file: "bootstrap/kubeadm/config/crd/bases/bootstrap.cluster.x-k8s.io_kubeadmconfigtemplates.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta2/KubeadmConfigTemplate":          {module: clusterAPI, file: "bootstrap/kubeadm/config/crd/bases/bootstrap.cluster.x-k8s.io_kubeadmconfigtemplates.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta1/KubeadmConfig":                  {module: clusterAPI, file: "bootstrap/kubeadm/config/crd/bases/bootstrap.cluster.x-k8s.io_kubeadmconfigs.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta2/KubeadmConfig":                  {module: clusterAPI, file: "bootstrap/kubeadm/config/crd/bases/bootstrap.cluster.x-k8s.io_kubeadmconfigs.yaml"},
	"controlplane.cluster.x-k8s.io/v1beta1/KubeadmControlPlane":         {module: clusterAPI, file: "controlplane/kubeadm/config/crd/bases/controlplane.cluster.x-k8s.io_kubeadmcontrolplanes.yaml"},
	"controlplane.cluster.x-k8s.io/v1beta2/KubeadmControlPlane":         {module: clusterAPI, file: "controlplane/kubeadm/config/crd/bases/controlplane.cluster.x-k8s.io_kubeadmcontrolplanes.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta2/EKSConfigTemplate":              {module: clusterAPIAWS, file: "config/crd/bases/bootstrap.cluster.x-k8s.io_eksconfigtemplates.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta2/EKSConfig":                      {module: clusterAPIAWS, file: "config/crd/bases/bootstrap.cluster.x-k8s.io_eksconfigs.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta2/NodeadmConfigTemplate":          {module: clusterAPIAWS, file: "config/crd/bases/bootstrap.cluster.x-k8s.io_nodeadmconfigtemplates.yaml"},
	"bootstrap.cluster.x-k8s.io/v1beta2/NodeadmConfig":                  {module: clusterAPIAWS, file: "config/crd/bases/bootstrap.cluster.x-k8s.io_nodeadmconfigs.yaml"},
	"eksctl.io/v1alpha5/ClusterConfig":                                  {module: eksctl, file: "pkg/apis/eksctl.io/v1alpha5/assets/schema.json", eksctl: true},
	"controlplane.cluster.x-k8s.io/v1beta2/KubeadmControlPlaneTemplate": {module: clusterAPI, file: "controlplane/kubeadm/config/crd/bases/controlplane.cluster.x-k8s.io_kubeadmcontrolplanetemplates.yaml"},
}

// checkedGroups: an object of these groups with no schema above fails the test, so a new
// fixture kind cannot go unchecked.
var checkedGroups = []string{"karpenter.k8s.aws", "karpenter.sh", "eksctl.io", "bootstrap.cluster.x-k8s.io", "controlplane.cluster.x-k8s.io"}

func TestFixturesMatchUpstreamSchemas(t *testing.T) {
	var files []string
	for _, root := range []string{"../testdata/rules", "../testdata/examples"} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) && !strings.HasSuffix(p, ".mtuguard.yaml") {
				files = append(files, p)
			}
			return nil
		})
	}
	schemas := map[string]map[string]any{}
	checked := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(raw), "\n---") {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
				continue
			}
			apiVersion, kind := TypeMeta(obj)
			group, version, _ := strings.Cut(apiVersion, "/")
			if kind == "CiliumNodeConfig" && group == "cilium.io" || containsString(checkedGroups, group) {
				key := group + "/" + version + "/" + kind
				src, ok := schemaSources[key]
				if !ok {
					t.Errorf("%s (document %d): no upstream schema known for %s", file, i+1, key)
					continue
				}
				schema, ok := schemas[key]
				if !ok {
					schema = loadSchema(t, src, version, kind)
					schemas[key] = schema
				}
				checked++
				v := &validator{defs: defsOf(schema)}
				v.check(schema, obj, kind)
				for _, e := range v.errs {
					t.Errorf("%s (document %d, %s): %s", file, i+1, key, e)
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d node-pool and CiliumNodeConfig fixtures checked", checked)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func loadSchema(t *testing.T, src schemaSource, version, kind string) map[string]any {
	t.Helper()
	dir, err := upstream.ModuleDir(src.module)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, src.file))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", src.file, err)
	}
	if src.eksctl {
		return doc
	}
	for _, v := range sliceOf(dig(doc, "spec", "versions")) {
		if dig(v, "name") == version {
			if served, _ := dig(v, "served").(bool); !served {
				t.Fatalf("%s no longer serves %s", src.file, version)
			}
			schema, _ := dig(v, "schema", "openAPIV3Schema").(map[string]any)
			return schema
		}
	}
	t.Fatalf("%s has no version %s of %s", src.file, version, kind)
	return nil
}

func defsOf(schema map[string]any) map[string]any {
	d, _ := schema["definitions"].(map[string]any)
	return d
}

// validator checks an object against the structural part of an OpenAPI/JSON schema:
// known fields, types, enums and required fields. CEL rules are the API server's.
type validator struct {
	defs map[string]any
	errs []string
}

func (v *validator) check(schema map[string]any, value any, at string) {
	for depth := 0; depth < 32; depth++ {
		ref, ok := schema["$ref"].(string)
		if !ok {
			break
		}
		schema, _ = v.defs[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any)
	}
	if schema == nil || value == nil {
		return
	}
	if enum := sliceOf(schema["enum"]); len(enum) > 0 && !inEnum(enum, value) {
		v.errs = append(v.errs, fmt.Sprintf("%s: %v is not one of %v", at, value, enum))
	}
	if intOrString, _ := schema["x-kubernetes-int-or-string"].(bool); intOrString {
		return
	}
	types := typesOf(schema["type"])
	if len(types) > 0 && !typeMatches(types, value) {
		v.errs = append(v.errs, fmt.Sprintf("%s: want %s, got %T", at, strings.Join(types, " or "), value))
		return
	}
	switch x := value.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range sliceOf(schema["required"]) {
			if _, ok := x[fmt.Sprint(r)]; !ok {
				v.errs = append(v.errs, fmt.Sprintf("%s: required field %v is missing", at, r))
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		preserve, _ := schema["x-kubernetes-preserve-unknown-fields"].(bool)
		for _, k := range keys {
			if p, ok := props[k].(map[string]any); ok {
				v.check(p, x[k], at+"."+k)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case map[string]any:
				v.check(ap, x[k], at+"."+k)
			case bool:
				if !ap {
					v.errs = append(v.errs, fmt.Sprintf("%s: unknown field %q", at, k))
				}
			default:
				if props != nil && !preserve {
					v.errs = append(v.errs, fmt.Sprintf("%s: unknown field %q (the API server drops it)", at, k))
				}
			}
		}
	case []any:
		items, _ := schema["items"].(map[string]any)
		for i, item := range x {
			v.check(items, item, fmt.Sprintf("%s[%d]", at, i))
		}
	}
}

func typesOf(t any) []string {
	switch x := t.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func typeMatches(types []string, value any) bool {
	for _, t := range types {
		switch value.(type) {
		case map[string]any:
			if t == "object" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		case string:
			if t == "string" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case float64, int64, int, json.Number:
			if t == "number" || t == "integer" && isWhole(value) {
				return true
			}
		}
	}
	return false
}

func isWhole(v any) bool {
	f, ok := v.(float64)
	return !ok || f == float64(int64(f))
}

func inEnum(enum []any, value any) bool {
	for _, e := range enum {
		if fmt.Sprint(e) == fmt.Sprint(value) {
			return true
		}
	}
	return false
}
