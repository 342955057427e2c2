package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/tailcast/tailcast/collector"
	"github.com/tailcast/tailcast/internal/broker"
	"github.com/tailcast/tailcast/internal/config"
	"github.com/tailcast/tailcast/internal/httpserve"
)

// runCommand is `tailcast run`: everything on one machine.
type runCommand struct {
	log     logSettings
	kafka   kafkaSettings
	broker  broker.Config
	dataDir string
	col     collectorSettings
	srv     serverSettings
}

func newRunCommand() command { return &runCommand{} }

func (c *runCommand) usage() string {
	return "Usage: tailcast run [flags] PATH|GLOB...\n\nRuns an embedded Kafka-compatible broker (or uses --brokers), the collector on\nthe given files, the consumer, the websocket server and the viewer."
}

func (c *runCommand) bind(s *config.Set) {
	c.log.bind(s)
	c.kafka.bind(s, "Kafka bootstrap brokers, host:port,… (default: none, run an embedded broker)")
	c.broker = broker.Config{}.WithDefaults()
	c.dataDir = "./tailcast-data"
	s.Bind(&c.broker.Listen, "kafka-listen", "address of the embedded Kafka-compatible broker")
	s.Bind(&c.dataDir, "data-dir", "directory for the embedded broker's log and the collector's positions")
	s.Bind(&c.broker.RetentionBytes, "retention-bytes", "embedded broker: bytes kept per partition")
	s.Bind(&c.broker.RetentionAge, "retention-age", "embedded broker: how long records are kept")
	s.Bind(&c.broker.AllowAdmin, "kafka-allow-admin", "embedded broker: accept admin requests (create or delete topics, delete records, alter configs) from any client that reaches it (default: refused to all)")
	c.col.bind(s, "`<data-dir>/positions.json`")
	c.srv.bind(s)
	s.Bind(&c.col.cfg.Topic, "topic", "Kafka topic")
}

func (c *runCommand) args(pos []string) error {
	c.col.args(pos)
	if c.col.cfg.PositionsFile == "" {
		c.col.cfg.PositionsFile = filepath.Join(c.dataDir, "positions.json")
	}
	return nil
}

func (c *runCommand) validate() error {
	errs := c.log.validate()
	errs = append(errs, c.kafka.validate("run", false, c.col.cfg.Topic)...)
	if len(c.kafka.kafka.Brokers) == 0 {
		if _, _, err := net.SplitHostPort(c.broker.Listen); err != nil {
			errs = append(errs, fmt.Errorf("kafka-listen %q: %v", c.broker.Listen, err))
		}
		if c.broker.RetentionBytes <= 0 {
			errs = append(errs, fmt.Errorf("retention-bytes %d: must be positive", c.broker.RetentionBytes))
		}
		if c.broker.RetentionAge <= 0 {
			errs = append(errs, fmt.Errorf("retention-age %s: must be positive", c.broker.RetentionAge))
		}
	}
	errs = append(errs, c.col.validate()...)
	errs = append(errs, c.srv.validate()...)
	return joinErrs(errs)
}

// brokerConfig is the embedded broker's Config.
func (c *runCommand) brokerConfig(log *zap.Logger) broker.Config {
	cfg := c.broker
	cfg.DataDir = filepath.Join(c.dataDir, "kafka")
	cfg.Topic = c.col.cfg.Topic
	cfg.Partitions = c.kafka.partitions
	// The client flags secure the embedded broker too: its one SASL
	// account and, with kafka-cert and kafka-key, its server certificate.
	cfg.SASL = c.kafka.kafka.SASL
	cfg.TLS = c.kafka.kafka.TLS
	cfg.Logger = log.Named("broker")
	return cfg
}

func (c *runCommand) run(ctx context.Context, env Env) error {
	log, err := c.log.logger(env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	topic := c.col.cfg.Topic
	if len(c.kafka.kafka.Brokers) == 0 {
		b, err := broker.Start(c.brokerConfig(log))
		if err != nil {
			return err
		}
		defer b.Close()
		kc := b.Kafka()
		c.kafka.kafka.Brokers, c.kafka.kafka.SASL = kc.Brokers, kc.SASL
		if kc.TLS.Enable {
			c.kafka.kafka.TLS = kc.TLS
		}
		log.Info("embedded kafka broker", zap.String("addr", b.Addr()))
		fmt.Fprintf(env.Stdout, "tailcast: kafka broker at %s (topic %q)\n", b.Addr(), topic)
	}
	if err := c.kafka.ensureTopic(topic); err != nil {
		return err
	}

	reg := newRegistry()
	srv, err := newServer(&c.srv, &c.kafka, topic, log, reg)
	if err != nil {
		return err
	}
	col, err := collector.New(c.col.config(&c.kafka, log, reg))
	if err != nil {
		srv.close()
		return err
	}
	errc := make(chan error, 3)
	if err := srv.start(ctx, errc); err != nil {
		srv.close()
		return err
	}
	if err := col.Start(ctx); err != nil {
		srv.close()
		return fmt.Errorf("start collector: %w", err)
	}
	defer httpserve.OnSIGHUP(ctx, srv.reloadCert)()
	return srv.wait(ctx, env, errc, func() {
		if err := col.Close(); err != nil {
			log.Warn("close collector", zap.Error(err))
		}
	})
}
