package consumer

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

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
