package bot

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	metricUpdates = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "gridbot_updates_total",
		Help: "Updates handled, by kind (text, callback, poll, member, migrate) and outcome.",
	}, []string{"kind", "outcome"})
	metricLatency = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gridbot_handler_seconds",
		Help:    "Time to handle one update, by kind.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
	}, []string{"kind"})
	// MetricSendErrors counts failed sends; adapters increment it with their
	// platform and the error kind.
	MetricSendErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "gridbot_send_errors_total",
		Help: "Failed sends, by platform and kind (rate_limited, temporary, gone, permanent).",
	}, []string{"platform", "kind"})
	// MetricQueueDepth reports queued work: updates waiting for a worker
	// ("updates") and deliveries waiting in the outbox ("outbox").
	MetricQueueDepth = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gridbot_queue_depth",
		Help: "Work waiting, by queue.",
	}, []string{"queue"})
)

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
