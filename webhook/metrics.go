package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mtuguard/mtuguard/policies"
)

// Metrics are served with controller-runtime's own on the metrics endpoint.
type Metrics struct {
	findings *prometheus.CounterVec
	outcomes *prometheus.CounterVec
	reused   prometheus.Counter
	latency  prometheus.Histogram
}

// NewMetrics creates the webhook's metrics and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mtuguard_admission_findings_total",
			Help: "Findings on admitted objects, by rule and effective severity (suppressed ones as severity=suppressed).",
		}, []string{"rule", "severity"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mtuguard_admission_requests_total",
			Help: "Admission requests, by outcome (allowed, denied, ignored: not a kind the rules read, timeout, panic).",
		}, []string{"outcome"}),
		reused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mtuguard_admission_verdicts_reused_total",
			Help: "Admission requests answered with the verdict of an identical earlier one (same object bytes, mtuguard config and cluster object versions).",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mtuguard_admission_evaluation_seconds",
			Help:    "Time to answer one admission request, evaluation included.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.findings, m.outcomes, m.reused, m.latency)
	}
	return m
}

// DefaultMetrics registers with controller-runtime's registry, served on /metrics.
func DefaultMetrics() *Metrics { return NewMetrics(metrics.Registry) }

// Outcomes returns how many requests ended with outcome (tests and benchmarks).
func (m *Metrics) Outcomes(outcome string) float64 {
	var out dto.Metric
	if err := m.outcomes.WithLabelValues(outcome).Write(&out); err != nil {
		return 0
	}
	return out.GetCounter().GetValue()
}

// Reused returns how many verdicts were reused (tests and benchmarks).
func (m *Metrics) Reused() float64 {
	var out dto.Metric
	if err := m.reused.Write(&out); err != nil {
		return 0
	}
	return out.GetCounter().GetValue()
}

func (m *Metrics) observeReused() {
	if m != nil {
		m.reused.Inc()
	}
}

func (m *Metrics) observeFinding(v policies.Verdict) {
	if m == nil {
		return
	}
	sev := v.Severity
	if v.Suppressed != "" {
		sev = "suppressed"
	}
	m.findings.WithLabelValues(v.Rule, sev).Inc()
}

func (m *Metrics) observeOutcome(outcome string) {
	if m != nil {
		m.outcomes.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) observeLatency(d time.Duration) {
	if m != nil {
		m.latency.Observe(d.Seconds())
	}
}
