package consumer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/proto/logpb"
)

// recSink records what the consumer hands over and notes contract
// violations: Publish before Begin, offsets out of order.
type recSink struct {
	mu     sync.Mutex
	begins map[int32][]int64
	pubs   map[int32][]pub
	next   map[int32]int64 // expected minimum next offset
	errs   []string
}

type pub struct {
	offset int64
	e      *logpb.LogEntry
}

func newRecSink() *recSink {
	return &recSink{begins: map[int32][]int64{}, pubs: map[int32][]pub{}, next: map[int32]int64{}}
}

func (s *recSink) Begin(p int32, next int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begins[p] = append(s.begins[p], next)
	s.next[p] = next
}

func (s *recSink) Publish(p int32, off int64, e *logpb.LogEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.begins[p]) == 0 {
		s.errs = append(s.errs, fmt.Sprintf("publish %d/%d before begin", p, off))
	}
	if off < s.next[p] {
		s.errs = append(s.errs, fmt.Sprintf("publish %d/%d, want offset >= %d", p, off, s.next[p]))
	}
	s.next[p] = off + 1
	s.pubs[p] = append(s.pubs[p], pub{off, e})
}

func (s *recSink) count(p int32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pubs[p])
}

func (s *recSink) published(p int32) []pub {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pub(nil), s.pubs[p]...)
}

func (s *recSink) offsets(p int32) []int64 {
	var out []int64
	for _, x := range s.published(p) {
		out = append(out, x.offset)
	}
	return out
}

func (s *recSink) beginsOf(p int32) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.begins[p]...)
}

func (s *recSink) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.errs {
		t.Errorf("sink contract: %s", e)
	}
}

type opts struct {
	group  string
	warmup int64
	commit time.Duration // default 100ms
	reg    prometheus.Registerer
}

func startConsumer(t *testing.T, addr string, sink Sink, o opts) *Consumer {
	t.Helper()
	if o.group == "" {
		o.group = "test-" + strings.ReplaceAll(t.Name(), "/", "-")
	}
	if o.commit == 0 {
		o.commit = 100 * time.Millisecond
	}
	c, err := New(Config{
		Kafka: kafkaconf.Config{Brokers: []string{addr}}, Group: o.group, Warmup: o.warmup,
		CommitInterval: o.commit, Sink: sink, Registerer: o.reg,
	})
	if err != nil {
		t.Fatalf("new consumer: %v", err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("start consumer: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func saramaConfig(t *testing.T, addr string) *sarama.Config {
	t.Helper()
	sc, err := kafkaconf.Config{Brokers: []string{addr}}.Sarama()
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// produce sends msgs in order with a real sarama producer; each message's
// Partition is honoured.
func produce(t *testing.T, addr string, msgs ...*sarama.ProducerMessage) {
	t.Helper()
	sc := saramaConfig(t, addr)
	sc.Producer.Return.Successes = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Partitioner = sarama.NewManualPartitioner
	sc.Producer.MaxMessageBytes = 4 << 20
	p, err := sarama.NewSyncProducer([]string{addr}, sc)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	for _, m := range msgs {
		if m.Topic == "" {
			m.Topic = "logs"
		}
		if _, _, err := p.SendMessage(m); err != nil {
			t.Fatalf("produce to %d: %v", m.Partition, err)
		}
	}
}

func pbMsg(t *testing.T, p int32, e *logpb.LogEntry) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{
		Partition: p, Key: sarama.StringEncoder(e.Host + ":" + e.Source),
		Headers: []sarama.RecordHeader{{Key: []byte("content-type"), Value: []byte(ContentTypeProtobuf)}},
		Value:   sarama.ByteEncoder(mustMarshal(t, e)),
	}
}

func textMsg(p int32, v string) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{Partition: p, Value: sarama.StringEncoder(v)}
}

func entry(p int32, i int) *logpb.LogEntry {
	return &logpb.LogEntry{
		TimeUnixNano: int64(1e18) + int64(i), ReadTimeUnixNano: int64(1e18) + int64(i) + 5,
		Service: "api", Host: "web-1", Source: fmt.Sprintf("/var/log/p%d.log", p), FileId: "1:2:3",
		Offset: int64(i) * 80, Level: logpb.Level(i%6 + 1), Message: fmt.Sprintf("line %d of partition %d ✓", i, p),
		Fields: []*logpb.Field{{Key: "i", Value: fmt.Sprint(i), Json: true}},
		Raw:    []byte(fmt.Sprintf("raw %d", i)),
	}
}

// closeDuringRead closes c while read (a Fetch or a Scan of c, named
// name) is in flight, and checks that read then ends with ErrClosed.
func closeDuringRead(t *testing.T, c *Consumer, name string, read func() error) {
	t.Helper()
	inFlight := make(chan struct{})
	testHookFetching = func() { close(inFlight) }
	defer func() { testHookFetching = nil }()
	done := make(chan error, 1)
	go func() { done <- read() }()
	<-inFlight
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s during Close: got %v, want ErrClosed", name, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s still running after Close returned", name)
	}
}
