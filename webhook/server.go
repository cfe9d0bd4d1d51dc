package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/mtuguard/mtuguard/policies"
)

// Path is where the API server sends AdmissionReviews.
const Path = "/validate"

// Options configure the webhook server.
type Options struct {
	ConfigFile  string
	Host        string // listen address; "" = all
	Port        int
	CertDir     string // tls.crt and tls.key, reloaded when they change
	ClientCA    string // file name in CertDir: when set, only clients it signed (the API server) are served
	MetricsAddr string // "0" disables
	ProbeAddr   string
	EvalTimeout time.Duration
	// DenyOnTimeout denies, instead of allowing with a warning, objects whose evaluation
	// runs out of time.
	DenyOnTimeout bool

	// Self-managed certificates (cert-controller): the webhook writes its serving
	// certificate to SecretName and injects the CA into WebhookConfigName.
	SelfSignedCerts   bool
	Namespace         string
	ServiceName       string
	SecretName        string
	WebhookConfigName string
	// ExtraDNSNames are further names in the self-managed certificate, for API servers
	// that reach the webhook by URL rather than through its Service.
	ExtraDNSNames []string

	Metrics *Metrics // nil: registered with controller-runtime's registry
}

// NewManager wires the webhook, its cache, config reloading, health checks and metrics
// into a controller-runtime manager. Start it with mgr.Start(ctx).
func NewManager(cfg *rest.Config, opts Options, log logr.Logger) (manager.Manager, error) {
	engine, err := policies.NewEngine(context.Background())
	if err != nil {
		return nil, err
	}
	store, err := NewConfigStore(opts.ConfigFile, log.WithName("config"))
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	mapper, err := newMapper(cfg)
	if err != nil {
		return nil, err
	}
	kinds := installedKinds(mapper, log)
	tlsOpts := TLSOptions()
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                 scheme,
		Logger:                 log,
		HealthProbeBindAddress: opts.ProbeAddr,
		Metrics:                metricsserver.Options{BindAddress: opts.MetricsAddr, TLSOpts: tlsOpts},
		WebhookServer: crwebhook.NewServer(crwebhook.Options{
			Host: opts.Host, Port: opts.Port, CertDir: opts.CertDir, ClientCAName: opts.ClientCA, TLSOpts: tlsOpts,
		}),
		Cache: cache.Options{ByObject: cacheFilters()},
		// The webhook only reads: never let the default client write through a cache miss.
		Client: client.Options{Cache: &client.CacheOptions{Unstructured: true}},
	})
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(store); err != nil {
		return nil, err
	}
	inventory := &CacheInventory{Reader: mgr.GetCache(), Kinds: kinds}
	var synced atomic.Bool
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		for _, gvk := range kinds {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(gvk)
			informer, err := mgr.GetCache().GetInformer(ctx, u)
			if err != nil {
				return fmt.Errorf("watch %s: %w", gvk.Kind, err)
			}
			if _, err := informer.AddEventHandler(inventory.Changes()); err != nil {
				return fmt.Errorf("watch %s: %w", gvk.Kind, err)
			}
		}
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return errors.New("cache did not sync")
		}
		synced.Store(true)
		<-ctx.Done()
		return nil
	})); err != nil {
		return nil, err
	}
	handler := &Handler{
		Engine: engine, Config: store, Inventory: inventory,
		Timeout: opts.EvalTimeout, DenyOnTimeout: opts.DenyOnTimeout, Log: log.WithName("admission"), Metrics: opts.Metrics,
	}
	if handler.Metrics == nil {
		handler.Metrics = DefaultMetrics()
	}
	// The webhook server joins the manager when GetWebhookServer is first called. With
	// self-managed certificates that must wait until cert-controller has written the
	// Secret and the kubelet has projected it into CertDir: the server reads its
	// certificate when it starts, and fails without one.
	var server atomic.Pointer[crwebhook.Server]
	serve := func() {
		s := mgr.GetWebhookServer()
		s.Register(Path, &crwebhook.Admission{Handler: handler, RecoverPanic: ptr(true)})
		server.Store(&s)
	}
	if opts.SelfSignedCerts {
		certsReady := make(chan struct{})
		if err := addRotator(mgr, opts, certsReady); err != nil {
			return nil, err
		}
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			select {
			case <-certsReady:
				log.Info("serving certificate mounted and CA injected; starting the webhook server")
				serve()
			case <-ctx.Done():
			}
			return nil
		})); err != nil {
			return nil, err
		}
	} else {
		serve()
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	ready := func(req *http.Request) error {
		if !synced.Load() {
			return errors.New("cache not synced")
		}
		s := server.Load()
		if s == nil {
			return errors.New("waiting for the serving certificate")
		}
		return (*s).StartedChecker()(req)
	}
	if err := mgr.AddReadyzCheck("cache-and-webhook", ready); err != nil {
		return nil, err
	}
	return mgr, nil
}

// cacheFilters keep the cache to what the rules read: of all ConfigMaps, only Cilium's.
func cacheFilters() map[client.Object]cache.ByObject {
	cm := &unstructured.Unstructured{}
	cm.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"})
	return map[client.Object]cache.ByObject{
		cm: {Field: fields.OneTermEqualSelector("metadata.name", policies.CiliumConfigMapName)},
	}
}

// installedKinds keeps the watched kinds this cluster serves: Karpenter or Cilium CRDs
// may be absent, which is fine.
func installedKinds(mapper meta.RESTMapper, log logr.Logger) []schema.GroupVersionKind {
	var out []schema.GroupVersionKind
	for _, gvk := range policies.Watched {
		if _, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			log.Info("kind not installed; not watching it", "kind", gvk.String())
			continue
		}
		out = append(out, gvk)
	}
	return out
}

func addRotator(mgr manager.Manager, opts Options, ready chan struct{}) error {
	dns := fmt.Sprintf("%s.%s.svc", opts.ServiceName, opts.Namespace)
	return rotator.AddRotator(mgr, &rotator.CertRotator{
		SecretKey:      types.NamespacedName{Namespace: opts.Namespace, Name: opts.SecretName},
		CertDir:        opts.CertDir,
		CAName:         "mtuguard-ca",
		CAOrganization: "mtuguard",
		DNSName:        dns,
		ExtraDNSNames:  opts.ExtraDNSNames,
		IsReady:        ready,
		Webhooks:       []rotator.WebhookInfo{{Name: opts.WebhookConfigName, Type: rotator.Validating}},
		// cert-controller writes only the Secret; the Deployment mounts it at CertDir and
		// the webhook server's certwatcher picks up each rotation, so no restart.
		RestartOnSecretRefresh: false,
	})
}

func ptr[T any](v T) *T { return &v }

// TLSOptions: TLS 1.2 or later, and HTTP/2 off (CVE-2023-44487 rapid reset).
func TLSOptions() []func(*tls.Config) {
	return []func(*tls.Config){func(c *tls.Config) {
		c.MinVersion = tls.VersionTLS12
		c.NextProtos = []string{"http/1.1"}
	}}
}

// AdmissionHandler exposes the handler type to tests that serve it without a manager.
type AdmissionHandler = admission.Handler
