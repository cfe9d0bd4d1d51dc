package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mtuguard/mtuguard/policies"
)

func newRulesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rules [ID]",
		Short: "List the rules, or show one in full",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				r, ok := policies.LookupRule(args[0])
				if !ok {
					return usageError("no rule %q; `mtuguard rules` lists them", args[0])
				}
				_, err := fmt.Fprint(out, r.Text())
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tFIRES ON\tTITLE")
			for _, r := range policies.Catalogue() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.AppliesTo, r.Title)
			}
			return tw.Flush()
		},
	}
}
