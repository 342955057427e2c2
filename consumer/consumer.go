package consumer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// lagInterval is how often an idle claim refreshes its lag gauge.
const lagInterval = time.Second

// Consumer consumes the topic with a consumer group and feeds the Sink.
type Consumer struct {
	cfg Config
	sc  *sarama.Config
	log *zap.Logger
	m   *metrics

	mu     sync.Mutex
	state  int           // stateNew, stateStarted, stateClosed
	client sarama.Client // offsets, topic checks
	// groupClient is the group's own: a broker answers a connection's
	// requests in order, so a request sharing the group's connections waited
	// behind its long poll (FetchWait) on every round trip.
	groupClient sarama.Client
	group       sarama.ConsumerGroup
	ctx         context.Context // ends at Close; bounds Fetch too
	cancel      context.CancelFunc
	fetchWG     sync.WaitGroup // Fetch and Scan calls in flight; Close waits for them
	scanConns   scanConns      // the connections Fetch and Scan read on
	loopWG      sync.WaitGroup // the Consume loop
	drainWG     sync.WaitGroup // the group errors drain; ends when the group closes
	closeMu     sync.Mutex     // serialises Close so a second call waits for the first

	// Readiness of the current session: claims expected and started.
	claimMu  sync.Mutex
	expected int
	running  int
	ready    atomic.Bool
	// topicGone is set while the topic check finds the topic missing.
	topicGone atomic.Bool
	// sessErr is the last failed group session's error, cleared when a
	// session starts: the reason a consumer with no session is not ready.
	sessErr atomic.Pointer[string]
	// forget asks the next session's Setup to drop delivered: the topic
	// was deleted, so its offsets no longer mean anything.
	forget atomic.Bool
	// sessCancel ends the current group session (under sessMu).
	sessMu     sync.Mutex
	sessCancel context.CancelFunc
	// delivered is, per partition, the next offset after the last record
	// handed to the sink in an earlier session (under claimMu).
	delivered map[int32]int64

	lastDecodeLog atomic.Int64 // unix nanos; rate-limits decode error logs
}

const (
	stateNew = iota
	stateStarted
	stateClosed
)

// New validates cfg, fills its defaults and builds a Consumer. It does not
// connect; Start does.
func New(cfg Config) (*Consumer, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	sc, err := cfg.Kafka.Sarama()
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	sc.Consumer.Return.Errors = true
	sc.Consumer.MaxWaitTime = cfg.FetchWait
	sc.Consumer.Offsets.Initial = sarama.OffsetNewest // only after a reset race; Setup picks starts
	sc.Consumer.Offsets.AutoCommit.Enable = true
	sc.Consumer.Offsets.AutoCommit.Interval = cfg.CommitInterval
	sc.Consumer.Group.InstanceId = cfg.InstanceID
	sc.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{
		sarama.NewBalanceStrategySticky(),
		sarama.NewBalanceStrategyRoundRobin(),
	}
	// A consumer must not create the topic by asking about it.
	sc.Metadata.AllowAutoTopicCreation = false
	// A record larger than the default fetch size must still come through.
	sc.Consumer.Fetch.Max = 0
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("consumer: kafka config: %w", err)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Consumer{cfg: cfg, sc: sc, log: cfg.Logger, m: m, delivered: map[int32]int64{}, scanConns: scanConns{conf: sc}}, nil
}

