package main

import (
	"fmt"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
	"github.com/mtuguard/mtuguard/webhook/audit"
)

func newAuditCmd() *cobra.Command {
	var fl lintFlags
	var cluster string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Lint the objects of a live cluster (kubeconfig) with the same rules and reports",
		Long: `Read the cluster's cilium-config, network policies and node pools through the
kubeconfig (KUBECONFIG, --kubeconfig or in-cluster) and report what the rules find, as
"lint" does for files. Each object is reported as cluster/<kind>/<namespace>/<name> with
the line in its YAML (kubectl get -o yaml).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, outputs, err := prepare(fl)
			if err != nil {
				return err
			}
			rc, err := ctrl.GetConfig()
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("kubeconfig: %w", err)}
			}
			loaded, err := audit.Load(cmd.Context(), rc)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			engine, err := policies.NewEngine(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := lint.Evaluate(cmd.Context(), engine, loaded, lint.Options{Config: cfg, Cluster: cluster})
			if err != nil {
				return err
			}
			return finish(cmd, rep, outputs, fl.failOn)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.config, "config", "c", "", "config file (default: "+defaultConfigFile+" in the working directory, if present)")
	addOutputFlags(f, &fl)
	f.StringVar(&fl.failOn, "fail-on", "error", "lowest severity that makes the exit status 1: error or warning")
	f.StringVar(&cluster, "cluster-name", "live", "name for the cluster in reports")
	return cmd
}
