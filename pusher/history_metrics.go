package pusher

import "github.com/prometheus/client_golang/prometheus"

// Results of a history query (label values of
// tailcast_pusher_history_queries_total).
const (
	histDone    = "done"    // scanned to its end
	histLimited = "limited" // stopped at its limit
	histStopped = "stopped" // the client went away or changed its filter
	histError   = "error"   // Kafka or a write failed
)

// historyMetrics are the time-range and context queries' metrics.
type historyMetrics struct {
	queries      *prometheus.CounterVec
	refused      prometheus.Counter
	scanned      prometheus.Counter
	scannedBytes prometheus.Counter
	duration     prometheus.Histogram
	running      prometheus.Gauge
	rests        prometheus.Counter
	rested       prometheus.Counter
}

func newHistoryMetrics() historyMetrics {
	m := historyMetrics{
		queries:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailcast_pusher_history_queries_total", Help: "Time-range and context queries by result: done, limited, stopped, error."}, []string{"result"}),
		refused:      prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_history_refused_total", Help: "History queries refused because too many ran at once."}),
		scanned:      prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_history_scanned_records_total", Help: "Kafka records read by history queries."}),
		scannedBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_history_scanned_bytes_total", Help: "Encoded bytes of the entries read by history queries."}),
		duration:     prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tailcast_pusher_history_query_seconds", Help: "How long history queries took, from the hello to their end.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 8)}),
		running:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "tailcast_pusher_history_running", Help: "History queries scanning now."}),
		rests:        prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_history_rests_total", Help: "Times a history reader rested to leave the CPUs and the broker to live delivery (HistoryLiveShare)."}),
		rested:       prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_history_rested_seconds_total", Help: "Time history readers spent resting for live delivery, summed over the readers."}),
	}
	for _, r := range []string{histDone, histLimited, histStopped, histError} {
		m.queries.WithLabelValues(r)
	}
	return m
}
