package lint_test

import (
	"strings"
	"testing"
)

// substitutedRelease is a Cilium HelmRelease whose cluster identity Flux substitutes.
const substitutedRelease = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cilium, namespace: kube-system}
spec:
  chart:
    spec:
      chart: cilium
      sourceRef: {kind: HelmRepository, name: cilium}
  values:
    cluster:
      name: ${CLUSTER_NAME}
      id: ${CLUSTER_ID}
    clustermesh:
      useAPIServer: true
    MTU: ${CILIUM_MTU:=8500}
    ipam:
      operator:
        clusterPoolIPv4PodCIDRList: ["${POD_CIDR}"]
`

// fluxKustomization applies path with the postBuild given.
func fluxKustomization(path, postBuild string) string {
	return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: infrastructure, namespace: flux-system}
spec:
  interval: 10m
  path: ` + path + `
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
` + postBuild
}

// One base applied to each cluster with its own variables: a cluster each, judged as its
// Kustomization substitutes it (numbers typed as Flux re-reads the manifest).
func TestFluxSubstitutionPerCluster(t *testing.T) {
	vars := func(name, id, cidr string) string {
		return "    substitute: {CLUSTER_NAME: " + name + ", CLUSTER_ID: '" + id + "', POD_CIDR: " + cidr + "}\n"
	}
	files := map[string]string{
		"infrastructure/cilium/release.yaml":     substitutedRelease,
		"clusters/prod-use1/infrastructure.yaml": fluxKustomization("./infrastructure/cilium", vars("prod-use1", "1", "10.1.0.0/16")),
		"clusters/prod-euw1/infrastructure.yaml": fluxKustomization("./infrastructure/cilium", vars("prod-euw1", "2", "10.2.0.0/16")),
	}
	rep := lintFiles(t, files)
	if len(rep.Findings) > 0 || len(rep.Notes) > 0 {
		t.Fatalf("distinct ids, names and CIDRs, MTU 8500 by default: %+v %q", rep.Findings, noteList(rep))
	}
	files["clusters/prod-euw1/infrastructure.yaml"] = fluxKustomization("./infrastructure/cilium", vars("prod-euw1", "1", "10.1.0.0/16"))
	rep = lintFiles(t, files)
	got := findings(rep, "MESH001")
	if len(got) != 2 || got[0].Line != 12 || !strings.HasPrefix(got[0].Message, "Flux Kustomization flux-system/infrastructure (clusters/prod-euw1/infrastructure.yaml): cluster \"prod-euw1\" uses cluster-id 1") {
		t.Errorf("want MESH001 on both clusters: %+v", rep.Findings)
	}
	if got[0].Cluster != "prod-euw1" || got[1].Cluster != "prod-use1" {
		t.Errorf("clusters are named by their substituted names: %s, %s", got[0].Cluster, got[1].Cluster)
	}
	if len(findings(rep, "MESH004")) != 2 {
		t.Errorf("the same substituted CIDR overlaps: %+v", rep.Findings)
	}
}

// A variable no source defines is empty, as Flux's default substitution has it: the
// setting is unset, and a note says so. A Secret's variables stay unknown.
func TestFluxSubstitutionMissingVariables(t *testing.T) {
	release := strings.Replace(substitutedRelease, "${CILIUM_MTU:=8500}", "${CILIUM_MTU}", 1)
	rep := lintFiles(t, map[string]string{
		"infrastructure/cilium/release.yaml": release,
		"clusters/prod/infrastructure.yaml":  fluxKustomization("./infrastructure/cilium", "    substitute: {CLUSTER_NAME: prod, CLUSTER_ID: '1'}\n    substituteFrom: [{kind: ConfigMap, name: cluster-vars}]\n"),
		"clusters/prod/vars.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-vars}\ndata: {POD_CIDR: 10.1.0.0/16}\n",
	})
	if got := findings(rep, "MTU001"); len(got) != 1 || got[0].Cluster != "prod" {
		t.Errorf("an empty MTU is unset, auto-detected: %+v", rep.Findings)
	}
	notes := noteList(rep)
	if len(notes) != 1 || !strings.Contains(notes[0], "infrastructure/cilium/release.yaml:15: ${CILIUM_MTU} is not among the variables (spec.postBuild) of Flux Kustomization flux-system/infrastructure (clusters/prod/infrastructure.yaml)") {
		t.Errorf("notes = %q", notes)
	}
	rep = lintFiles(t, map[string]string{
		"infrastructure/cilium/release.yaml": release,
		"clusters/prod/infrastructure.yaml":  fluxKustomization("./infrastructure/cilium", "    substitute: {CLUSTER_NAME: prod}\n    substituteFrom: [{kind: Secret, name: cluster-secrets}]\n"),
	})
	if len(findings(rep, "MTU001"))+len(findings(rep, "MESH001")) > 0 {
		t.Errorf("what a Secret may hold is unknown: %+v", rep.Findings)
	}
	if notes := noteList(rep); len(notes) != 3 || !strings.Contains(strings.Join(notes, "\n"), `cluster.id is "${CLUSTER_ID}"`) {
		t.Errorf("notes = %q", notes)
	}
}

