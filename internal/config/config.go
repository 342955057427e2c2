package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"
)

// Input is one path pattern with its own service, labels and multiline rule.
// It can only be given in the config file (key "inputs"); positional
// arguments become inputs with the --service and --multiline flags.
type Input struct {
	Path      string            `yaml:"path"`
	Service   string            `yaml:"service"`
	Labels    map[string]string `yaml:"labels"`
	Multiline string            `yaml:"multiline"`
}

// Config is every setting of every subcommand. Field comments name the
// option; defaults live in Default.
type Config struct {
	ConfigFile string // config

	LogLevel  string // log-level: debug|info|warn|error
	LogFormat string // log-format: json|console

	// Kafka.
	Brokers          []string      // brokers
	Topic            string        // topic
	Partitions       int           // partitions, for a created topic
	CreateTopic      bool          // create-topic
	ClientID         string        // client-id
	KafkaVersion     string        // kafka-version
	SASLMechanism    string        // sasl-mechanism
	SASLUser         string        // sasl-user
	SASLPassword     string        // sasl-password
	KafkaTLS         bool          // kafka-tls
	KafkaCA          string        // kafka-ca
	KafkaCert        string        // kafka-cert
	KafkaKey         string        // kafka-key
	KafkaTLSInsecure bool          // kafka-tls-insecure
	KafkaDialTimeout time.Duration // kafka-dial-timeout

	// Embedded broker (run).
	KafkaListen    string        // kafka-listen
	DataDir        string        // data-dir
	RetentionBytes int64         // retention-bytes
	RetentionAge   time.Duration // retention-age

	// Collector (run, collect).
	Inputs           []Input       // inputs (file) and positional paths
	Service          string        // service
	Host             string        // host
	Positions        string        // positions
	PositionsEvery   time.Duration // positions-interval
	FromStart        bool          // from-start
	Rescan           time.Duration // rescan
	MaxLineBytes     int           // max-line-bytes
	MaxBufferedBytes int64         // max-buffered-bytes
	FlushTimeout     time.Duration // flush-timeout
	MultilineWait    time.Duration // multiline-wait
	Linger           time.Duration // linger
	Compression      string        // compression
	Multiline        string        // multiline
	KeepRaw          bool          // keep-raw

	// Server (run, serve).
	Listen         string        // listen
	Group          string        // group
	Token          string        // token
	AllowedOrigins []string      // allowed-origins
	TLSCert        string        // tls-cert
	TLSKey         string        // tls-key
	MaxConnsPerIP  int           // max-conns-per-ip
	RingEntries    int           // ring-entries
	RingBytes      int64         // ring-bytes
	QueueBytes     int64         // queue-bytes
	SlowTimeout    time.Duration // slow-timeout
	Warmup         int64         // warmup
	FetchWait      time.Duration // fetch-wait
	ShutdownGrace  time.Duration // shutdown-grace

	// Terminal client (tail).
	URL        string   // positional
	TailOutput string   // output (-o)
	NoColor    bool     // no-color
	Local      bool     // local
	Since      string   // since
	Backfill   int      // backfill
	Levels     string   // level
	Grep       string   // grep
	Regex      string   // regex
	Services   []string // service (tail)
	Hosts      []string // host (tail)

	// Demo.
	Dir         string  // dir
	Rate        float64 // rate
	RotateBytes int64   // rotate-bytes
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		LogLevel:         "info",
		LogFormat:        "console",
		Topic:            "logs",
		Partitions:       3,
		CreateTopic:      true,
		ClientID:         "tailcast",
		KafkaVersion:     "3.6.0",
		KafkaDialTimeout: 5 * time.Second,
		KafkaListen:      "127.0.0.1:9092",
		DataDir:          "./tailcast-data",
		RetentionBytes:   1 << 30,
		RetentionAge:     24 * time.Hour,
		Rescan:           time.Second,
		PositionsEvery:   100 * time.Millisecond,
		MaxLineBytes:     1 << 20,
		MaxBufferedBytes: 64 << 20,
		FlushTimeout:     500 * time.Millisecond,
		MultilineWait:    5 * time.Millisecond,
		Linger:           2 * time.Millisecond,
		Compression:      "lz4",
		Listen:           "127.0.0.1:8080",
		MaxConnsPerIP:    1000,
		RingEntries:      100_000,
		RingBytes:        64 << 20,
		QueueBytes:       4 << 20,
		SlowTimeout:      10 * time.Second,
		Warmup:           10_000,
		FetchWait:        10 * time.Millisecond,
		ShutdownGrace:    10 * time.Second,
		TailOutput:       "pretty",
		Rate:             20,
	}
}

