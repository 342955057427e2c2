package consumer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
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

func TestConsumeProtobuf(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	const perPart = 20
	var msgs []*sarama.ProducerMessage
	for i := range perPart {
		for p := int32(0); p < 3; p++ {
			msgs = append(msgs, pbMsg(t, p, entry(p, i)))
		}
	}
	produce(t, b.Addr(), msgs...)

	sink := newRecSink()
	reg := prometheus.NewRegistry()
	c := startConsumer(t, b.Addr(), sink, opts{reg: reg})
	for p := int32(0); p < 3; p++ {
		wait.For(t, 15*time.Second, fmt.Sprintf("partition %d", p), func() bool { return sink.count(p) >= perPart })
	}
	for p := int32(0); p < 3; p++ {
		if got := sink.beginsOf(p); len(got) != 1 || got[0] != 0 {
			t.Errorf("partition %d begins: got %v, want [0]", p, got)
		}
		for i, x := range sink.published(p) {
			if x.offset != int64(i) {
				t.Errorf("partition %d record %d: got offset %d, want %d", p, i, x.offset, i)
			}
			if want := entry(p, i); !proto.Equal(x.e, want) {
				t.Errorf("partition %d offset %d: got %v, want %v", p, i, x.e, want)
			}
		}
	}
	sink.check(t)
	if !c.Ready() {
		t.Error("Ready: got false while consuming, want true")
	}
	if got := value(t, c.m.records); got != 3*perPart {
		t.Errorf("records metric: got %v, want %d", got, 3*perPart)
	}
	if got := value(t, c.m.assigned); got != 3 {
		t.Errorf("partitions assigned metric: got %v, want 3", got)
	}
	wait.For(t, 5*time.Second, "lag 0 on every partition", func() bool {
		for p := range 3 {
			if value(t, c.m.lag.WithLabelValues(fmt.Sprint(p))) != 0 {
				return false
			}
		}
		return true
	})
	if n := series(t, reg, "tailcast_consumer_records_total", "tailcast_consumer_lag", "tailcast_consumer_decode_errors_total"); n != 5 {
		t.Errorf("registered series: got %d, want 5", n)
	}
}

func TestConsumeForeignKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("kcat not installed (apt-get install kcat); CI installs it")
		}
		t.Fatal("kcat not installed, and CI is set: the CI setup must install it")
	}
	b := kafkatest.Start(t, "logs", 3)
	// Each kcat run is a separate, independent producer (librdkafka).
	runs := []struct {
		args  []string
		input string
	}{
		{[]string{"-p", "0"}, "plain text line one\nsecond plain line\n"},
		{[]string{"-p", "1"}, `{"time":"2026-11-22T19:24:37.5Z","level":"error","msg":"payment failed","service":"billing","order":"A-17"}` + "\n" +
			`{"@timestamp":"2026-11-22T19:24:38Z","level":"warn","message":"retrying","service":"billing"}` + "\n"},
		{[]string{"-p", "2", "-H", "service=checkout", "-H", "host=web-3"}, "INFO checkout ready\n"},
		{[]string{"-p", "2", "-K", "|"}, "orders|keyed line\n"},
	}
	for _, r := range runs {
		args := append([]string{"-P", "-b", b.Addr(), "-t", "logs"}, r.args...)
		cmd := exec.Command(kcat, args...)
		cmd.Stdin = strings.NewReader(r.input)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kcat %v: %v\n%s", args, err, out)
		}
	}

	sink := newRecSink()
	startConsumer(t, b.Addr(), sink, opts{})
	want := map[int32]int{0: 2, 1: 2, 2: 2}
	for p, n := range want {
		wait.For(t, 15*time.Second, fmt.Sprintf("%d records on partition %d", n, p), func() bool { return sink.count(p) >= n })
	}
	sink.check(t)

	ts := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	tests := []struct {
		p                  int32
		i                  int
		service, host, msg string
		level              logpb.Level
		time               int64 // 0: the record timestamp
	}{
		{0, 0, "kafka", "", "plain text line one", logpb.Level_LEVEL_UNKNOWN, 0},
		{0, 1, "kafka", "", "second plain line", logpb.Level_LEVEL_UNKNOWN, 0},
		{1, 0, "billing", "", "payment failed", logpb.Level_LEVEL_ERROR, ts("2026-11-22T19:24:37.5Z")},
		{1, 1, "billing", "", "retrying", logpb.Level_LEVEL_WARN, ts("2026-11-22T19:24:38Z")},
		{2, 0, "checkout", "web-3", "checkout ready", logpb.Level_LEVEL_INFO, 0},
		{2, 1, "orders", "", "keyed line", logpb.Level_LEVEL_UNKNOWN, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("p%d-%d", tt.p, tt.i), func(t *testing.T) {
			x := sink.published(tt.p)[tt.i]
			e := x.e
			if e.Service != tt.service || e.Host != tt.host || e.Level != tt.level || e.Message != tt.msg {
				t.Errorf("got service %q host %q level %v msg %q, want %q %q %v %q", e.Service, e.Host, e.Level, e.Message, tt.service, tt.host, tt.level, tt.msg)
			}
			if e.Source != "kafka:logs" {
				t.Errorf("source: got %q, want kafka:logs", e.Source)
			}
			wantTime := tt.time
			if wantTime == 0 {
				wantTime = e.ReadTimeUnixNano
				if age := time.Since(time.Unix(0, e.ReadTimeUnixNano)); age < 0 || age > time.Minute {
					t.Errorf("read time: got %v ago, want the recent record timestamp", age)
				}
			}
			if e.TimeUnixNano != wantTime {
				t.Errorf("time: got %d, want %d", e.TimeUnixNano, wantTime)
			}
		})
	}
	if got := sink.published(1)[0].e.Fields; len(got) == 0 || got[0].Key != "order" || got[0].Value != "A-17" {
		t.Errorf("fields: got %v, want order=A-17 first", got)
	}
}

