package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// exitError carries an exit code out of a command: 1 for error findings, 2 for usage
// and input errors.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "mtuguard",
		Short: "Stop Cilium ClusterMesh MTU black holes before they ship",
		Long: `mtuguard checks Cilium configurations, node pools and network policies for the
settings that black-hole large packets between clusters (tunnel MTU above the mesh path
MTU) and for policies that break path-MTU discovery. The same rules run in CI (lint) and
at admission time (webhook).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: 2, err: err} })
	root.AddCommand(
		newLintCmd(),
		newAuditCmd(),
		newWebhookCmd(),
		newRulesCmd(),
		newExplainCmd(),
		newVersionCmd(),
	)
	return root
}

// run executes the CLI and maps errors to exit codes.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "mtuguard:", ee.err)
		}
		return ee.code
	}
	// cobra's own usage errors (unknown command, bad args) are usage errors too.
	fmt.Fprintln(stderr, "mtuguard:", err)
	return 2
}