// Validate checks the settings a subcommand uses and returns every problem
// joined into one error.
func (c *Config) Validate(cmd string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		bad("log-format %q: want json or console", c.LogFormat)
	}

	kafka := cmd == "run" || cmd == "collect" || cmd == "serve"
	if kafka {
		if (cmd == "collect" || cmd == "serve") && len(c.Brokers) == 0 {
			bad("brokers: required for %s (host:port,…)", cmd)
		}
		for _, b := range c.Brokers {
			if _, _, err := net.SplitHostPort(b); err != nil {
				bad("brokers: %q is not host:port", b)
			}
		}
		if c.Topic == "" {
			bad("topic: must not be empty")
		}
		if c.Partitions < 1 {
			bad("partitions %d: must be at least 1", c.Partitions)
		}
		switch strings.ToUpper(c.SASLMechanism) {
		case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		default:
			bad("sasl-mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SASLMechanism)
		}
		if c.SASLMechanism != "" && c.SASLUser == "" {
			bad("sasl-user: required with sasl-mechanism")
		}
		if (c.KafkaCert == "") != (c.KafkaKey == "") {
			bad("kafka-cert and kafka-key: give both or neither")
		}
		for _, f := range []struct{ name, path string }{{"kafka-ca", c.KafkaCA}, {"kafka-cert", c.KafkaCert}, {"kafka-key", c.KafkaKey}} {
			if f.path != "" {
				if _, err := os.Stat(f.path); err != nil {
					bad("%s: %v", f.name, err)
				}
			}
		}
	}
	if cmd == "run" && len(c.Brokers) == 0 {
		if _, _, err := net.SplitHostPort(c.KafkaListen); err != nil {
			bad("kafka-listen %q: %v", c.KafkaListen, err)
		}
		if c.RetentionBytes <= 0 {
			bad("retention-bytes %d: must be positive", c.RetentionBytes)
		}
		if c.RetentionAge <= 0 {
			bad("retention-age %s: must be positive", c.RetentionAge)
		}
	}
	if cmd == "run" || cmd == "collect" {
		if len(c.Inputs) == 0 {
			bad("no paths to tail: give PATH|GLOB arguments or inputs in the config file")
		}
		for i, in := range c.Inputs {
			if in.Path == "" {
				bad("inputs[%d]: path is required", i)
			}
			if in.Multiline != "" {
				if _, err := regexp.Compile(in.Multiline); err != nil {
					bad("inputs[%d] multiline: %v", i, err)
				}
			}
		}
		if c.Multiline != "" {
			if _, err := regexp.Compile(c.Multiline); err != nil {
				bad("multiline: %v", err)
			}
		}
		if c.MaxLineBytes < 1024 {
			bad("max-line-bytes %d: must be at least 1024", c.MaxLineBytes)
		}
		if c.MaxBufferedBytes < int64(c.MaxLineBytes) {
			bad("max-buffered-bytes %d: must be at least max-line-bytes (%d)", c.MaxBufferedBytes, c.MaxLineBytes)
		}
		switch c.Compression {
		case "none", "lz4", "zstd", "snappy", "gzip":
		default:
			bad("compression %q: want none, lz4, zstd, snappy or gzip", c.Compression)
		}
		if c.Linger < 0 || c.Rescan <= 0 || c.FlushTimeout <= 0 || c.MultilineWait <= 0 || c.PositionsEvery <= 0 {
			bad("linger, rescan, flush-timeout, multiline-wait and positions-interval must be positive durations")
		}
	}
	if cmd == "run" || cmd == "serve" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			bad("listen %q: %v", c.Listen, err)
		}
		if (c.TLSCert == "") != (c.TLSKey == "") {
			bad("tls-cert and tls-key: give both or neither")
		}
		if c.RingEntries < 1 || c.RingBytes < 1 || c.QueueBytes < 1 {
			bad("ring-entries, ring-bytes and queue-bytes must be positive")
		}
	}
	if cmd == "tail" {
		if c.URL == "" {
			bad("tail: a server URL is required, e.g. tailcast tail http://127.0.0.1:8080")
		}
		switch c.TailOutput {
		case "json", "raw", "pretty":
		default:
			bad("output %q: want json, raw or pretty", c.TailOutput)
		}
		if c.Regex != "" {
			if _, err := regexp.Compile(c.Regex); err != nil {
				bad("regex: %v", err)
			}
		}
		if c.Backfill < 0 {
			bad("backfill %d: must not be negative", c.Backfill)
		}
	}
	if cmd == "demo" {
		if c.Dir == "" {
			bad("dir: required")
		}
		if c.Rate <= 0 {
			bad("rate %v: must be positive", c.Rate)
		}
	}
	return errors.Join(errs...)
}