func TestConsumeGarbage(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	// kfake's default message.max.bytes is 1 MiB; allow the 2 MiB record.
	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, saramaConfig(t, b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	size := "8388608"
	if err := admin.AlterConfig(sarama.TopicResource, "logs", map[string]*string{"max.message.bytes": &size}, false); err != nil {
		t.Fatalf("alter topic config: %v", err)
	}
	_ = admin.Close()

	pbHdr := []sarama.RecordHeader{{Key: []byte("content-type"), Value: []byte(ContentTypeProtobuf)}}
	huge := strings.Repeat("x", 2<<20)
	good := entry(0, 99)
	produce(t, b.Addr(),
		&sarama.ProducerMessage{Partition: 0, Value: sarama.ByteEncoder([]byte{0x8f, 0, 0xff, 0x13, 0x37, 0xc3})},
		&sarama.ProducerMessage{Partition: 0, Value: sarama.StringEncoder("caf\xe9 \xff au lait")},
		&sarama.ProducerMessage{Partition: 0, Value: sarama.StringEncoder(huge)},
		&sarama.ProducerMessage{Partition: 0, Headers: pbHdr, Value: sarama.StringEncoder("definitely not protobuf")},
		pbMsg(t, 0, good),
	)

	sink := newRecSink()
	c := startConsumer(t, b.Addr(), sink, opts{})
	wait.For(t, 15*time.Second, "5 records", func() bool { return sink.count(0) >= 5 })
	sink.check(t)
	got := sink.published(0)
	wantMsg := []string{"\uFFFD\x00\uFFFD\x13\x37\uFFFD", "caf\uFFFD \uFFFD au lait", "", "definitely not protobuf"}
	for i, w := range wantMsg {
		e := got[i].e
		if i == 2 {
			if !e.Truncated || len(e.Message) != MaxValueBytes || e.Message[:10] != "xxxxxxxxxx" {
				t.Errorf("huge record: got truncated %v, %d bytes, want truncated to %d", e.Truncated, len(e.Message), MaxValueBytes)
			}
			continue
		}
		if e.Message != w || e.Level != logpb.Level_LEVEL_UNKNOWN || e.Source != "kafka:logs" {
			t.Errorf("record %d: got msg %q level %v source %q, want %q, unknown, kafka:logs", i, e.Message, e.Level, e.Source, w)
		}
	}
	if !proto.Equal(got[4].e, good) {
		t.Errorf("record after garbage: got %v, want %v", got[4].e, good)
	}
	if raw := string(got[1].e.Raw); raw != "caf\xe9 \xff au lait" {
		t.Errorf("text with stray invalid bytes: got raw %q, want the value as it is", raw)
	}
	// Binary, huge, bad protobuf; text with a stray invalid byte is a line.
	if n := value(t, c.m.decodeErrors); n != 3 {
		t.Errorf("decode errors: got %v, want 3", n)
	}
}

func TestCommittedOffsetsResume(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	var first []*sarama.ProducerMessage
	for i := range 5 {
		for p := int32(0); p < 3; p++ {
			first = append(first, textMsg(p, fmt.Sprintf("first %d", i)))
		}
	}
	produce(t, b.Addr(), first...)

	sink1 := newRecSink()
	// No periodic commit happens within the test: only Close commits.
	c1 := startConsumer(t, b.Addr(), sink1, opts{group: "resume", commit: time.Hour})
	for p := int32(0); p < 3; p++ {
		wait.For(t, 15*time.Second, "first batch", func() bool { return sink1.count(p) >= 5 })
	}
	if err := c1.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := c1.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if c1.Ready() {
		t.Error("Ready after Close: got true, want false")
	}

	var second []*sarama.ProducerMessage
	for i := range 3 {
		for p := int32(0); p < 3; p++ {
			second = append(second, textMsg(p, fmt.Sprintf("second %d", i)))
		}
	}
	produce(t, b.Addr(), second...)

	sink2 := newRecSink()
	startConsumer(t, b.Addr(), sink2, opts{group: "resume", warmup: -1})
	for p := int32(0); p < 3; p++ {
		wait.For(t, 15*time.Second, "second batch", func() bool { return sink2.count(p) >= 3 })
		if got := sink2.beginsOf(p); len(got) != 1 || got[0] != 5 {
			t.Errorf("partition %d begins: got %v, want [5]", p, got)
		}
		if got, want := fmt.Sprint(sink2.offsets(p)), "[5 6 7]"; got != want {
			t.Errorf("partition %d offsets after restart: got %s, want %s", p, got, want)
		}
		for _, x := range sink2.published(p) {
			if !strings.HasPrefix(x.e.Message, "second") {
				t.Errorf("partition %d: re-delivered %q", p, x.e.Message)
			}
		}
	}
	sink2.check(t)
}

func TestWarmup(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	counts := map[int32]int{0: 30, 1: 3, 2: 20}
	var msgs []*sarama.ProducerMessage
	for p, n := range counts {
		for i := range n {
			msgs = append(msgs, textMsg(p, fmt.Sprintf("p%d line %d", p, i)))
		}
	}
	produce(t, b.Addr(), msgs...)
	// Partition 2's log now starts at 15: warmup must not reach before it.
	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, saramaConfig(t, b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.DeleteRecords("logs", map[int32]int64{2: 15}); err != nil {
		t.Fatalf("delete records: %v", err)
	}
	_ = admin.Close()

	tests := []struct {
		name   string
		warmup int64
		want   map[int32][2]int64 // first and last offset delivered
	}{
		{"last 7", 7, map[int32][2]int64{0: {23, 29}, 1: {0, 2}, 2: {15, 19}}},
		{"default reaches the oldest", 0, map[int32][2]int64{0: {0, 29}, 1: {0, 2}, 2: {15, 19}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newRecSink()
			startConsumer(t, b.Addr(), sink, opts{warmup: tt.warmup})
			for p, w := range tt.want {
				n := int(w[1] - w[0] + 1)
				wait.For(t, 15*time.Second, fmt.Sprintf("%d records on %d", n, p), func() bool { return sink.count(p) >= n })
				offs := sink.offsets(p)
				if len(offs) != n || offs[0] != w[0] || offs[n-1] != w[1] {
					t.Errorf("partition %d: got offsets %v, want %d..%d", p, offs, w[0], w[1])
				}
				if got := sink.beginsOf(p); len(got) != 1 || got[0] != w[0] {
					t.Errorf("partition %d begins: got %v, want [%d]", p, got, w[0])
				}
			}
			sink.check(t)
		})
	}

	t.Run("negative starts at the newest", func(t *testing.T) {
		sink := newRecSink()
		c := startConsumer(t, b.Addr(), sink, opts{warmup: -1})
		wait.For(t, 15*time.Second, "ready", c.Ready)
		produce(t, b.Addr(), textMsg(1, "after start"))
		wait.For(t, 15*time.Second, "the new record", func() bool { return sink.count(1) >= 1 })
		if got := sink.offsets(1); fmt.Sprint(got) != "[3]" {
			t.Errorf("partition 1: got offsets %v, want [3]", got)
		}
		if n := sink.count(0) + sink.count(2); n != 0 {
			t.Errorf("got %d old records on partitions 0 and 2, want none", n)
		}
	})
}

func TestReady(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "ready", Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	if c.Ready() {
		t.Error("before Start: got ready, want not ready")
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wait.For(t, 15*time.Second, "ready", c.Ready)
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if c.Ready() {
		t.Error("after Close: got ready, want not ready")
	}
	if err := c.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: got %v, want ErrClosed", err)
	}
}

func TestStartUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{addr}}, Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	err = c.Start(context.Background())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Errorf("got error %v, want ErrUnreachable naming %s", err, addr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Start took %v, want a few seconds at most", d)
	}
	if c.Ready() {
		t.Error("got ready, want not ready")
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no sink", Config{Kafka: kafkaconf.Config{Brokers: []string{"127.0.0.1:1"}}}, "no sink"},
		{"no brokers", Config{Sink: newRecSink()}, "no kafka brokers"},
		{"bad sasl", Config{Sink: newRecSink(), Kafka: kafkaconf.Config{Brokers: []string{"127.0.0.1:1"}, SASL: kafkaconf.SASL{Mechanism: "MD5"}}}, "sasl mechanism"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestStartMissingTopic(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Topic: "no-such-topic", Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no-such-topic") {
		t.Errorf("got %v, want an error naming the topic", err)
	}
}

// A restarted server re-reads the warmup window even when the group
// committed past it, so backfill works at once after a deploy.
func TestRestartRewindsToWarmHistory(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	var msgs []*sarama.ProducerMessage
	for i := range 10 {
		msgs = append(msgs, textMsg(0, fmt.Sprintf("line %d", i)))
	}
	produce(t, b.Addr(), msgs...)

	sink1 := newRecSink()
	c1 := startConsumer(t, b.Addr(), sink1, opts{group: "warm"})
	wait.For(t, 15*time.Second, "all records", func() bool { return sink1.count(0) >= 10 })
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}

	sink2 := newRecSink()
	startConsumer(t, b.Addr(), sink2, opts{group: "warm", warmup: 4})
	wait.For(t, 15*time.Second, "warm history", func() bool { return sink2.count(0) >= 4 })
	if got, want := fmt.Sprint(sink2.beginsOf(0)), "[6]"; got != want {
		t.Errorf("begins: got %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(sink2.offsets(0)), "[6 7 8 9]"; got != want {
		t.Errorf("offsets: got %s, want %s", got, want)
	}
}

// With static membership a replacement member takes the partitions at once:
// the member it replaces is still in the group (as a crashed process would
// be until its 10 s session timed out), yet the new one is consuming well
// before that.
func TestStaticMemberTakesOver(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	newMember := func(sink *recSink) *Consumer {
		c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "static", InstanceID: "host-a", Sink: sink})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	first := newMember(newRecSink())
	wait.For(t, 15*time.Second, "first member ready", first.Ready)

	sink := newRecSink()
	second := newMember(sink)
	wait.For(t, 5*time.Second, "replacement ready before the old session times out", second.Ready)
	// It replaced the first member rather than sharing the group with it.
	for p := int32(0); p < 3; p++ {
		wait.For(t, 5*time.Second, fmt.Sprintf("partition %d claimed by the replacement", p), func() bool { return len(sink.beginsOf(p)) > 0 })
	}
	produce(t, b.Addr(), textMsg(0, "after takeover"))
	wait.For(t, 10*time.Second, "record delivered to the replacement", func() bool { return sink.count(0) >= 1 })
}

// TestFetchNotBehindGroupPoll: the group, caught up, holds a long poll of
// FetchWait on its broker connection, and a broker answers a connection's
// requests in order. A Fetch on the same connection waited behind that
// poll on every round trip (about FetchWait each, the history's and the
// consumer benchmark's bound); on its own client it does not. The bound
// is half of FetchWait, far above a Fetch of a few records.
func TestFetchNotBehindGroupPoll(t *testing.T) {
	const fetchWait = 3 * time.Second
	b := kafkatest.Start(t, "logs", 1)
	var msgs []*sarama.ProducerMessage
	for i := range 20 {
		msgs = append(msgs, textMsg(0, fmt.Sprintf("line %d", i)))
	}
	produce(t, b.Addr(), msgs...)
	sink := newRecSink()
	c, err := New(Config{
		Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "poll", Sink: sink, FetchWait: fetchWait,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wait.For(t, 15*time.Second, "the group caught up", func() bool { return c.Ready() && sink.count(0) == len(msgs) })
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), fetchWait/2)
		n := 0
		_, err := c.Fetch(ctx, 0, 0, int64(len(msgs)), func(int64, *logpb.LogEntry) error { n++; return nil })
		cancel()
		if err != nil || n != len(msgs) {
			t.Fatalf("fetch %d: got %d records, error %v; want %d within %v, not held behind the group's poll", i, n, err, len(msgs), fetchWait/2)
		}
	}
}
