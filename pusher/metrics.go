package pusher

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Disconnect reasons (label values of tailcast_pusher_disconnects_total).
const (
	reasonClient   = "client"   // the peer closed or went away
	reasonSlow     = "slow"     // stayed behind for SlowTimeout, or a write timed out
	reasonProtocol = "protocol" // hostile or broken frames
	reasonIdle     = "idle"     // no frame within 2×PingInterval
	reasonShutdown = "shutdown" // Close
	reasonPolicy   = "policy"   // repeated invalid messages
	reasonError    = "error"    // write error
	reasonCost     = "cost"     // a filter over its CPU budget for SlowTimeout
)

type metrics struct {
	connections prometheus.Gauge
	deliveries  prometheus.Counter
	drops       prometheus.Counter
	stalls      prometheus.Counter
	disconnects *prometheus.CounterVec
	queueBytes  prometheus.Gauge
	resume      *prometheus.CounterVec
	publish     prometheus.Counter
	rejected    *prometheus.CounterVec
	pass        prometheus.Histogram
	hist        historyMetrics
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tailcast_pusher_connections", Help: "Open websocket connections."}),
		deliveries:  prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_deliveries_total", Help: "Entries written to clients."}),
		drops:       prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_dropped_entries_total", Help: "Entries skipped for clients that read too slowly."}),
		stalls:      prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_write_stalls_total", Help: "Frames a client's full socket buffer did not take at once, finished by a blocking writer."}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailcast_pusher_disconnects_total", Help: "Closed connections by reason."}, []string{"reason"}),
		queueBytes:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "tailcast_pusher_queue_bytes", Help: "Sum of the clients' backlogs in log bytes."}),
		resume:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailcast_pusher_resumes_total", Help: "since= resumes by where they were served from: ring, kafka, gap."}, []string{"result"}),
		publish:     prometheus.NewCounter(prometheus.CounterOpts{Name: "tailcast_pusher_published_total", Help: "Entries published by the consumer."}),
		rejected:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailcast_pusher_rejected_total", Help: "Refused upgrade requests by HTTP status."}, []string{"status"}),
		// Passes run every FlushInterval at most; one that takes longer
		// delays every viewer's next frame, so this says when the fan-out
		// itself is the bottleneck.
		pass: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tailcast_pusher_flush_pass_seconds", Help: "Duration of the fan-out's coalescing passes (matching new entries and building every viewer's frame).",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25}}),
	}
	m.hist = newHistoryMetrics()
	for _, r := range []string{reasonClient, reasonSlow, reasonProtocol, reasonIdle, reasonShutdown, reasonPolicy, reasonError, reasonCost} {
		m.disconnects.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.connections, m.deliveries, m.drops, m.stalls, m.disconnects, m.queueBytes, m.resume, m.publish, m.rejected, m.pass,
		m.hist.queries, m.hist.refused, m.hist.scanned, m.hist.scannedBytes, m.hist.duration, m.hist.running, m.hist.rests, m.hist.rested} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}
