package pusher

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/consumer"
	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

// OffsetForTime finds the first entry read at or after t, like Kafka's
// offsets-for-times on the record timestamps the collector sets.
func (f *fakeFetcher) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	es, start := f.entries[p], f.logStart[p]
	for o := start; o < int64(len(es)); o++ {
		if es[o].ReadTimeUnixNano/1e6 >= t.UnixMilli() {
			return o, start, nil
		}
	}
	return max(int64(len(es)), start), start, nil
}

// pipeline is a real one: kfake broker, consumer, pusher behind a
// loopback HTTP server.
type pipeline struct {
	s    *Server
	u    string
	addr string
	cons *consumer.Consumer
	reg  *prometheus.Registry
	prod sarama.SyncProducer
}

// consumerFetcher lets the pusher be built before the consumer it reads
// Kafka through, as tailcast serve does.
type consumerFetcher struct{ c *consumer.Consumer }

func (f *consumerFetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	return f.c.Fetch(ctx, p, from, to, fn)
}

func (f *consumerFetcher) Scan(ctx context.Context, p int32, from, to int64, h ScanHooks, fn func(int64, *logpb.LogEntry, int) error) (int64, error) {
	return f.c.Scan(ctx, p, from, to, consumer.ScanOptions{Keep: h.Keep, Pace: h.Pace}, fn)
}

func (f *consumerFetcher) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	return f.c.OffsetForTime(ctx, p, t)
}

func startPipeline(t *testing.T, parts int32, cfg Config) *pipeline {
	t.Helper()
	b := kafkatest.Start(t, "logs", parts)
	p := &pipeline{addr: b.Addr(), reg: prometheus.NewRegistry()}
	f := &consumerFetcher{}
	cfg.Fetcher, cfg.Registerer = f, p.reg
	p.s, p.u = testServer(t, cfg)
	c, err := consumer.New(consumer.Config{
		Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "g-" + strings.ReplaceAll(t.Name(), "/", "-"),
		Sink: p.s, CommitInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c, p.cons = c, c
	sc, err := kafkaconf.Config{Brokers: []string{b.Addr()}}.Sarama()
	if err != nil {
		t.Fatal(err)
	}
	sc.Producer.Return.Successes = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Partitioner = sarama.NewManualPartitioner
	if p.prod, err = sarama.NewSyncProducer([]string{b.Addr()}, sc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.prod.Close() })
	return p
}

// start starts consuming, and waits until the pusher has begun every
// partition.
func (p *pipeline) start(t *testing.T, parts int) {
	t.Helper()
	if err := p.cons.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cons.Close() })
	wait.For(t, 20*time.Second, "partitions begun", func() bool { return p.s.hub.partitions() == parts })
}

// rec is one record to produce: an entry with its own time and the time
// it was read (the Kafka timestamp).
type rec struct {
	part      int32
	own, read time.Time
	msg       string
	raw       bool   // a foreign record: text, no collector metadata
	source    string // default: entry's
}

func (p *pipeline) produce(t *testing.T, recs ...rec) {
	t.Helper()
	if err := p.send(recs...); err != nil {
		t.Fatal(err)
	}
}

// send produces recs; unlike produce it may run on another goroutine.
func (p *pipeline) send(recs ...rec) error {
	for _, r := range recs {
		m := &sarama.ProducerMessage{Topic: "logs", Partition: r.part, Timestamp: r.read}
		if r.raw {
			m.Value = sarama.StringEncoder(r.msg)
		} else {
			e := entry("api", "h1", lInfo, r.msg)
			if strings.HasPrefix(r.msg, "{") || strings.Contains(r.msg, "=") {
				e = parsed("api", r.msg)
			}
			e.TimeUnixNano, e.ReadTimeUnixNano = r.own.UnixNano(), r.read.UnixNano()
			if r.source != "" {
				e.Source = r.source
			}
			b, err := proto.Marshal(e)
			if err != nil {
				return err
			}
			m.Value = sarama.ByteEncoder(b)
			m.Headers = []sarama.RecordHeader{{Key: []byte("content-type"), Value: []byte(consumer.ContentTypeProtobuf)}}
		}
		if _, _, err := p.prod.SendMessage(m); err != nil {
			return fmt.Errorf("produce: %w", err)
		}
	}
	return nil
}

// published waits until the pusher has n entries in total.
func (p *pipeline) published(t *testing.T, n int) {
	t.Helper()
	wait.For(t, 20*time.Second, fmt.Sprintf("%d entries published", n), func() bool {
		return counterValue(p.s.m.publish) >= float64(n)
	})
}

// rangeURL is the pipeline's /ws URL with query parameters (pairs).
func (p *pipeline) rangeURL(kv ...string) string {
	q := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return p.u + "?" + q.Encode()
}

// untilType reads messages until one of type typ, returning all read.
func (c *wsClient) untilType(typ string) []msg {
	c.t.Helper()
	var out []msg
	for {
		m := c.next()
		out = append(out, m)
		if m.Type == typ {
			return out
		}
	}
}

// entriesOf are the msgs of the entries among ms.
func entriesOf(ms []msg) []string {
	var out []string
	for _, m := range ms {
		if m.Type == "entry" {
			out = append(out, m.Msg)
		}
	}
	return out
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// spread is n entries a second apart from base, round-robin over parts
// partitions, named e00, e01, ...; own and read time are equal.
func spread(base time.Time, n int, parts int32) []rec {
	var out []rec
	for i := range n {
		at := base.Add(time.Duration(i) * time.Second)
		out = append(out, rec{part: int32(i) % parts, own: at, read: at, msg: fmt.Sprintf("e%02d", i)})
	}
	return out
}

func names(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("e%02d", i))
	}
	return out
}

func readBody(resp *http.Response) string {
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

func gaugeValue(g prometheus.Gauge) float64 {
	var m dto.Metric
	_ = g.Write(&m)
	return m.GetGauge().GetValue()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
