package consumer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

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
