package collector

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/proto/logpb"
)

// Input is one path pattern to collect.
type Input struct {
	// Pattern is a path or a glob; `**` matches any number of directories.
	// Required.
	Pattern string
	// Service names the entries' service. Default: the file's base name
	// without its extension.
	Service string
	// Labels are appended to every entry's Fields, sorted by key. Default
	// none.
	Labels map[string]string
	// Multiline is the regexp that matches the first line of an entry; other
	// lines continue the entry before them. Default "": built-in stack-trace
	// rules (indentation, "at ", "Caused by:", "Traceback", "goroutine N [").
	Multiline string
}

// Config configures a Collector.
type Config struct {
	// Inputs to collect. Required.
	Inputs []Input
	// Kafka connection options. Brokers is required.
	Kafka kafkaconf.Config
	// Topic to produce to. Default "logs". It must exist.
	Topic string
	// Host is stamped on every record (its meta header). Default
	// os.Hostname().
	Host string
	// PositionsFile persists, per file identity, where reading resumes.
	// Default "": no persistence, every start behaves like a first start.
	PositionsFile string
	// PositionsInterval is how often the positions file is written when it
	// changed. Default 100ms: after a kill -9 everything acknowledged since
	// the last write is sent again, so this bounds the duplicates to about
	// the in-flight batch. It is always written on Close.
	PositionsInterval time.Duration
	// FromStart reads files present at the first start from their
	// beginning. Default false: they are read from their end. Files created
	// later, and files unknown to an existing positions file, are always read
	// from the beginning.
	FromStart bool
	// RescanInterval is how often the patterns are expanded again. Default
	// 1s.
	RescanInterval time.Duration
	// MaxLineBytes cuts longer lines, marking the entry Truncated. Default
	// 1 MiB.
	MaxLineBytes int
	// MaxBufferedBytes bounds the bytes sent but not yet acknowledged; when
	// reached, reading pauses. Default 64 MiB.
	MaxBufferedBytes int64
	// FlushTimeout is the quiet period after which a pending multiline entry,
	// or a last line without its newline, is sent. Default 500ms.
	FlushTimeout time.Duration
	// MultilineWait is how long an entry is held, once the file ends on a
	// newline after it, for continuation lines of a stack trace written in
	// several writes. It bounds the latency the joiner adds to a quiet
	// file's last entry. Default 5ms; FlushTimeout or more waits as long as
	// for an unterminated line.
	MultilineWait time.Duration
	// Linger is how long the producer waits to batch records. Default 2ms,
	// the figure docs/BENCHMARKS.md was measured with.
	Linger time.Duration
	// Compression is "none", "lz4", "zstd", "snappy" or "gzip". Default
	// "lz4".
	Compression string
	// KeepRaw does nothing. Default false.
	//
	// Deprecated: every record's value is now the line byte for byte, so
	// there is nothing left to keep; accepted so that old configurations
	// still load.
	KeepRaw bool
	// CloseTimeout bounds how long Close waits for in-flight records to be
	// acknowledged. Default 5s. Unacknowledged records are not checkpointed
	// and are sent again after a restart.
	CloseTimeout time.Duration
	// FollowSymlinks reads files reached through a symbolic link: a link a
	// pattern matches, or a linked directory a glob segment goes through.
	// Default false: such a path is skipped, logged once and counted in
	// tailcast_collector_symlinks_skipped_total, as Filebeat does, so that
	// a link planted in a watched directory (ln -s /etc/shadow app.log)
	// cannot ship another file. The fixed directory part of a pattern, up
	// to its first glob character, is the operator's and is followed
	// either way; `**` never descends into a linked directory.
	FollowSymlinks bool
	// Poll disables inotify: files are checked for new data every
	// PollInterval only. Default false (inotify, with a PollInterval safety
	// check).
	Poll bool
	// PollInterval is the safety re-check of an idle file. Default 1s, or
	// 250ms when Poll is set.
	PollInterval time.Duration
	// Logger receives warnings. Default nil: no logging.
	Logger *zap.Logger
	// Registerer registers the collector's metrics. Default nil: metrics are
	// kept but not registered.
	Registerer prometheus.Registerer

	// producerRetries overrides sarama's retry count (tests). Default 10.
	producerRetries int
}

