package pusher

import "github.com/prometheus/client_golang/prometheus"

// patCollector reports the miners' state at scrape time, summed over the
// services, so that mining pays for no metric on its hot path beyond the
// miner's own counters.
type patCollector struct {
	t                                      *patTable
	patterns, lines, created, evicted, new *prometheus.Desc
	services, filtered                     *prometheus.Desc
}

func newPatCollector(t *patTable) *patCollector {
	return &patCollector{
		t:        t,
		patterns: prometheus.NewDesc("tailcast_pusher_patterns", "Patterns held by the miners, over every service.", nil, nil),
		lines:    prometheus.NewDesc("tailcast_pusher_patterns_lines_total", "Messages mined into patterns.", nil, nil),
		created:  prometheus.NewDesc("tailcast_pusher_patterns_created_total", "Patterns created by the miners (generalised forms included).", nil, nil),
		evicted:  prometheus.NewDesc("tailcast_pusher_patterns_evicted_total", "Patterns dropped for the per-service cap, least recently seen first.", nil, nil),
		new:      prometheus.NewDesc("tailcast_pusher_patterns_new_total", "Patterns first seen after the learning period (those whose entries carry new).", nil, nil),
		services: prometheus.NewDesc("tailcast_pusher_pattern_services", "Services mined (at most 256).", nil, nil),
		filtered: prometheus.NewDesc("tailcast_pusher_pattern_filtered_counts", "Filters beyond service whose pattern counts the server keeps for their subscribers.", nil, nil),
	}
}

func (pc *patCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pc.patterns, pc.lines, pc.created, pc.evicted, pc.new, pc.services, pc.filtered} {
		ch <- d
	}
}

func (pc *patCollector) Collect(ch chan<- prometheus.Metric) {
	var held, lines, created, evicted int64
	var services int
	pc.t.services.Range(func(_, v any) bool {
		sp := v.(*svcPatterns)
		sp.mu.Lock()
		st := sp.m.Stats()
		sp.mu.Unlock()
		held += int64(st.Patterns)
		lines += st.Lines
		created += st.Created
		evicted += st.Evicted
		services++
		return true
	})
	ch <- prometheus.MustNewConstMetric(pc.patterns, prometheus.GaugeValue, float64(held))
	ch <- prometheus.MustNewConstMetric(pc.lines, prometheus.CounterValue, float64(lines))
	ch <- prometheus.MustNewConstMetric(pc.created, prometheus.CounterValue, float64(created))
	ch <- prometheus.MustNewConstMetric(pc.evicted, prometheus.CounterValue, float64(evicted))
	ch <- prometheus.MustNewConstMetric(pc.new, prometheus.CounterValue, float64(pc.t.news.Load()))
	ch <- prometheus.MustNewConstMetric(pc.services, prometheus.GaugeValue, float64(services))
	ch <- prometheus.MustNewConstMetric(pc.filtered, prometheus.GaugeValue, float64(pc.t.filtered.Load()))
}
