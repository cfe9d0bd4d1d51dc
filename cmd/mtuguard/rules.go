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
		Long: `List the rules (ID, severity, title), or show one in full: what it fires on, why,
the fix and its section of the rule reference. The text comes from the rules' own
METADATA, as SARIF output and policies/README.md do.`,
		Example: `  mtuguard rules
  mtuguard rules MTU001`,
		Args: cobra.MaximumNArgs(1),
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
			// What a rule fires on is long for some rules; `rules ID` shows it.
			fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE")
			for _, r := range policies.Catalogue() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
			}
			return tw.Flush()
		},
	}
}
