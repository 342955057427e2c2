package consumer

import (
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/proto/logpb"
)

// Sink receives decoded records. It is implemented by *pusher.Server.
type Sink interface {
	// Begin: consumption of partition starts at offset next; called
	// before any Publish for that partition (again after a rebalance).
	Begin(partition int32, next int64)
	// Publish hands over one decoded record. Called from one goroutine
	// per partition, in offset order. The sink may keep e.
	Publish(partition int32, offset int64, e *logpb.LogEntry)
}

// Config configures a Consumer.
type Config struct {
	// Kafka holds brokers, SASL and TLS. Brokers are required.
	Kafka kafkaconf.Config
	// Topic to consume. Default "logs".
	Topic string
	// Group is the consumer group. Default "tailcast-" + hostname, so each
	// replica is its own group and consumes every partition. Replicas that
	// share a group split the partitions between them instead.
	Group string
	// InstanceID turns on static group membership (KIP-345): a restarted
	// member with the same id takes its predecessor's place at once instead
	// of waiting for the dead member's session to time out. Members of one
	// group need distinct ids. Default "": dynamic membership.
	InstanceID string
	// Warmup: each partition starts at least this many records before the
	// newest (bounded by the oldest record Kafka holds), even when the
	// group committed a later offset, so a restarted server has history for
	// backfill at once; an earlier committed offset is honoured. Default
	// 10000; negative starts at the committed offset, or the newest record
	// for a new group.
	Warmup int64
	// FetchWait is the longest the broker may hold a fetch waiting for new
	// records. Default 10ms: it bounds the latency an idle partition adds.
	FetchWait time.Duration
	// FetchTimeout bounds one Fetch call, and each request of a Scan
	// (with its retries), so that a long scan goes on while Kafka answers.
	// Default 10s.
	FetchTimeout time.Duration
	// CommitInterval is how often marked offsets are committed; Close commits
	// the rest. Default 1s.
	CommitInterval time.Duration
	// TopicCheck is how often the consumer asks the brokers whether Topic
	// still exists. A deleted topic makes the consumer not ready (Readiness
	// names the reason) until the topic is back. Default 5s.
	TopicCheck time.Duration
	// Sink receives the records. Required.
	Sink Sink
	// Logger receives consumer errors. Default nil: no logging.
	Logger *zap.Logger
	// Registerer registers the metrics. Default nil: metrics are kept but
	// not registered.
	Registerer prometheus.Registerer
}

// defaultWarmup is Config.Warmup's default.
const defaultWarmup = 10000

// WithDefaults returns c with every zero field set to the default New gives
// it, so that a caller (tailcast's --help) shows the defaults without a
// second copy of them.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	if c.Topic == "" {
		c.Topic = kafkaconf.DefaultTopic
	}
	if c.Group == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "localhost"
		}
		c.Group = "tailcast-" + host
	}
	if c.Warmup == 0 {
		c.Warmup = defaultWarmup
	}
	if c.FetchWait <= 0 {
		c.FetchWait = 10 * time.Millisecond
	}
	if c.FetchWait < time.Millisecond { // sarama's floor
		c.FetchWait = time.Millisecond
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 10 * time.Second
	}
	if c.CommitInterval <= 0 {
		c.CommitInterval = time.Second
	}
	if c.TopicCheck <= 0 {
		c.TopicCheck = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
}

func (c *Config) validate() error {
	if c.Sink == nil {
		return ErrNoSink
	}
	if len(c.Kafka.Brokers) == 0 {
		return fmt.Errorf("consumer: %w", kafkaconf.ErrNoBrokers)
	}
	return nil
}
