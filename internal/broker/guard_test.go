package broker

import (
	"errors"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/wait"
)

func startBroker(t *testing.T, cfg Config) *Broker {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	b, err := Start(cfg)
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

func saramaFor(t *testing.T, kc kafkaconf.Config) *sarama.Config {
	t.Helper()
	sc, err := kc.Sarama()
	if err != nil {
		t.Fatal(err)
	}
	sc.Producer.Return.Successes = true
	sc.Metadata.Retry.Max = 1
	sc.Net.DialTimeout = 2 * time.Second
	return sc
}

// roundTrip produces one record to topic and reads it back by offset.
func roundTrip(t *testing.T, kc kafkaconf.Config, topic, value string) error {
	t.Helper()
	sc := saramaFor(t, kc)
	client, err := sarama.NewClient(kc.Brokers, sc)
	if err != nil {
		return err
	}
	defer client.Close()
	p, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		return err
	}
	defer p.Close()
	part, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(value)})
	if err != nil {
		return err
	}
	c, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return err
	}
	defer c.Close()
	pc, err := c.ConsumePartition(topic, part, off)
	if err != nil {
		return err
	}
	defer pc.Close()
	select {
	case m := <-pc.Messages():
		if string(m.Value) != value {
			t.Errorf("read back %q, want %q", m.Value, value)
		}
		return nil
	case err := <-pc.Errors():
		return err
	case <-time.After(10 * time.Second):
		return errors.New("record not read back within 10s")
	}
}

// Every admin request from the network is refused, while produce and
// consume go on and the topic keeps its partitions.
func TestAdminRequestsRefused(t *testing.T) {
	b := startBroker(t, Config{Topic: "logs", Partitions: 3})
	sc := saramaFor(t, b.Kafka())
	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	group := "viewers"
	if err := roundTrip(t, b.Kafka(), "logs", "before"); err != nil {
		t.Fatalf("produce/consume before: %v", err)
	}
	attempts := []struct {
		name string
		do   func() error
	}{
		{"create topic", func() error {
			return admin.CreateTopic("big", &sarama.TopicDetail{NumPartitions: 2000, ReplicationFactor: -1}, false)
		}},
		{"delete topic", func() error { return admin.DeleteTopic("logs") }},
		{"create partitions", func() error { return admin.CreatePartitions("logs", 2000, nil, false) }},
		{"delete records", func() error { return admin.DeleteRecords("logs", map[int32]int64{0: 1}) }},
		{"alter topic config", func() error {
			v := "1"
			return admin.AlterConfig(sarama.TopicResource, "logs", map[string]*string{"retention.ms": &v}, false)
		}},
		{"incremental alter config", func() error {
			v := "1"
			return admin.IncrementalAlterConfig(sarama.TopicResource, "logs",
				map[string]sarama.IncrementalAlterConfigsEntry{"retention.ms": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &v}}, false)
		}},
		{"create acl", func() error {
			return admin.CreateACL(
				sarama.Resource{ResourceType: sarama.AclResourceTopic, ResourceName: "logs", ResourcePatternType: sarama.AclPatternLiteral},
				sarama.Acl{Principal: "User:eve", Host: "*", Operation: sarama.AclOperationAll, PermissionType: sarama.AclPermissionAllow})
		}},
		{"delete group", func() error { return admin.DeleteConsumerGroup(group) }},
	}
	for _, a := range attempts {
		t.Run(a.name, func(t *testing.T) {
			before := b.Refused()
			if err := a.do(); err == nil {
				t.Fatalf("got no error, want the request refused")
			}
			if got := b.Refused(); got <= before {
				t.Errorf("refused count: got %d, want more than %d", got, before)
			}
		})
	}
	info := b.Cluster().TopicInfo("logs")
	if info == nil {
		t.Fatal("topic logs: gone, want it kept")
	}
	if got := len(b.Cluster().PartitionInfos("logs")); got != 3 {
		t.Errorf("partitions of logs: got %d, want 3", got)
	}
	if b.Cluster().TopicInfo("big") != nil {
		t.Error("topic big: created, want refused")
	}
	if err := roundTrip(t, b.Kafka(), "logs", "after"); err != nil {
		t.Fatalf("produce/consume after the refusals: %v", err)
	}
	// Asking about a missing topic must not create it either.
	client, err := sarama.NewClient([]string{b.Addr()}, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_, _ = client.Partitions("auto")
	if b.Cluster().TopicInfo("auto") != nil {
		t.Error("topic auto: created by a metadata request, want refused")
	}
}

// AllowAdmin keeps the old open behaviour, for tests that play the operator.
func TestAllowAdmin(t *testing.T) {
	b := startBroker(t, Config{Topic: "logs", Partitions: 1, AllowAdmin: true})
	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, saramaFor(t, b.Kafka()))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopic("other", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: -1}, false); err != nil {
		t.Fatalf("create topic with AllowAdmin: %v", err)
	}
	if got := len(b.Cluster().PartitionInfos("other")); got != 2 {
		t.Errorf("partitions of other: got %d, want 2", got)
	}
	if got := b.Refused(); got != 0 {
		t.Errorf("refused: got %d, want 0", got)
	}
}

// A topic deleted anyway (here through the cluster API) is created again
// by the broker, so the pipeline heals.
func TestTopicRecreated(t *testing.T) {
	b := startBroker(t, Config{Topic: "logs", Partitions: 2, RetentionCheck: 20 * time.Millisecond})
	if err := b.Cluster().DeleteTopic("logs"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "the topic created again", func() bool { return b.Cluster().TopicInfo("logs") != nil })
	if got := len(b.Cluster().PartitionInfos("logs")); got != 2 {
		t.Errorf("partitions: got %d, want 2", got)
	}
	if err := roundTrip(t, b.Kafka(), "logs", "healed"); err != nil {
		t.Fatalf("produce/consume after the topic came back: %v", err)
	}
}
