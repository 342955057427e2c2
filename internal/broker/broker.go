package broker

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
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
	// SASL, when Mechanism is set (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512),
	// requires every client to authenticate; User and Password are the one
	// account the broker knows, and tailcast's own clients use it too.
	// Default: no authentication, anyone who reaches Listen may produce
	// and consume.
	SASL kafkaconf.SASL
	// TLS: CertFile and KeyFile, when set, are the broker's server
	// certificate and every connection must speak TLS. CAFile and
	// InsecureSkipVerify only shape Kafka(), the client side tailcast's own
	// clients use to verify the broker. The broker asks for no client
	// certificate: SASL authenticates. Default: plaintext.
	TLS kafkaconf.TLS
	// AllowAdmin accepts admin requests from the network (creating,
	// deleting and altering topics, records, configs, ACLs, groups' offsets)
	// and lets a metadata request create a missing topic. Default false:
	// they are refused to every client, whoever it authenticated as, because
	// tailcast needs none of them over the wire. Tests that play the
	// operator set it.
	AllowAdmin bool
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

// kfakeSecurity turns the SASL and TLS settings into kfake options.
func (c *Config) kfakeSecurity() ([]kfake.Opt, error) {
	var opts []kfake.Opt
	switch mech := strings.ToUpper(c.SASL.Mechanism); mech {
	case "":
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if c.SASL.User == "" || c.SASL.Password == "" {
			return nil, fmt.Errorf("embedded broker sasl %s: %w", mech, ErrSASLCredentials)
		}
		opts = append(opts, kfake.EnableSASL(), kfake.Superuser(mech, c.SASL.User, c.SASL.Password))
	default:
		return nil, fmt.Errorf("embedded broker sasl mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SASL.Mechanism)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return nil, fmt.Errorf("embedded broker tls: %w", ErrTLSPair)
	}
	if c.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("embedded broker tls: load certificate: %w", err)
		}
		opts = append(opts, kfake.TLS(&tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}))
	} else if c.TLS.Enable {
		return nil, fmt.Errorf("embedded broker tls: %w", ErrTLSPair)
	}
	return opts, nil
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
	cfg     Config
	addr    string
	log     *zap.Logger
	once    sync.Once
	stop    chan struct{}
	wg      sync.WaitGroup

	refused     atomic.Int64
	lastRefusal atomic.Int64 // unix nanos of the last logged refusal
}

// Start starts a single-node broker and creates the topic.
func Start(cfg Config) (*Broker, error) {
	cfg.setDefaults()
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("kafka listen address %q: %w", cfg.Listen, err)
	}
	security, err := cfg.kfakeSecurity()
	if err != nil {
		return nil, err
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
		kfake.SeedTopics(cfg.Partitions, cfg.Topic),
		kfake.BrokerConfigs(map[string]string{
			"log.retention.bytes": strconv.FormatInt(cfg.RetentionBytes, 10),
			"log.retention.ms":    strconv.FormatInt(cfg.RetentionAge.Milliseconds(), 10),
		}),
	}
	opts = append(opts, security...)
	if cfg.AllowAdmin {
		opts = append(opts, kfake.AllowAutoTopicCreation())
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
	b := &Broker{cluster: c, cfg: cfg, addr: addr, log: cfg.Logger, stop: make(chan struct{})}
	if !cfg.AllowAdmin {
		guardAdmin(c, b.onRefused)
	}
	b.wg.Add(1)
	go b.maintain(cfg.RetentionCheck)
	return b, nil
}

// onRefused counts a refused admin request and logs at most one a second,
// so a client that keeps trying cannot flood the log.
func (b *Broker) onRefused(k kmsg.Key) {
	b.refused.Add(1)
	now := time.Now().UnixNano()
	last := b.lastRefusal.Load()
	if now-last < int64(time.Second) || !b.lastRefusal.CompareAndSwap(last, now) {
		return
	}
	b.log.Warn("embedded broker refused an admin request from the network",
		zap.String("request", k.Name()), zap.Int64("refused_total", b.refused.Load()))
}

// maintain enforces retention and puts the topic back if it disappeared
// (through the cluster API, or over the wire while AllowAdmin is set), so
// the pipeline heals within one tick instead of staying broken.
func (b *Broker) maintain(every time.Duration) {
	defer b.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.cluster.ApplyRetention()
			b.ensureTopic()
		}
	}
}

func (b *Broker) ensureTopic() {
	if b.cluster.TopicInfo(b.cfg.Topic) != nil {
		return
	}
	if err := b.cluster.CreateTopic(b.cfg.Topic, b.cfg.Partitions, nil); err != nil {
		b.log.Error("embedded broker: topic is missing and could not be created again",
			zap.String("topic", b.cfg.Topic), zap.Error(err))
		return
	}
	b.log.Error("embedded broker: topic was deleted; created it again, empty",
		zap.String("topic", b.cfg.Topic), zap.Int32("partitions", b.cfg.Partitions))
}

// Kafka is the client configuration tailcast's own clients use to reach
// this broker: its address, its SASL account and, when it serves TLS, TLS
// verified with the configured CA (or not, if InsecureSkipVerify).
func (b *Broker) Kafka() kafkaconf.Config {
	kc := kafkaconf.Config{Brokers: []string{b.addr}, SASL: b.cfg.SASL}
	if b.cfg.TLS.CertFile != "" {
		kc.TLS = kafkaconf.TLS{Enable: true, CAFile: b.cfg.TLS.CAFile, InsecureSkipVerify: b.cfg.TLS.InsecureSkipVerify}
	}
	return kc
}

// Refused is the number of admin requests refused so far.
func (b *Broker) Refused() int64 { return b.refused.Load() }

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
