package collector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tailcast/tailcast/consumer"
	"github.com/tailcast/tailcast/internal/broker"
	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

// record is one record read back from the topic.
type record struct {
	partition int32
	offset    int64
	key       string
	headers   map[string]string
	value     []byte          // as on the topic
	e         *logpb.LogEntry // decoded by consumer.Decode
}

// topicReader is an independent sarama consumer that reads every partition
// of the topic from the oldest offset.
type topicReader struct {
	mu   sync.Mutex
	recs []record
	errs []error
}

func readTopic(t *testing.T, addr, topic string) *topicReader {
	t.Helper()
	sc := sarama.NewConfig()
	sc.Consumer.Return.Errors = true
	sc.Consumer.Offsets.Initial = sarama.OffsetOldest
	sc.Consumer.Fetch.Default = 4 << 20
	cons, err := sarama.NewConsumer([]string{addr}, sc)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	parts, err := cons.Partitions(topic)
	if err != nil {
		t.Fatalf("partitions: %v", err)
	}
	r := &topicReader{}
	var wg sync.WaitGroup
	var pcs []sarama.PartitionConsumer
	for _, p := range parts {
		pc, err := cons.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("consume partition %d: %v", p, err)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for m := range pc.Messages() {
				e, err := consumer.Decode(m)
				if err != nil {
					r.mu.Lock()
					r.errs = append(r.errs, err)
					r.mu.Unlock()
					continue
				}
				rec := record{partition: m.Partition, offset: m.Offset, key: string(m.Key), value: m.Value, e: e, headers: map[string]string{}}
				for _, h := range m.Headers {
					rec.headers[string(h.Key)] = string(h.Value)
				}
				r.mu.Lock()
				r.recs = append(r.recs, rec)
				r.mu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			for range pc.Errors() {
			}
		}()
		pcs = append(pcs, pc)
	}
	t.Cleanup(func() {
		for _, pc := range pcs {
			pc.AsyncClose()
		}
		wg.Wait()
		cons.Close()
	})
	return r
}

func (r *topicReader) snapshot() []record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]record(nil), r.recs...)
}

// wait polls until cond holds on the records read so far.
func (r *topicReader) wait(t *testing.T, timeout time.Duration, what string, cond func([]record) bool) []record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		recs := r.snapshot()
		if cond(recs) {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; have %d records", timeout, what, len(recs))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *topicReader) waitN(t *testing.T, n int, timeout time.Duration) []record {
	t.Helper()
	return r.wait(t, timeout, fmt.Sprintf("%d records", n), func(rs []record) bool { return len(rs) >= n })
}

// testConfig is a Config tuned for fast tests.
func testConfig(addr string, inputs ...Input) Config {
	return Config{
		Inputs:            inputs,
		Kafka:             kafkaconf.Config{Brokers: []string{addr}},
		Host:              "testhost",
		RescanInterval:    50 * time.Millisecond,
		PositionsInterval: 50 * time.Millisecond,
		FlushTimeout:      100 * time.Millisecond,
		PollInterval:      200 * time.Millisecond,
		Linger:            time.Millisecond,
		CloseTimeout:      5 * time.Second,
	}
}

// startWatching starts a collector on inputs that match one file and waits
// until it watches it.
func startWatching(t *testing.T, cfg Config) *Collector {
	t.Helper()
	c := startCollector(t, cfg)
	wait.For(t, 5*time.Second, "file watched", func() bool { return c.Stats().FilesWatched == 1 })
	return c
}

func startCollector(t *testing.T, cfg Config) *Collector {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func appendFile(t testing.TB, path string, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readPositions(t *testing.T, path string) map[string]position {
	t.Helper()
	ps, _, err := loadPositions(path)
	if err != nil {
		t.Fatalf("load positions: %v", err)
	}
	out := map[string]position{}
	for _, p := range ps {
		out[p.Path] = p
	}
	return out
}

// raws returns the Raw of every record, in topic order per partition.
func raws(recs []record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.e.Raw)
	}
	return out
}

// numbered extracts the sequence numbers of "seq=N" lines and counts them.
func numbered(recs []record) map[int]int {
	seen := map[int]int{}
	for _, r := range recs {
		if n := seqOf(r); n >= 0 {
			seen[n]++
		}
	}
	return seen
}

// seqOf is the number after "seq=" in r's line, or -1.
func seqOf(r record) int {
	var n int
	if i := bytes.Index(r.e.Raw, []byte("seq=")); i >= 0 {
		if _, err := fmt.Sscanf(string(r.e.Raw[i:]), "seq=%d", &n); err == nil {
			return n
		}
	}
	return -1
}

func missing(seen map[int]int, from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		if seen[i] == 0 {
			out = append(out, i)
		}
	}
	return out
}

var errTest = errors.New("test: injected")

// refuseProduce makes the broker drop every produce request (and with it the
// connection) until the returned func is called.
func refuseProduce(b *broker.Broker) (allow func()) {
	allowed := make(chan struct{})
	b.Cluster().ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		select {
		case <-allowed:
			return nil, nil, false
		default:
			return nil, errTest, true
		}
	})
	return func() { close(allowed) }
}

// wantPartition is the partition sarama's default hash partitioner gives
// key: where the collector put a file's records when key was
// host:path, and where filePartitioner still puts them.
func wantPartition(t *testing.T, key string, partitions int32) int32 {
	t.Helper()
	p, err := sarama.NewHashPartitioner("logs").Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(key)}, partitions)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
