package consumer

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	records      prometheus.Counter
	decodeErrors prometheus.Counter
	fetched      prometheus.Counter
	kafkaErrors  prometheus.Counter
	sessions     prometheus.Counter
	assigned     prometheus.Gauge
	lag          *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		records: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailcast_consumer_records_total",
			Help: "Records consumed from Kafka by the consumer group and handed to the sink.",
		}),
		decodeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailcast_consumer_decode_errors_total",
			Help: "Records that could not be decoded and were delivered as raw text.",
		}),
		fetched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailcast_consumer_fetched_records_total",
			Help: "Records read by offset for resume (Fetch).",
		}),
		kafkaErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailcast_consumer_kafka_errors_total",
			Help: "Errors from Kafka while consuming (retried).",
		}),
		sessions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailcast_consumer_group_sessions_total",
			Help: "Consumer group sessions started (one per rebalance).",
		}),
		assigned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tailcast_consumer_partitions_assigned",
			Help: "Partitions currently claimed by this consumer.",
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tailcast_consumer_lag",
			Help: "Records behind the partition's high watermark.",
		}, []string{"partition"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.records, m.decodeErrors, m.fetched, m.kafkaErrors, m.sessions, m.assigned, m.lag} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register consumer metrics: %w", err)
		}
	}
	return m, nil
}
