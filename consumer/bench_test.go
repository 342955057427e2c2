package consumer

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/internal/genline"
	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// benchRecords is the topic size of BenchmarkConsume. Default 200k;
// TAILCAST_BENCH_RECORDS overrides it.
func benchRecords() int {
	if n, err := strconv.Atoi(os.Getenv("TAILCAST_BENCH_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// BenchmarkConsume reads a prepared topic to its end: the benchmark's lines
// (bench/cmd/genlines) as the collector writes them (the line as value,
// no key, the meta header, lz4), fetched from an in-process kfake broker
// and decoded (parsed) into entries, as the pusher gets them. It reports
// records/s and CPU µs per record; the CPU is the process's, so the
// broker's serving of the fetches is counted too (an upper bound on the
// consumer's own).
//
// Sub-benchmark "lines" is the line format, read with Fetch (the history's
// path); "group" the same records through the consumer group to the Sink
// (the live path), timed from the first record published to the last;
// "v1-protobuf" the same lines as the earlier collector wrote them (parsed
// there, a LogEntry per record), for comparison: the parsing moved from
// the collector to here.
func BenchmarkConsume(b *testing.B) {
	b.Run("lines", func(b *testing.B) { benchConsume(b, false) })
	b.Run("group", benchGroup)
	b.Run("v1-protobuf", func(b *testing.B) { benchConsume(b, true) })
}

func benchGroup(b *testing.B) {
	n := benchRecords()
	br := kafkatest.Start(b, "logs", 1)
	prepareTopic(b, br.Addr(), n, false)
	b.ReportAllocs()
	b.ResetTimer()
	var elapsed, cpu time.Duration
	for i := range b.N {
		sink := &countSink{want: int64(n), done: make(chan struct{})}
		c, err := New(Config{
			Kafka: kafkaconf.Config{Brokers: []string{br.Addr()}}, Group: "bench-group-" + strconv.Itoa(i),
			Warmup: int64(n), Sink: sink,
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		select {
		case <-sink.done:
		case <-time.After(5 * time.Minute):
			b.Fatalf("got %d records in 5 minutes, want %d", sink.n.Load(), n)
		}
		elapsed += sink.end.Sub(sink.start)
		cpu += sink.cpuEnd - sink.cpuStart
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		if sink.last.Level == logpb.Level_LEVEL_UNKNOWN || sink.last.Service != "checkout" {
			b.Fatalf("last record: level %v service %q; want parsed, from the headers", sink.last.Level, sink.last.Service)
		}
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/record")
}

// countSink notes when and at what process CPU its first and want-th
// records arrive. One partition: Publish is called from one goroutine.
type countSink struct {
	want             int64
	n                atomic.Int64
	start, end       time.Time
	cpuStart, cpuEnd time.Duration
	last             *logpb.LogEntry
	done             chan struct{}
}

func (*countSink) Begin(int32, int64) {}

func (s *countSink) Publish(_ int32, _ int64, e *logpb.LogEntry) {
	switch n := s.n.Add(1); {
	case n == 1:
		s.start, s.cpuStart = time.Now(), processCPU()
	case n == s.want:
		s.end, s.cpuEnd, s.last = time.Now(), processCPU(), e
		close(s.done)
	}
}

func benchConsume(b *testing.B, v1 bool) {
	n := benchRecords()
	br := kafkatest.Start(b, "logs", 1)
	prepareTopic(b, br.Addr(), n, v1)
	c, err := New(Config{
		Kafka: kafkaconf.Config{Brokers: []string{br.Addr()}}, Group: "bench-consume",
		Sink: nopSink{}, FetchTimeout: 5 * time.Minute,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	var elapsed, cpu time.Duration
	var total int
	for range b.N {
		start, cpu0 := time.Now(), processCPU()
		got := 0
		var last *logpb.LogEntry
		if _, err := c.Fetch(context.Background(), 0, 0, int64(n), func(_ int64, e *logpb.LogEntry) error {
			got++
			last = e
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		cpu += processCPU() - cpu0
		if got != n || last.Level == logpb.Level_LEVEL_UNKNOWN || last.Service != "checkout" {
			b.Fatalf("got %d records, last level %v service %q; want %d, parsed, from the headers", got, last.Level, last.Service, n)
		}
		total += got
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/record")
}

type nopSink struct{}

func (nopSink) Begin(int32, int64)                    {}
func (nopSink) Publish(int32, int64, *logpb.LogEntry) {}

// benchMeta is the meta header of the benchmarks' records, as the
// collector writes it (no key).
var benchMeta = []sarama.RecordHeader{{Key: []byte(logpb.HeaderMeta), Value: []byte("checkout\x00web-17\x00/var/log/checkout/checkout.log")}}

// produceAll produces the n messages next returns, in order, to
// partition 0, and waits for every acknowledgement.
func produceAll(b *testing.B, addr string, n int, next func(i int) *sarama.ProducerMessage) {
	sc, err := kafkaconf.Config{Brokers: []string{addr}}.Sarama()
	if err != nil {
		b.Fatal(err)
	}
	sc.Producer.Return.Successes = true
	sc.Producer.Compression = sarama.CompressionLZ4
	sc.Producer.Flush.Messages = 1000
	sc.Producer.Flush.Frequency = 5 * time.Millisecond
	sc.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewAsyncProducer([]string{addr}, sc)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for range n {
			select {
			case <-p.Successes():
			case perr := <-p.Errors():
				done <- perr
				return
			}
		}
		done <- nil
	}()
	for i := range n {
		p.Input() <- next(i)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
}

// prepareTopic produces n benchmark lines in the collector's record
// format, or with v1 as the old protobuf records of the same lines.
func prepareTopic(b *testing.B, addr string, n int, v1 bool) {
	g := genline.New(1)
	ts := time.Now()
	var line []byte
	v1Hdrs := []sarama.RecordHeader{{Key: []byte(logpb.HeaderContentType), Value: []byte(logpb.ContentTypeProtobuf)}}
	var off int64
	produceAll(b, addr, n, func(int) *sarama.ProducerMessage {
		line = g.Line(line[:0])
		text := bytes.Clone(bytes.TrimSuffix(line, []byte("\n")))
		m := &sarama.ProducerMessage{Topic: "logs", Headers: benchMeta, Timestamp: ts, Value: sarama.ByteEncoder(text)}
		if v1 {
			e := &logpb.LogEntry{ReadTimeUnixNano: ts.UnixNano(), Service: "checkout", Host: "web-17",
				Source: "/var/log/checkout/checkout.log", FileId: "803:1a2b3c:0123456789abcdef", Offset: off}
			parse.Into(e, text)
			v, err := proto.Marshal(e)
			if err != nil {
				b.Fatal(err)
			}
			m.Key, m.Headers, m.Value = sarama.StringEncoder("web-17:/var/log/checkout/checkout.log"), v1Hdrs, sarama.ByteEncoder(v)
		}
		off += int64(len(line))
		return m
	})
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