// Start connects to Kafka and starts consuming in the background. It fails
// with ErrUnreachable when no broker answers, and with a clear error when the
// topic is missing. Later outages are ridden out: the group rejoins with
// backoff until Close or ctx ends.
func (c *Consumer) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case stateStarted:
		return ErrStarted
	case stateClosed:
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("consumer: start: %w", err)
	}
	brokers := strings.Join(c.cfg.Kafka.Brokers, ",")
	client, err := sarama.NewClient(c.cfg.Kafka.Brokers, c.sc)
	if err != nil {
		return fmt.Errorf("%w: connect to %s: %w", ErrUnreachable, brokers, err)
	}
	parts, err := client.Partitions(c.cfg.Topic)
	if err == nil && len(parts) == 0 {
		err = sarama.ErrUnknownTopicOrPartition
	}
	if err != nil {
		_ = client.Close()
		return fmt.Errorf("consumer: topic %q on %s: %w", c.cfg.Topic, brokers, err)
	}
	groupClient, err := sarama.NewClient(c.cfg.Kafka.Brokers, c.sc)
	if err != nil {
		_ = client.Close()
		return fmt.Errorf("%w: connect to %s: %w", ErrUnreachable, brokers, err)
	}
	group, err := sarama.NewConsumerGroupFromClient(c.cfg.Group, groupClient)
	if err != nil {
		_ = groupClient.Close()
		_ = client.Close()
		return fmt.Errorf("consumer: group %q: %w", c.cfg.Group, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	c.client, c.groupClient, c.group, c.ctx, c.cancel = client, groupClient, group, ctx, cancel
	c.state = stateStarted

	h := &handler{c: c}
	c.loopWG.Add(1)
	go func() {
		defer c.loopWG.Done()
		c.consumeLoop(ctx, h)
	}()
	c.loopWG.Add(1)
	go func() {
		defer c.loopWG.Done()
		c.watchTopic(ctx)
	}()
	c.drainWG.Add(1)
	go func() {
		defer c.drainWG.Done()
		for err := range group.Errors() { // closed by group.Close
			c.m.kafkaErrors.Inc()
			c.log.Warn("kafka consumer error", zap.Error(err))
		}
	}()
	c.log.Info("consumer started", zap.String("brokers", brokers),
		zap.String("topic", c.cfg.Topic), zap.String("group", c.cfg.Group), zap.Int("partitions", len(parts)))
	return nil
}

// consumeLoop keeps a group session alive: Consume returns at every
// rebalance and on errors, and is called again until ctx ends.
func (c *Consumer) consumeLoop(ctx context.Context, h *handler) {
	backoff := 100 * time.Millisecond
	for {
		sessCtx, cancel := context.WithCancel(ctx)
		c.sessMu.Lock()
		c.sessCancel = cancel
		c.sessMu.Unlock()
		err := c.group.Consume(sessCtx, []string{c.cfg.Topic}, h)
		cancel()
		if ctx.Err() != nil || errors.Is(err, sarama.ErrClosedConsumerGroup) {
			return
		}
		if err == nil {
			backoff = 100 * time.Millisecond
			continue
		}
		msg := err.Error()
		c.sessErr.Store(&msg)
		c.m.kafkaErrors.Inc()
		c.log.Warn("consumer group session failed; retrying", zap.Error(err), zap.Duration("backoff", backoff))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Ready reports whether every partition claimed in the current group session
// is being consumed. It is false before Start, during a rebalance, while no
// session can be held (broker outage), when the group gave this member no
// partition (more members than partitions), while the topic is missing, and
// after Close.
func (c *Consumer) Ready() bool { return c.ready.Load() && !c.topicGone.Load() }

// Readiness is Ready with the reason when not ready, for /readyz.
func (c *Consumer) Readiness() (ready bool, reason string) {
	c.mu.Lock()
	state := c.state
	c.mu.Unlock()
	switch {
	case state == stateNew:
		return false, "consumer not started"
	case state == stateClosed:
		return false, "consumer closed"
	case c.topicGone.Load():
		return false, fmt.Sprintf("topic %q does not exist on the brokers", c.cfg.Topic)
	case c.ready.Load():
		return true, ""
	}
	if e := c.sessErr.Load(); e != nil {
		return false, "no consumer group session: " + *e
	}
	c.claimMu.Lock()
	expected, running := c.expected, c.running
	c.claimMu.Unlock()
	if expected == 0 {
		return false, "no partition assigned to this member yet (joining the group, or more members than partitions)"
	}
	return false, fmt.Sprintf("consuming %d of %d partitions", running, expected)
}

// Close stops consuming, commits marked offsets and leaves the group. It is
// safe to call more than once, and before Start.
func (c *Consumer) Close() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	c.mu.Lock()
	if c.state != stateStarted {
		c.state = stateClosed
		c.mu.Unlock()
		return nil
	}
	c.state = stateClosed
	c.mu.Unlock()

	// Ending the session releases the claims and flushes the offsets. The
	// loop must be out of Consume before the group closes: Close would
	// otherwise wait on the group lock Consume holds.
	c.cancel()
	c.loopWG.Wait()
	c.fetchWG.Wait()
	c.scanConns.close()
	var errs []error
	if err := c.group.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close consumer group: %w", err))
	}
	c.drainWG.Wait()
	for _, cl := range []sarama.Client{c.groupClient, c.client} {
		if err := cl.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
			errs = append(errs, fmt.Errorf("close kafka client: %w", err))
		}
	}
	c.ready.Store(false)
	return errors.Join(errs...)
}