// The flux2-kustomize-helm-example layout: the Kustomization's path is an overlay that
// includes the base release; the variables reach the release through the build.
func TestFluxSubstitutionThroughOverlay(t *testing.T) {
	rep := lintFiles(t, map[string]string{
		"infrastructure/base/cilium/release.yaml":       strings.Replace(substitutedRelease, "${CILIUM_MTU:=8500}", "${CILIUM_MTU}", 1),
		"infrastructure/base/cilium/kustomization.yaml": "resources: [release.yaml]\n",
		"infrastructure/production/kustomization.yaml":  "resources: [../base/cilium]\n",
		"clusters/production/infrastructure.yaml":       fluxKustomization("./infrastructure/production", "    substitute: {CLUSTER_NAME: prod, CLUSTER_ID: '1', POD_CIDR: 10.1.0.0/16, CILIUM_MTU: '9001'}\n"),
	})
	if got := findings(rep, "MTU001"); len(got) != 1 || !strings.Contains(got[0].Message, "mtu: 9001") && !strings.Contains(got[0].Message, "MTU: 9001") {
		t.Errorf("the substituted MTU 9001 opens the black hole: %+v", rep.Findings)
	}
	if len(rep.Notes) > 0 {
		t.Errorf("notes: %q", noteList(rep))
	}
}

// A release that opts out keeps its variables as written.
func TestFluxSubstitutionDisabled(t *testing.T) {
	release := strings.Replace(substitutedRelease, "metadata: {name: cilium, namespace: kube-system}",
		"metadata: {name: cilium, namespace: kube-system, annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}}", 1)
	rep := lintFiles(t, map[string]string{
		"infrastructure/cilium/release.yaml": release,
		"clusters/prod/infrastructure.yaml":  fluxKustomization("./infrastructure/cilium", "    substitute: {CLUSTER_NAME: prod, CLUSTER_ID: '1'}\n"),
	})
	if notes := noteList(rep); len(notes) != 4 {
		t.Errorf("every variable is left unknown: %q", notes)
	}
}

// Each cluster's directory holds its own cluster-settings ConfigMap of one name (applied
// to its own cluster): each Kustomization reads the one nearest it.
func TestFluxSubstitutionNearestConfigMap(t *testing.T) {
	settings := func(name, id, cidr string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata: {CLUSTER_NAME: " +
			name + ", CLUSTER_ID: '" + id + "', POD_CIDR: " + cidr + "}\n"
	}
	from := "    substituteFrom: [{kind: ConfigMap, name: cluster-settings}]\n"
	rep := lintFiles(t, map[string]string{
		"infrastructure/cilium/release.yaml":            substitutedRelease,
		"clusters/prod-use1/infrastructure.yaml":        fluxKustomization("./infrastructure/cilium", from),
		"clusters/prod-use1/vars/cluster-settings.yaml": settings("prod-use1", "1", "10.1.0.0/16"),
		"clusters/prod-euw1/infrastructure.yaml":        fluxKustomization("./infrastructure/cilium", from),
		"clusters/prod-euw1/vars/cluster-settings.yaml": settings("prod-euw1", "2", "10.2.0.0/16"),
	})
	if len(rep.Findings) > 0 || len(rep.Notes) > 0 {
		t.Errorf("each cluster has its own id, name and CIDR: %+v %q", rep.Findings, noteList(rep))
	}
}

// A parent Kustomization's path holds its child's files, but the child applies them; the
// parent's variables (which parents commonly patch into their children) come under the
// child's own.
func TestFluxSubstitutionNested(t *testing.T) {
	parent := strings.Replace(fluxKustomization("./kubernetes/apps", "    substituteFrom: [{kind: ConfigMap, name: cluster-settings}]\n"), "name: infrastructure", "name: cluster-apps", 1)
	child := fluxKustomization("./kubernetes/apps/kube-system/cilium/app", "    substitute: {APP: cilium}\n")
	rep := lintFiles(t, map[string]string{
		"kubernetes/flux/apps.yaml":                           parent,
		"kubernetes/flux/vars/cluster-settings.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata: {CLUSTER_NAME: home, CLUSTER_ID: '1', POD_CIDR: 10.42.0.0/16}\n",
		"kubernetes/apps/kube-system/cilium/ks.yaml":          child,
		"kubernetes/apps/kube-system/cilium/app/release.yaml": substitutedRelease,
	})
	if len(rep.Findings) > 0 || len(rep.Notes) > 0 {
		t.Errorf("judged once, with the parent's variables under the child's: %+v %q", rep.Findings, noteList(rep))
	}
}
