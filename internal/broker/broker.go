package broker

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/tailcast/tailcast/internal/kafkaconf"
)

// Config configures the embedded broker.
type Config struct {
	// Listen is the TCP address to accept Kafka clients on. Default
	// "127.0.0.1:9092"; use port 0 for an ephemeral port.
	Listen string
	// DataDir persists the log. Default "" keeps everything in memory.
	DataDir string
	// Topic is created at start when missing. Default "logs".
	Topic string
	// Partitions of Topic. Default 3.
	Partitions int32
	// RetentionBytes bounds each partition's size. Default 1 GiB.
	RetentionBytes int64
	// RetentionAge bounds how long records are kept. Default 24h.
	RetentionAge time.Duration
	// RetentionCheck is how often retention is enforced. Default 1m. kfake
	// only enforces it on its own for topics with retention set per topic,
	// and then hourly.
	RetentionCheck time.Duration
	// Logger receives the broker's errors and warnings (its request-level
	// messages at debug). Default nil: no logging.
	Logger *zap.Logger
}

// WithDefaults returns c with every zero field set to the default Start
// gives it, so that a caller (tailcast's --help) shows the defaults without
// a second copy of them.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:9092"
	}
	if c.Topic == "" {
		c.Topic = kafkaconf.DefaultTopic
	}
	if c.Partitions <= 0 {
		c.Partitions = kafkaconf.DefaultPartitions
	}
	if c.RetentionBytes <= 0 {
		c.RetentionBytes = 1 << 30
	}
	if c.RetentionAge <= 0 {
		c.RetentionAge = 24 * time.Hour
	}
	if c.RetentionCheck <= 0 {
		c.RetentionCheck = time.Minute
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
}

// kfakeLogger adapts a zap.Logger to kfake.Logger.
type kfakeLogger struct{ l *zap.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	lvl := zapcore.DebugLevel // kfake logs every group join at info
	switch level {
	case kfake.LogLevelNone:
		return
	case kfake.LogLevelError:
		lvl = zapcore.ErrorLevel
	case kfake.LogLevelWarn:
		lvl = zapcore.WarnLevel
	}
	if k.l.Core().Enabled(lvl) { // format only what is written
		k.l.Log(lvl, fmt.Sprintf(format, args...))
	}
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
	once    sync.Once
	stop    chan struct{}
	wg      sync.WaitGroup
}

// Start starts a single-node broker and creates the topic.
func Start(cfg Config) (*Broker, error) {
	cfg.setDefaults()
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("kafka listen address %q: %w", cfg.Listen, err)
	}
	// kfake listens on 127.0.0.1 by default; ListenFn lets the operator pick
	// the interface while kfake still chooses nothing itself.
	listen := func(network, _ string) (net.Listener, error) {
		return net.Listen(network, cfg.Listen)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(listen),
		kfake.ClusterID("tailcast"),
		kfake.WithLogger(kfakeLogger{cfg.Logger}),
		kfake.DefaultNumPartitions(int(cfg.Partitions)),
		kfake.AllowAutoTopicCreation(),
		kfake.SeedTopics(cfg.Partitions, cfg.Topic),
		kfake.BrokerConfigs(map[string]string{
			"log.retention.bytes": strconv.FormatInt(cfg.RetentionBytes, 10),
			"log.retention.ms":    strconv.FormatInt(cfg.RetentionAge.Milliseconds(), 10),
		}),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s: %w", cfg.Listen, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) == 0 {
		c.Close()
		return nil, fmt.Errorf("start embedded broker: no listener")
	}
	addr := addrs[0]
	if host == "" || host == "0.0.0.0" || host == "::" {
		_, port, _ := net.SplitHostPort(addr)
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	b := &Broker{cluster: c, addr: addr, stop: make(chan struct{})}
	b.wg.Add(1)
	go b.enforceRetention(cfg.RetentionCheck)
	return b, nil
}

func (b *Broker) enforceRetention(every time.Duration) {
	defer b.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.cluster.ApplyRetention()
		}
	}
}

// Addr is the host:port clients bootstrap from.
func (b *Broker) Addr() string { return b.addr }

// Cluster exposes the kfake cluster for fault injection in tests.
func (b *Broker) Cluster() *kfake.Cluster { return b.cluster }

// Close stops the broker and flushes its data dir. Safe to call twice.
func (b *Broker) Close() {
	b.once.Do(func() {
		close(b.stop)
		b.wg.Wait()
		b.cluster.Close()
	})
}
