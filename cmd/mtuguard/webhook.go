package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
	"github.com/mtuguard/mtuguard/webhook"
)

func newWebhookCmd() *cobra.Command {
	var o webhook.Options
	var devLog bool
	var contextFrom []string
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Serve the validating admission webhook",
		Long: `Serve mtuguard's validating admission webhook: the same rules as "lint", evaluated on
each object the API server sends, with the cluster's Cilium config, network policies and
node pools (from an informer cache) as context. Error findings deny the request; warnings
are returned as admission warnings.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := zap.New(zap.UseDevMode(devLog))
			ctrl.SetLogger(log)
			if len(contextFrom) > 0 {
				inv, err := loadContext(cmd.Context(), contextFrom)
				if err != nil {
					return err
				}
				return webhook.ServeStandalone(ctrl.SetupSignalHandler(), o, inv, log)
			}
			cfg, err := ctrl.GetConfig()
			if err != nil {
				return err
			}
			mgr, err := webhook.NewManager(cfg, o, log)
			if err != nil {
				return err
			}
			return mgr.Start(ctrl.SetupSignalHandler())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ConfigFile, "config", "", "mtuguard config file (mounted from a ConfigMap; reloaded when it changes)")
	f.IntVar(&o.Port, "port", 9443, "HTTPS port for admission requests")
	f.StringVar(&o.CertDir, "cert-dir", "/tmp/k8s-webhook-server/serving-certs", "directory with tls.crt and tls.key (reloaded when they change)")
	f.StringVar(&o.ClientCA, "client-ca", "", "file name in --cert-dir of the CA that signs the API server's client certificate; when set, other clients are rejected")
	f.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8080", `metrics endpoint address ("0" disables)`)
	f.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "/healthz and /readyz address")
	f.DurationVar(&o.EvalTimeout, "eval-timeout", 2*time.Second, "evaluation deadline; keep it below the webhook's timeoutSeconds")
	f.BoolVar(&o.DenyOnTimeout, "deny-on-timeout", false, "deny objects whose evaluation exceeds --eval-timeout (default: allow with a warning)")
	f.BoolVar(&o.SelfSignedCerts, "self-signed-certs", false, "generate and rotate the serving certificate into --secret-name (cert-controller) and inject its CA; the Secret must be mounted at --cert-dir")
	f.StringVar(&o.Namespace, "namespace", "mtuguard-system", "namespace of the webhook (with --self-signed-certs)")
	f.StringVar(&o.ServiceName, "service-name", "mtuguard-webhook", "service name in the certificate (with --self-signed-certs)")
	f.StringVar(&o.SecretName, "secret-name", "mtuguard-webhook-tls", "secret holding the rotated certificate (with --self-signed-certs)")
	f.StringSliceVar(&o.ExtraDNSNames, "cert-extra-dns-name", nil, "further DNS names in the rotated certificate (with --self-signed-certs)")
	f.StringVar(&o.WebhookConfigName, "webhook-config-name", "mtuguard", "ValidatingWebhookConfiguration to inject the CA into (with --self-signed-certs)")
	f.StringSliceVar(&contextFrom, "context-from", nil, "read the cluster's Cilium config, network policies and node pools from these manifests (files or directories) instead of the API server; no kubeconfig needed")
	f.BoolVar(&devLog, "dev-log", false, "human-readable logs")
	return cmd
}

// loadContext reads --context-from manifests, keeping the objects the rules read. Any
// unreadable file or object stops the start: a webhook judging against half its context
// would give verdicts nobody can explain.
func loadContext(ctx context.Context, paths []string) (*webhook.StaticInventory, error) {
	loaded := lint.Load(ctx, paths, lint.LoadOptions{})
	errs := loaded.Errors
	var objs []map[string]any
	for _, d := range loaded.Documents {
		obj, ok := d.Object.(map[string]any)
		if !ok {
			continue
		}
		c, err := policies.Classify(obj)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s:%d: %v", d.File, d.Line, err))
		case c.Kind != "":
			objs = append(objs, obj)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("--context-from: %w", errors.Join(errs...))
	}
	return webhook.NewStaticInventory(objs), nil
}
