package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/mtuguard/mtuguard/policies"
)

// StaticInventory is a fixed set of cluster objects, e.g. read from manifests.
type StaticInventory struct{ stored []Stored }

// NewStaticInventory names each object's version by its position: they never change.
func NewStaticInventory(objs []map[string]any) *StaticInventory {
	s := &StaticInventory{stored: make([]Stored, len(objs))}
	for i, obj := range objs {
		s.stored[i] = Stored{Version: fmt.Sprintf("static/%d", i), Object: obj}
	}
	return s
}

// Objects returns the objects.
func (s *StaticInventory) Objects(context.Context) ([]Stored, error) { return s.stored, nil }

// Generation is always 0: the objects never change (Generational).
func (s *StaticInventory) Generation() uint64 { return 0 }

// ServeStandalone serves the webhook without an API server: the cluster context is inv
// (manifests read at start), so nothing needs a kubeconfig. The same controller-runtime
// webhook server, certificate watching, config reloading and metrics as NewManager's run
// until ctx ends. Self-managed certificates need the API server and are refused.
func ServeStandalone(ctx context.Context, opts Options, inv Inventory, log logr.Logger) error {
	if opts.SelfSignedCerts {
		return errors.New("--self-signed-certs writes a Secret through the API server; without one, mount a certificate at --cert-dir")
	}
	engine, err := policies.NewEngine(ctx)
	if err != nil {
		return err
	}
	store, err := NewConfigStore(opts.ConfigFile, log.WithName("config"))
	if err != nil {
		return err
	}
	handler := &Handler{
		Engine: engine, Config: store, Inventory: inv,
		Timeout: opts.EvalTimeout, DenyOnTimeout: opts.DenyOnTimeout, Log: log.WithName("admission"), Metrics: opts.Metrics,
	}
	if handler.Metrics == nil {
		handler.Metrics = DefaultMetrics()
	}
	server := crwebhook.NewServer(crwebhook.Options{
		Host: opts.Host, Port: opts.Port, CertDir: opts.CertDir, ClientCAName: opts.ClientCA, TLSOpts: TLSOptions(),
	})
	server.Register(Path, &crwebhook.Admission{Handler: handler, RecoverPanic: ptr(true)})
	runners := []func(context.Context) error{store.Start, server.Start}
	if opts.MetricsAddr != "0" && opts.MetricsAddr != "" {
		metrics, err := metricsserver.NewServer(metricsserver.Options{BindAddress: opts.MetricsAddr, TLSOpts: TLSOptions()}, nil, nil)
		if err != nil {
			return err
		}
		runners = append(runners, metrics.Start)
	}
	if opts.ProbeAddr != "0" && opts.ProbeAddr != "" {
		runners = append(runners, probes(opts.ProbeAddr, server))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(runners))
	for _, run := range runners {
		go func() { errs <- run(ctx) }()
	}
	log.Info("serving without an API server", "objects", countObjects(ctx, inv), "port", opts.Port)
	var first error
	for range runners {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel() // one part failed: stop the others
		}
	}
	return first
}

// probes serves /healthz and /readyz; ready once the webhook server accepts connections.
func probes(addr string, server crwebhook.Server) func(context.Context) error {
	return func(ctx context.Context) error {
		mux := http.NewServeMux()
		mux.Handle("/healthz", http.StripPrefix("/healthz", &healthz.Handler{Checks: map[string]healthz.Checker{"ping": healthz.Ping}}))
		mux.Handle("/readyz", http.StripPrefix("/readyz", &healthz.Handler{Checks: map[string]healthz.Checker{"webhook": server.StartedChecker()}}))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("health probes: %w", err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			<-ctx.Done()
			srv.Close()
		}()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func countObjects(ctx context.Context, inv Inventory) int {
	objs, _ := inv.Objects(ctx)
	return len(objs)
}
