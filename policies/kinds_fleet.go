package policies

import (
	slashpath "path"
	"strconv"
	"strings"
)

// Rancher Fleet deploys a directory holding a fleet.yaml (or fleet.yml) as a bundle; with
// `helm:` naming a chart, it installs that chart on every cluster the GitRepo targets
// (internal/bundlereader, internal/cmd/controller/target in rancher/fleet). The values a
// cluster gets: helm.values with each of helm.valuesFiles (paths from the fleet.yaml's
// directory) merged over them in order, and, for a cluster the first matching
// targetCustomizations entry selects, that entry's values and valuesFiles merged over
// those (options.Merge); doNotDeploy leaves its clusters out.

// FleetBundleFile reports whether file is named as Fleet reads a bundle's options.
func FleetBundleFile(file string) bool {
	switch slashpath.Base(file) {
	case "fleet.yaml", "fleet.yml":
		return true
	}
	return false
}

// FleetBundle is a fleet.yaml that installs Cilium's chart.
type FleetBundle struct {
	Base    FleetHelm
	Targets []FleetHelm // its targetCustomizations that deploy
}

// FleetHelm is one set of helm options of a bundle, at Options; At is where its values
// are (Options itself when it has none).
type FleetHelm struct {
	Name        string // the targetCustomization's; "" for the bundle's own
	Options, At []any
	Values      map[string]any
	ValuesFiles []string // from the fleet.yaml's directory
}

// CiliumFleetBundle reads obj, the document of a fleet.yaml, when its chart is Cilium's
// (by name, an OCI or chart path ending in cilium, or Cilium's repository).
func CiliumFleetBundle(file string, obj map[string]any) (FleetBundle, bool) {
	if !FleetBundleFile(file) {
		return FleetBundle{}, false
	}
	helm, _ := obj["helm"].(map[string]any)
	chart, _ := helm["chart"].(string)
	repo, _ := helm["repo"].(string)
	if !isCiliumChartOrArchive(chart) && !(chart == "" && strings.Contains(repo, "helm.cilium.io")) {
		return FleetBundle{}, false
	}
	b := FleetBundle{Base: fleetHelm("", helm, []any{"helm"})}
	for i, t := range sliceOf(obj["targetCustomizations"]) {
		tc, _ := t.(map[string]any)
		if skip, _ := tc["doNotDeploy"].(bool); skip {
			continue
		}
		name, _ := tc["name"].(string)
		if name == "" {
			name = "#" + strconv.Itoa(i)
		}
		th, _ := tc["helm"].(map[string]any)
		b.Targets = append(b.Targets, fleetHelm(name, th, []any{"targetCustomizations", i, "helm"}))
	}
	return b, true
}

func fleetHelm(name string, helm map[string]any, at []any) FleetHelm {
	h := FleetHelm{Name: name, Options: at, At: at}
	if v, ok := helm["values"].(map[string]any); ok {
		h.Values, h.At = v, pathOf(at, "values")
	}
	for _, f := range sliceOf(helm["valuesFiles"]) {
		if s, ok := f.(string); ok && s != "" {
			h.ValuesFiles = append(h.ValuesFiles, s)
		}
	}
	return h
}
