package cli

import (
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/collector"
	"github.com/tailcast/tailcast/internal/config"
	"github.com/tailcast/tailcast/internal/httpserve"
)

// Input is one path pattern with its own service, labels and multiline rule.
// Only the config file gives them (key "inputs"); positional arguments
// become inputs with --service and --multiline.
type Input struct {
	Path      string            `yaml:"path"`
	Service   string            `yaml:"service"`
	Labels    map[string]string `yaml:"labels"`
	Multiline string            `yaml:"multiline"`
}

// collectorSettings are the collector's flags, shared by run and collect.
type collectorSettings struct {
	// cfg is the collector.Config the flags set; Inputs, Kafka, Logger and
	// Registerer are filled in by config.
	cfg       collector.Config
	inputs    []Input
	service   string
	multiline string
}

func (c *collectorSettings) bind(s *config.Set, positions string) {
	var err error
	if c.cfg, err = (collector.Config{}).WithDefaults(); err != nil {
		// No hostname: collector.New reports it when the command runs.
		c.cfg.Host = ""
	}
	f := &c.cfg
	s.FileKey(&c.inputs, "inputs", "path patterns, each with its own service, labels and multiline rule (see Per-path inputs)")
	s.Bind(&c.service, "service", "service name of the paths given as arguments (default: each file's base name)")
	s.Bind(&c.multiline, "multiline", "regexp matching the first line of an entry, for the paths given as arguments (default: built-in stack-trace rules)")
	s.Bind(&f.Host, "host", "host name stamped on every entry").DefaultText("this machine's host name")
	s.Bind(&f.PositionsFile, "positions", "file where reading positions are saved").DefaultText(positions)
	s.Bind(&f.PositionsInterval, "positions-interval", "how often changed positions are saved (bounds what a crash sends again)")
	s.Bind(&f.FromStart, "from-start", "read files present at the first start from the beginning (default: from their end)")
	s.Bind(&f.RescanInterval, "rescan", "how often globs are expanded again")
	s.Bind(&f.MaxLineBytes, "max-line-bytes", "longer lines are cut and marked truncated")
	s.Bind(&f.MaxBufferedBytes, "max-buffered-bytes", "unacknowledged bytes before reading pauses")
	s.Bind(&f.FlushTimeout, "flush-timeout", "quiet period after which a pending multiline entry or unterminated last line is sent")
	s.Bind(&f.MultilineWait, "multiline-wait", "how long an entry that ends the file is held for continuation lines")
	s.Bind(&f.Linger, "linger", "producer batching delay")
	s.Bind(&f.Compression, "compression", "producer compression: none, lz4, zstd, snappy or gzip")
	s.Bind(&f.FollowSymlinks, "follow-symlinks", "read files reached through symbolic links (default: a link is skipped, logged and counted)")
	s.Bind(&f.KeepRaw, "keep-raw", "deprecated, no effect: every record now carries its line byte for byte")
}

// args makes each positional path an input.
func (c *collectorSettings) args(pos []string) {
	for _, p := range pos {
		c.inputs = append(c.inputs, Input{Path: p, Service: c.service, Multiline: c.multiline})
	}
}

func (c *collectorSettings) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.inputs) == 0 {
		bad("no paths to tail: give PATH|GLOB arguments or inputs in the config file")
	}
	for i, in := range c.inputs {
		if in.Path == "" {
			bad("inputs[%d]: path is required", i)
		}
		if in.Multiline != "" {
			if _, err := regexp.Compile(in.Multiline); err != nil {
				bad("inputs[%d] multiline: %v", i, err)
			}
		}
	}
	if c.multiline != "" {
		if _, err := regexp.Compile(c.multiline); err != nil {
			bad("multiline: %v", err)
		}
	}
	f := &c.cfg
	if f.MaxLineBytes < 1024 {
		bad("max-line-bytes %d: must be at least 1024", f.MaxLineBytes)
	}
	if f.MaxBufferedBytes < int64(f.MaxLineBytes) {
		bad("max-buffered-bytes %d: must be at least max-line-bytes (%d)", f.MaxBufferedBytes, f.MaxLineBytes)
	}
	switch f.Compression {
	case "none", "lz4", "zstd", "snappy", "gzip":
	default:
		bad("compression %q: want none, lz4, zstd, snappy or gzip", f.Compression)
	}
	if f.Linger < 0 || f.RescanInterval <= 0 || f.FlushTimeout <= 0 || f.MultilineWait <= 0 || f.PositionsInterval <= 0 {
		bad("linger, rescan, flush-timeout, multiline-wait and positions-interval must be positive durations")
	}
	return errs
}

