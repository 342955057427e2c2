package consumer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/broker"
	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// A deleted topic makes the consumer not ready with the topic named as the
// reason; when the topic is created again the consumer is ready again and
// delivers what is produced to the new topic.
func TestTopicDeletedAndBack(t *testing.T) {
	// The broker's own repair is slowed down so that the test does it.
	b := kafkatest.StartConfig(t, broker.Config{Topic: "logs", Partitions: 2, RetentionCheck: time.Hour})
	produce(t, b.Addr(), textMsg(0, "old 0"), textMsg(0, "old 1"), textMsg(1, "old 2"))
	sink := newRecSink()
	c, err := New(Config{
		Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "test-topic-gone",
		CommitInterval: 50 * time.Millisecond, TopicCheck: 50 * time.Millisecond, Sink: sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, reason := c.Readiness(); ok || reason != "consumer not started" {
		t.Errorf("before Start: got (%v, %q), want (false, %q)", ok, reason, "consumer not started")
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	wait.For(t, 15*time.Second, "ready with the old records", func() bool {
		return c.Ready() && sink.count(0) == 2 && sink.count(1) == 1
	})
	if ok, reason := c.Readiness(); !ok || reason != "" {
		t.Errorf("ready: got (%v, %q), want (true, \"\")", ok, reason)
	}

	if err := b.Cluster().DeleteTopic("logs"); err != nil {
		t.Fatal(err)
	}
	want := `topic "logs" does not exist`
	wait.For(t, 15*time.Second, "not ready, naming the missing topic", func() bool {
		ok, reason := c.Readiness()
		return !ok && strings.Contains(reason, want) && !c.Ready()
	})

	if err := b.Cluster().CreateTopic("logs", 2, nil); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 20*time.Second, "ready again", c.Ready)
	produce(t, b.Addr(), textMsg(1, "new 0"))
	wait.For(t, 15*time.Second, "the new topic's record delivered", func() bool {
		pubs := sink.published(1)
		return len(pubs) == 2 && pubs[1].e.Message == "new 0" && pubs[1].offset == 0
	})
	if ok, reason := c.Readiness(); !ok {
		t.Errorf("after the topic came back: got not ready (%q), want ready", reason)
	}
	sink.check(t)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if ok, reason := c.Readiness(); ok || reason != "consumer closed" {
		t.Errorf("after Close: got (%v, %q), want (false, %q)", ok, reason, "consumer closed")
	}
}
