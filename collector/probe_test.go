package collector

import (
	"fmt"
	"testing"

	gometrics "github.com/rcrowley/go-metrics"
)

func probeSarama(tb testing.TB, c *Collector) {
	sc := c.client.Config()
	sc.MetricRegistry.Each(func(name string, i interface{}) {
		switch m := i.(type) {
		case gometrics.Histogram:
			s := m.Snapshot()
			if name == "batch-size" || name == "records-per-request" || name == "request-latency-in-ms" || name == "compression-ratio" {
				fmt.Printf("%s: count %d mean %.1f p99 %.1f\n", name, s.Count(), s.Mean(), s.Percentile(0.99))
			}
		case gometrics.Meter:
			if name == "request-rate" {
				fmt.Printf("%s: count %d\n", name, m.Snapshot().Count())
			}
		}
	})
}