// config is the collector.Config the program runs with.
func (c *collectorSettings) config(k *kafkaSettings, log *zap.Logger, reg prometheus.Registerer) collector.Config {
	cfg := c.cfg
	cfg.Inputs = make([]collector.Input, 0, len(c.inputs))
	for _, in := range c.inputs {
		cfg.Inputs = append(cfg.Inputs, collector.Input{Pattern: in.Path, Service: in.Service, Labels: in.Labels, Multiline: in.Multiline})
	}
	cfg.Kafka = k.kafka
	cfg.Logger = log.Named("collector")
	cfg.Registerer = reg
	return cfg
}

// collectCommand is `tailcast collect`: the agent that tails files into
// Kafka.
type collectCommand struct {
	log   logSettings
	kafka kafkaSettings
	col   collectorSettings
}

func newCollectCommand() command { return &collectCommand{} }

// defaultPositions is collect's positions file when --positions is not given.
const defaultPositions = "tailcast-positions.json"

func (c *collectCommand) usage() string {
	return "Usage: tailcast collect --brokers HOST:PORT[,...] [flags] PATH|GLOB...\n\nTails the given files and produces each line to Kafka, at least once."
}

func (c *collectCommand) bind(s *config.Set) {
	c.log.bind(s)
	c.kafka.bind(s, "Kafka bootstrap brokers, host:port,…")
	c.col.bind(s, "`./"+defaultPositions+"`")
	s.Bind(&c.col.cfg.Topic, "topic", "Kafka topic")
}

func (c *collectCommand) args(pos []string) error {
	c.col.args(pos)
	if c.col.cfg.PositionsFile == "" {
		c.col.cfg.PositionsFile = defaultPositions
	}
	return nil
}

func (c *collectCommand) validate() error {
	errs := c.log.validate()
	errs = append(errs, c.kafka.validate("collect", true, c.col.cfg.Topic)...)
	errs = append(errs, c.col.validate()...)
	return joinErrs(errs)
}

func (c *collectCommand) run(ctx context.Context, env Env) error {
	log, err := c.log.logger(env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if err := c.kafka.ensureTopic(c.col.cfg.Topic); err != nil {
		return err
	}
	col, err := collector.New(c.col.config(&c.kafka, log, newRegistry()))
	if err != nil {
		return err
	}
	if err := col.Start(ctx); err != nil {
		return fmt.Errorf("start collector: %w", err)
	}
	defer httpserve.OnSIGHUP(ctx, nil)() // nothing to reload, but a hang-up must not kill the agent
	log.Info("collecting", zap.Int("inputs", len(c.col.inputs)), zap.Strings("brokers", c.kafka.kafka.Brokers))
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		tuneGC(ctx, col)
	} else {
		<-ctx.Done()
	}
	log.Info("shutting down: flushing and saving positions")
	return col.Close()
}

// tuneGC keeps the agent small on the hosts it shares, until ctx is done.
// Its heap is mostly short-lived line buffers plus the unacknowledged
// backlog, so a soft memory limit follows the backlog (two copies of it plus
// a fixed base): memory goes back to the system when Kafka keeps up, and the
// heap grows, rather than thrashes, while Kafka is slow. While lines arrive
// fast the limit also grows with the read rate (a second of input, at most
// gcBurstMax): the agent allocates about 13 bytes per byte read, and a
// limit that ignored that ran the collector about 40 times a second at full
// speed, a third of its CPU. A quiet agent tailing a thousand files stays
// near the base, which is a trade between RSS and GC CPU measured on that
// load (bench/collector.sh: 1,000 files, 1,000 lines/s): with a 24 MiB base
// the heap goal sat at the live heap and the GC ran 50 times a second, about
// 60% of a core; with 30 MiB, 17-19% at 38.5 MiB RSS; a fixed GOMEMLIMIT of
// 34 MiB gave 11% at 42 MiB, over issue 3's 40 MiB.
func tuneGC(ctx context.Context, col *collector.Collector) {
	debug.SetGCPercent(200)
	defer debug.SetMemoryLimit(math.MaxInt64)
	t := time.NewTicker(gcTick)
	defer t.Stop()
	prev := col.Stats().BytesRead
	for {
		st := col.Stats()
		debug.SetMemoryLimit(gcLimit(st.BufferedBytes, (st.BytesRead-prev)*int64(time.Second/gcTick)))
		prev = st.BytesRead
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const (
	gcTick     = 200 * time.Millisecond
	gcBase     = 30 << 20
	gcBurstMax = 96 << 20
)

// gcLimit is the soft memory limit for a backlog of buffered bytes and a
// read rate in bytes per second.
func gcLimit(buffered, rate int64) int64 {
	return gcBase + 2*buffered + min(max(rate, 0), gcBurstMax)
}
