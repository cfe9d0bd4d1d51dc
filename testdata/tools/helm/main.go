// Command helm-render renders a chart the way `helm template` does, with the real Helm
// library, and prints the manifest. It lives in its own module so Helm never enters
// mtuguard's go.mod; the chart-differential test (make helm-diff) runs it.
//
//	helm-render CHART_DIR VALUES_FILE...
package main

import (
	"fmt"
	"os"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helm-render CHART_DIR [VALUES_FILE...]")
		os.Exit(2)
	}
	chart, err := loader.Load(os.Args[1])
	if err != nil {
		fail(err)
	}
	vals, err := (&values.Options{ValueFiles: os.Args[2:]}).MergeValues(getter.Providers{})
	if err != nil {
		fail(err)
	}
	install := action.NewInstall(&action.Configuration{})
	install.ClientOnly, install.DryRun, install.Replace = true, true, true
	install.ReleaseName, install.Namespace = "cilium", "kube-system"
	install.KubeVersion = &chartutil.KubeVersion{Version: "v1.33.0", Major: "1", Minor: "33"}
	install.IncludeCRDs = false
	rel, err := install.Run(chart, vals)
	if err != nil {
		fail(err)
	}
	fmt.Print(rel.Manifest)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "helm-render:", err)
	os.Exit(1)
}
