package consumer

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/genline"
	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/proto/logpb"
)

// scanMarker is in one line of every 1000 of BenchmarkScan's topic.
const scanMarker = "zq-needle"

// BenchmarkScan is a history scan's read of one partition: the
// benchmark's lines (one in 1000 marked) as the collector writes them,
// lz4, from an in-process kfake broker. It reports records/s, MiB/s of
// values, the process's CPU per record (the broker's included) and
// allocations per record.
//
//   - "decode-all": Scan without keep, every record decoded (what Fetch
//     does, and a scan whose filter has no q).
//   - "prefilter-0.1%": keep looks for the marker in the raw value (as
//     the pusher's prefilter does for q); only candidates are decoded.
func BenchmarkScan(b *testing.B) {
	n := benchRecords()
	br := kafkatest.Start(b, "logs", 1)
	bytesIn := prepareMarkedTopic(b, br.Addr(), n)
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{br.Addr()}}, Group: "bench-scan", Sink: nopSink{}})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	marker := []byte(scanMarker)
	for _, bc := range []struct {
		name string
		keep func(value, service, host []byte, labels [][]byte) bool
	}{
		{"decode-all", nil},
		{"prefilter-0.1%", func(v, _, _ []byte, _ [][]byte) bool { return bytes.Contains(v, marker) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var elapsed, cpu time.Duration
			var total, mallocs uint64
			var ms runtime.MemStats
			for range b.N {
				runtime.ReadMemStats(&ms)
				m0 := ms.Mallocs
				start, cpu0 := time.Now(), processCPU()
				var got, matched int
				if _, err := c.Scan(context.Background(), 0, 0, int64(n), ScanOptions{Keep: bc.keep}, func(_ int64, e *logpb.LogEntry, _ int) error {
					got++
					if e != nil && bytes.Contains(e.Raw, marker) {
						matched++
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				cpu += processCPU() - cpu0
				runtime.ReadMemStats(&ms)
				mallocs += ms.Mallocs - m0
				if got != n || matched != n/1000 {
					b.Fatalf("got %d records, %d marked; want %d, %d", got, matched, n, n/1000)
				}
				total += uint64(got)
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "records/s")
			b.ReportMetric(float64(bytesIn)*float64(b.N)/elapsed.Seconds()/(1<<20), "MiB/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(total), "cpu-µs/record")
			b.ReportMetric(float64(mallocs)/float64(total), "allocs/record")
		})
	}
}

// prepareMarkedTopic produces n benchmark lines to partition 0, the
// marker appended to one in 1000, and returns their bytes.
func prepareMarkedTopic(b *testing.B, addr string, n int) int64 {
	g := genline.New(1)
	var line []byte
	var total int64
	produceAll(b, addr, n, func(i int) *sarama.ProducerMessage {
		line = bytes.TrimSuffix(g.Line(line[:0]), []byte("\n"))
		text := bytes.Clone(line)
		if i%1000 == 999 {
			text = append(text, " "+scanMarker...)
		}
		total += int64(len(text))
		return &sarama.ProducerMessage{Topic: "logs", Headers: benchMeta, Timestamp: time.Now(), Value: sarama.ByteEncoder(text)}
	})
	return total
}
