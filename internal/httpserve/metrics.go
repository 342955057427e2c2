package httpserve

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	conns        prometheus.Gauge
	maxConns     prometheus.Gauge
	refused      *prometheus.CounterVec
	reloads      *prometheus.CounterVec
	certNotAfter prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, name string) (*metrics, error) {
	m := &metrics{
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tailcast_http_connections",
			Help: "Connections open on the listener, websockets included.",
		}),
		maxConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tailcast_http_max_connections",
			Help: "The listener's connection cap (the file descriptor limit less the reserve, or lower).",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailcast_http_refused_total",
			Help: "Connections and requests refused: conn_limit (503 or closed at the cap), host (421, Host not allowed).",
		}, []string{"reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailcast_tls_cert_reloads_total",
			Help: "TLS certificate reloads by result: ok, or error (the previous certificate is kept).",
		}, []string{"result"}),
		certNotAfter: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tailcast_tls_cert_not_after_seconds",
			Help: "Expiry of the served TLS certificate, unix seconds.",
		}),
	}
	m.refused.WithLabelValues("conn_limit")
	m.refused.WithLabelValues("host")
	if reg == nil {
		return m, nil
	}
	reg = prometheus.WrapRegistererWith(prometheus.Labels{"listener": name}, reg)
	for _, c := range []prometheus.Collector{m.conns, m.maxConns, m.refused, m.reloads, m.certNotAfter} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register http metrics: %w", err)
		}
	}
	return m, nil
}
