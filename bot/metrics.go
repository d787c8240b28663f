package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the bot's Prometheus collectors. main builds one with the
// registry /metrics serves and hands it to what counts (router,
// dispatcher, adapters, outbox, rate limiter); tests build their own or
// pass nil. Every method is safe on a nil *Metrics and then counts
// nothing.
type Metrics struct {
	updates    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	sendErrors *prometheus.CounterVec
	queueDepth *prometheus.GaugeVec
	deliveries *prometheus.CounterVec
	late       prometheus.Counter
}

// NewMetrics builds the collectors and registers them with reg (nil: kept
// unregistered). It panics if reg already holds collectors of the same
// names, as registering twice is a programming error.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridbot_updates_total",
			Help: "Updates handled, by kind (text, callback, poll, member, migrate) and outcome.",
		}, []string{"kind", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gridbot_handler_seconds",
			Help:    "Time to handle one update, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"kind"}),
		sendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridbot_send_errors_total",
			Help: "Failed sends, by platform and kind (rate_limited, temporary, gone, permanent).",
		}, []string{"platform", "kind"}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gridbot_queue_depth",
			Help: "Work waiting, by queue.",
		}, []string{"queue"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridbot_outbox_deliveries_total",
			Help: "Outbox delivery attempts, by platform and outcome (sent, retry, or the error kind).",
		}, []string{"platform", "outcome"}),
		late: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridbot_ratelimit_late_total",
			Help: "Senders that woke too late for their reserved slot and took a new one.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.updates, m.latency, m.sendErrors, m.queueDepth, m.deliveries, m.late)
	}
	return m
}

// Update counts one update of kind ("text", "callback", ...) with its
// outcome ("ok", "duplicate", "busy", ...).
func (m *Metrics) Update(kind, outcome string) {
	if m != nil {
		m.updates.WithLabelValues(kind, outcome).Inc()
	}
}

// Handled records how long an update of kind took.
func (m *Metrics) Handled(kind string, d time.Duration) {
	if m != nil {
		m.latency.WithLabelValues(kind).Observe(d.Seconds())
	}
}

// SendFailed counts a failed send on platform, by the error's kind.
func (m *Metrics) SendFailed(platform string, err error) {
	if m != nil {
		m.sendErrors.WithLabelValues(platform, KindLabel(KindOf(err))).Inc()
	}
}

// Queued moves the depth of queue ("updates") by delta.
func (m *Metrics) Queued(queue string, delta float64) {
	if m != nil {
		m.queueDepth.WithLabelValues(queue).Add(delta)
	}
}

// QueueDepth sets the depth of queue ("outbox").
func (m *Metrics) QueueDepth(queue string, n float64) {
	if m != nil {
		m.queueDepth.WithLabelValues(queue).Set(n)
	}
}

// Delivery counts one outbox delivery attempt on platform with its outcome
// ("sent", "retry", or an error kind's label).
func (m *Metrics) Delivery(platform, outcome string) {
	if m != nil {
		m.deliveries.WithLabelValues(platform, outcome).Inc()
	}
}

// LateSender counts a rate-limited sender that woke too late for its
// reserved slot and took a new one.
func (m *Metrics) LateSender() {
	if m != nil {
		m.late.Inc()
	}
}

// KindLabel names an ErrorKind for metrics and logs.
func KindLabel(k ErrorKind) string {
	switch k {
	case RateLimited:
		return "rate_limited"
	case Temporary:
		return "temporary"
	case Gone:
		return "gone"
	}
	return "permanent"
}
