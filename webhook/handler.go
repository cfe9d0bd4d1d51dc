// Package webhook is mtuguard's validating admission webhook: the same rules as the
// linter, evaluated on the object under admission with the cluster's other objects as
// context.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/mtuguard/mtuguard/policies"
)

// Inventory supplies the cluster objects the rules reason over.
type Inventory interface {
	Objects(ctx context.Context) ([]Stored, error)
}

// Stored is a cluster object and a name for this version of it, which must change whenever
// the object does (e.g. its uid and resourceVersion): the handler prepares each version for
// the rules once. An empty Version is prepared on every request.
type Stored struct {
	Version string
	Object  map[string]any
}

// Handler answers admission requests for every kind mtuguard reads.
type Handler struct {
	Engine    *policies.Engine
	Config    *ConfigStore
	Inventory Inventory
	// Timeout bounds one evaluation; keep it below the webhook's timeoutSeconds so the
	// API server always gets an answer from us.
	Timeout time.Duration
	// DenyOnTimeout makes an evaluation that runs out of time a denial instead of an
	// allow-with-warning.
	DenyOnTimeout bool
	Log           logr.Logger
	Metrics       *Metrics

	prepared  preparedCache
	snapshots snapshots
	verdicts  verdictCache
}

var _ admission.Handler = (*Handler)(nil)

// maxWarning keeps admission warnings readable: the API server and kubectl print each on
// one line, and long ones are truncated there anyway.
const maxWarning = 240

// Handle implements admission.Handler.
func (h *Handler) Handle(ctx context.Context, req admission.Request) (resp admission.Response) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			h.Log.Error(fmt.Errorf("%v", r), "panic while evaluating", "kind", req.Kind.Kind, "name", req.Name)
			h.Metrics.observeOutcome("panic")
			resp = h.onFailure(fmt.Sprintf("mtuguard failed internally (%v)", r))
		}
		h.Metrics.observeLatency(time.Since(start))
	}()
	if req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect {
		return admission.Allowed("")
	}
	var obj map[string]any
	if err := json.Unmarshal(req.Object.Raw, &obj); err != nil || obj == nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode %s: %v", req.Kind.Kind, err))
	}
	class, err := policies.Classify(obj)
	if err != nil {
		return admission.Denied("mtuguard: " + err.Error())
	}
	if class.Kind == "" {
		h.Metrics.observeOutcome("ignored")
		return admission.Allowed("not an object mtuguard checks")
	}
	cfg := h.Config.Current()
	evalCtx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	res, focus, err := h.judge(evalCtx, cfg, req.Object.Raw, obj, class)
	// Past the deadline the answer is late whatever it is: treat it as a timeout, so the
	// outcome does not depend on where OPA happened to notice the cancellation.
	if errors.Is(err, context.DeadlineExceeded) || evalCtx.Err() != nil {
		h.Metrics.observeOutcome("timeout")
		return h.onTimeout()
	}
	var unreadable contextError
	if errors.As(err, &unreadable) {
		return h.onFailure(fmt.Sprintf("mtuguard could not read the cluster's objects: %v", unreadable.err))
	}
	if err != nil {
		return h.onFailure(fmt.Sprintf("mtuguard could not evaluate its rules: %v", err))
	}
	return h.verdict(cfg, res, focus, obj)
}

// contextError is a failure to read the cluster's objects, as opposed to evaluating them.
type contextError struct{ err error }

func (e contextError) Error() string { return e.err.Error() }

func (e contextError) Unwrap() error { return e.err }

// judge evaluates the rules on the admitted object (raw, decoded as obj) in the cluster's
// context and returns the result with the id of the object's first entry. A verdict is
// kept by everything it depends on: the object's bytes, mtuguard's config and the version of
// every context object, so the same object admitted again (a GitOps controller's periodic
// server-side dry-run, a retried apply) is not evaluated again until one of those changes.
func (h *Handler) judge(ctx context.Context, cfg policies.Config, raw []byte, obj map[string]any, class policies.Classified) (policies.Result, int, error) {
	snap, err := h.snapshot(ctx, class.Kind)
	if err != nil {
		return policies.Result{}, 0, contextError{err}
	}
	in := snap.evaluation(identity(obj))
	first := len(in.objects)
	key := h.verdicts.key(raw, cfg, in.digest)
	if res, ok := h.verdicts.get(key); ok {
		h.Metrics.observeReused()
		return res, first, nil
	}
	derived, err := snap.derive(ctx, h.Engine, cfg, in, class.Kind)
	if err != nil {
		return policies.Result{}, 0, err
	}
	for _, o := range class.Objects(obj, policies.Source{}, 0) {
		p, err := policies.Prepare(o)
		if err != nil {
			return policies.Result{}, 0, err
		}
		in.focus = append(in.focus, len(in.objects))
		in.objects = append(in.objects, p)
	}
	res, err := h.Engine.EvalPrepared(ctx, cfg, in.objects, in.focus, derived)
	if err == nil {
		h.verdicts.add(key, res)
	}
	return res, first, err
}

func (h *Handler) verdict(cfg policies.Config, res policies.Result, focus int, obj map[string]any) admission.Response {
	var denials, warnings []string
	for _, p := range res.Problems {
		if p.Object >= focus {
			denials = append(denials, p.Message)
		}
	}
	_, _, ann := policies.Meta(obj)
	for _, v := range cfg.Apply(res.Findings, func(int) map[string]string { return ann }) {
		h.Metrics.observeFinding(v)
		switch {
		case v.Suppressed != "":
			warnings = append(warnings, truncate(fmt.Sprintf("%s suppressed (%s): %s", v.Rule, v.Suppressed, v.Message)))
		case v.Severity == "error":
			denials = append(denials, fmt.Sprintf("%s: %s Fix: %s", v.Rule, v.Message, v.Remediation))
		case v.Severity == "warning":
			warnings = append(warnings, truncate(fmt.Sprintf("%s: %s", v.Rule, v.Message)))
		}
	}
	if len(denials) > 0 {
		h.Metrics.observeOutcome("denied")
		resp := admission.Denied("mtuguard: " + strings.Join(denials, "\n"))
		resp.Warnings = warnings
		return resp
	}
	h.Metrics.observeOutcome("allowed")
	resp := admission.Allowed("")
	resp.Warnings = warnings
	return resp
}

func (h *Handler) onTimeout() admission.Response {
	msg := fmt.Sprintf("mtuguard: evaluation took longer than %s; not checked", h.Timeout)
	if h.DenyOnTimeout {
		return admission.Denied(msg)
	}
	resp := admission.Allowed("")
	resp.Warnings = []string{msg}
	return resp
}

// onFailure fails open with a warning: the failurePolicy decides what happens when the
// webhook is unreachable, but a webhook that is up must never block a cluster on its own bug.
func (h *Handler) onFailure(msg string) admission.Response {
	h.Log.Info(msg)
	resp := admission.Allowed("")
	resp.Warnings = []string{truncate(msg)}
	return resp
}

func truncate(s string) string {
	if len(s) <= maxWarning {
		return s
	}
	cut := maxWarning - 1
	for cut > 0 && (s[cut]&0xC0) == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// identity names an object for replacing its stored version by the admitted one.
func identity(obj map[string]any) string {
	apiVersion, kind := policies.TypeMeta(obj)
	group, _, _ := strings.Cut(apiVersion, "/")
	if !strings.Contains(apiVersion, "/") {
		group = ""
	}
	ns, name, _ := policies.Meta(obj)
	return group + "/" + kind + "/" + ns + "/" + name
}