// compiledInput is an Input ready to match.
type compiledInput struct {
	Input
	root     string   // directory to walk for recursive patterns
	segments []string // pattern split on "/", relative to root
	start    *regexp.Regexp
	labels   []string // Labels as key, value, key, value... sorted by key, shared read-only
}

// WithDefaults returns c with every zero field set to the default New gives
// it, so that a caller (tailcast's --help) shows the defaults without a
// second copy of them. It does not validate c.
func (c Config) WithDefaults() (Config, error) {
	err := c.fill()
	return c, err
}

func (c *Config) setDefaults() error {
	if len(c.Kafka.Brokers) == 0 {
		return fmt.Errorf("collector: %w", kafkaconf.ErrNoBrokers)
	}
	if err := c.fill(); err != nil {
		return err
	}
	if _, err := compressionCodec(c.Compression); err != nil {
		return err
	}
	return nil
}

func (c *Config) fill() error {
	c.Host = validUTF8(c.Host)
	if c.Topic == "" {
		c.Topic = kafkaconf.DefaultTopic
	}
	if c.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("collector: hostname: %w", err)
		}
		c.Host = h
	}
	if strings.IndexByte(c.Host, logpb.MetaSep) >= 0 {
		return fmt.Errorf("collector: host %q: %w", c.Host, ErrNULByte)
	}
	if c.PositionsInterval <= 0 {
		c.PositionsInterval = 100 * time.Millisecond
	}
	if c.RescanInterval <= 0 {
		c.RescanInterval = time.Second
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = 1 << 20
	}
	if c.MaxBufferedBytes <= 0 {
		c.MaxBufferedBytes = 64 << 20
	}
	if c.FlushTimeout <= 0 {
		c.FlushTimeout = 500 * time.Millisecond
	}
	if c.MultilineWait <= 0 {
		c.MultilineWait = 5 * time.Millisecond
	}
	if c.Linger <= 0 {
		c.Linger = 2 * time.Millisecond
	}
	if c.Compression == "" {
		c.Compression = "lz4"
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = 5 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
		if c.Poll {
			c.PollInterval = 250 * time.Millisecond
		}
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return nil
}

func compileInput(in Input) (*compiledInput, error) {
	if strings.TrimSpace(in.Pattern) == "" {
		return nil, fmt.Errorf("collector: input with an empty pattern")
	}
	pat := filepath.Clean(in.Pattern)
	if _, err := filepath.Match(strings.ReplaceAll(pat, "**", "*"), ""); err != nil {
		return nil, fmt.Errorf("collector: pattern %q: %w", in.Pattern, err)
	}
	ci := &compiledInput{Input: in}
	ci.root, ci.segments = splitPattern(pat)
	if in.Multiline != "" {
		re, err := regexp.Compile(in.Multiline)
		if err != nil {
			return nil, fmt.Errorf("collector: multiline pattern of %q: %w", in.Pattern, err)
		}
		ci.start = re
	}
	// NUL separates the fields of the records' meta header.
	if strings.IndexByte(in.Service, logpb.MetaSep) >= 0 {
		return nil, fmt.Errorf("collector: service of %q: %w", in.Pattern, ErrNULByte)
	}
	for _, k := range slices.Sorted(maps.Keys(in.Labels)) {
		if strings.IndexByte(k, logpb.MetaSep) >= 0 || strings.IndexByte(in.Labels[k], logpb.MetaSep) >= 0 {
			return nil, fmt.Errorf("collector: label %q of %q: %w", k, in.Pattern, ErrNULByte)
		}
		ci.labels = append(ci.labels, k, in.Labels[k])
	}
	return ci, nil
}

// serviceFor is the service name of a file matched by the input.
func (ci *compiledInput) serviceFor(path string) string {
	if ci.Service != "" {
		return ci.Service
	}
	return logpb.DefaultService(path)
}
