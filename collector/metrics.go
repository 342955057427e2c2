package collector

import (
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats is a snapshot of the collector's counters.
type Stats struct {
	LinesRead      int64 // physical lines read
	BytesRead      int64 // bytes of lines read, newlines included
	LinesTruncated int64 // lines cut at MaxLineBytes (or shrunk to fit Kafka)
	EntriesSent    int64 // entries handed to the producer (retries excluded)
	EntriesAcked   int64 // entries acknowledged by Kafka
	BytesAcked     int64 // record value bytes acknowledged
	ProducerErrors int64 // failed produce attempts (each is retried)
	FilesWatched   int64 // files currently open
	// SymlinksSkipped counts the symbolic links not followed
	// (FollowSymlinks off), each once while it stays in place.
	SymlinksSkipped int64
	BufferedBytes   int64 // bytes sent and not yet acknowledged
}

type counters struct {
	linesRead, bytesRead, truncated      atomic.Int64
	sent, acked, bytesAcked, producerErr atomic.Int64
	filesWatched, symlinksSkipped        atomic.Int64
}

type metrics struct {
	lag *prometheus.GaugeVec
}

func newMetrics(c *counters, buffered func() int64, reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "tailcast", Subsystem: "collector", Name: "file_lag_bytes",
			Help: "Bytes between the read position and the end of each watched file.",
		}, []string{"path"}),
	}
	counter := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "tailcast", Subsystem: "collector", Name: name, Help: help,
		}, func() float64 { return float64(v.Load()) })
	}
	cs := []prometheus.Collector{
		m.lag,
		counter("lines_read_total", "Physical lines read from files.", &c.linesRead),
		counter("bytes_read_total", "Bytes of lines read from files.", &c.bytesRead),
		counter("lines_truncated_total", "Lines cut at the maximum line size.", &c.truncated),
		counter("entries_sent_total", "Entries handed to the Kafka producer.", &c.sent),
		counter("entries_acked_total", "Entries acknowledged by Kafka.", &c.acked),
		counter("bytes_acked_total", "Record value bytes acknowledged by Kafka.", &c.bytesAcked),
		counter("producer_errors_total", "Failed produce attempts; every one is retried.", &c.producerErr),
		counter("symlinks_skipped_total", "Symbolic links in watched paths not followed (FollowSymlinks off).", &c.symlinksSkipped),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "tailcast", Subsystem: "collector", Name: "files_watched",
			Help: "Files currently open.",
		}, func() float64 { return float64(c.filesWatched.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "tailcast", Subsystem: "collector", Name: "buffered_bytes",
			Help: "Bytes sent and not yet acknowledged.",
		}, func() float64 { return float64(buffered()) }),
	}
	if reg != nil {
		for _, col := range cs {
			if err := reg.Register(col); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// validUTF8 replaces invalid bytes of s: prometheus label values and zap
// fields must be UTF-8. Paths and the host are sanitised once, not per
// record.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
