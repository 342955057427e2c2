package pusher

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Fetcher reads past entries of a partition from Kafka (implemented by
// *consumer.Consumer). Fetch calls fn for the entries in [from, to) in
// offset order and returns the oldest offset Kafka still holds.
// OffsetForTime returns the first offset whose Kafka timestamp is at or
// after t (the high watermark when none is), never below logStart, the
// oldest offset Kafka still holds; time-range queries start there.
type Fetcher interface {
	Fetch(ctx context.Context, partition int32, from, to int64, fn func(offset int64, e *logpb.LogEntry) error) (logStart int64, err error)
	OffsetForTime(ctx context.Context, partition int32, t time.Time) (off, logStart int64, err error)
}

// Config configures a Server. Every zero value means the default stated.
type Config struct {
	// Fetcher reads history older than the rings. Default nil: resume only
	// from memory, with a gap when the cursor is older.
	Fetcher Fetcher
	// RingEntries bounds each partition's ring. Default 100_000.
	RingEntries int
	// RingBytes bounds each partition's ring in encoded bytes. Default 64 MiB.
	RingBytes int64
	// QueueBytes is how far (in encoded bytes of the log, before filtering)
	// a client may fall behind before it is skipped ahead and sent
	// "dropped": at once when its socket has not taken the last frame for
	// 100 ms, else once it has stayed further behind for a second (or half
	// of SlowTimeout) without getting closer, so that a burst the client is
	// draining at full speed costs it nothing. Default 4 MiB.
	QueueBytes int64
	// SendBuffer caps each connection's kernel send buffer, so that a slow
	// reader's backlog is counted against QueueBytes rather than hidden in
	// the kernel. Default 256 KiB.
	SendBuffer int
	// SlowTimeout is how long a client may stay behind (skipped, and not
	// caught up since) before it is closed with 1008. It is also the write
	// deadline of each frame. Default 10s.
	SlowTimeout time.Duration
	// FlushInterval is the write coalescing delay. Default 5ms; at most 10ms.
	FlushInterval time.Duration
	// Token, when set, is required as ?token= or "Authorization: Bearer".
	// Default "": no authentication.
	Token string
	// AllowedOrigins lists the Origin values (e.g. "https://logs.example.com")
	// or bare hosts accepted from browsers besides the server's own (an
	// Origin whose host equals the request's Host, always accepted); "*"
	// allows all. Default nil: only the server's own. Requests without
	// Origin (non-browser clients) are always accepted.
	AllowedOrigins []string
	// MaxConnsPerIP limits concurrent connections per remote IP (the TCP
	// peer; proxy headers are not trusted). Zero means the default, 1000;
	// negative: no limit.
	MaxConnsPerIP int
	// PingInterval is how often the server pings; a peer that sends no frame
	// within twice this is closed. Default 30s.
	PingInterval time.Duration
	// HandshakeTimeout bounds writing the upgrade response and the hello.
	// Default 10s. Reading the request is the http.Server's job: set its
	// ReadHeaderTimeout.
	HandshakeTimeout time.Duration
	// MaxMessageBytes is the largest client message accepted; larger ones
	// close the connection with 1009. Default 64 KiB.
	MaxMessageBytes int64
	// FilterBudget is the time a client's filter may spend per second of
	// wall time matching entries (its regular expression; it is measured
	// only for filters with one, and not for live entries when a literal
	// search decides the expression, e.g. timeout|refused, which costs
	// what q does). A client that needs more falls behind: it
	// is sent an error saying why, its entries are dropped, and it is closed
	// with 1008 once over budget for SlowTimeout. No other client pays for
	// it. Default 50ms (5% of a core); negative: no limit.
	FilterBudget time.Duration
	// BeginWait is how long a since= resume waits for the consumer to Begin
	// the cursor's partitions (just after a restart). Default 5s.
	BeginWait time.Duration
	// HistoryQueries bounds the time-range and context queries (from=,
	// around=) scanning Kafka at once on this server; more are refused with
	// 429. Default 4.
	HistoryQueries int
	// HistoryPerIP bounds those queries at once per remote IP. Default 1.
	HistoryPerIP int
	// HistoryMargin is how much earlier than a range's start (by Kafka
	// record time, i.e. when the collector read a line) a range query
	// starts scanning, and how much later than its end it stops, so that
	// lines read a little after their own time are still found.
	// Default 1m.
	HistoryMargin time.Duration
	// HistoryLiveShare is the share of the server's CPUs (GOMAXPROCS) that
	// the readers of range queries (one per partition and query), all
	// together, may keep busy while live entries are being delivered (a
	// flush pass sent some within the last second): past it each reader
	// rests after each fetch response, for as long as the request took
	// times what its share of the budget leaves, so that scans leave CPUs
	// and the broker to live viewers, whose latency they would otherwise
	// raise. A scan is not paced while nothing live is delivered, nor is a
	// read through a Fetcher that cannot Scan. Default 0.15; negative: no
	// pacing; at most 1.
	HistoryLiveShare float64
	// PatternNew is how long after its first sighting a pattern's entries
	// carry "new": true; it is also the learning period after a start,
	// during which nothing is new. Default 10m; negative: nothing is new.
	PatternNew time.Duration
	// PatternInterval is how often pattern subscribers get an update.
	// Default 2s.
	PatternInterval time.Duration
	// PatternsPerService caps the patterns mined per service (the miner's
	// MaxPatterns; the least recently seen are evicted and counted).
	// Default 1000.
	PatternsPerService int
	// Version is reported in hello as "tailcast/<Version>". Default "dev".
	Version string
	// Logger receives connection events. Default nil: no logging.
	Logger *zap.Logger
	// Registerer receives the metrics. Default nil: kept but not registered.
	Registerer prometheus.Registerer
}

// WithDefaults returns c with every zero field set to the default New gives
// it, so that a caller (tailcast's --help) shows the defaults without a
// second copy of them. The error is New's verdict on c.
func (c Config) WithDefaults() (Config, error) {
	err := c.fill()
	return c, err
}

func (c *Config) fill() error {
	if c.RingEntries == 0 {
		c.RingEntries = 100_000
	}
	if c.RingBytes == 0 {
		c.RingBytes = 64 << 20
	}
	if c.QueueBytes == 0 {
		c.QueueBytes = 4 << 20
	}
	if c.SendBuffer <= 0 {
		c.SendBuffer = 256 << 10
	}
	if c.SlowTimeout == 0 {
		c.SlowTimeout = 10 * time.Second
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = 5 * time.Millisecond
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = 1000
	}
	if c.PingInterval == 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 64 << 10
	}
	if c.FilterBudget == 0 {
		c.FilterBudget = 50 * time.Millisecond
	}
	if c.BeginWait == 0 {
		c.BeginWait = 5 * time.Second
	}
	if c.PatternNew == 0 {
		c.PatternNew = 10 * time.Minute
	}
	if c.PatternInterval <= 0 {
		c.PatternInterval = 2 * time.Second
	}
	if c.PatternsPerService <= 0 {
		c.PatternsPerService = 1000
	}
	if c.HistoryQueries == 0 {
		c.HistoryQueries = 4
	}
	if c.HistoryPerIP == 0 {
		c.HistoryPerIP = 1
	}
	if c.HistoryMargin == 0 {
		c.HistoryMargin = time.Minute
	}
	if c.HistoryLiveShare == 0 {
		c.HistoryLiveShare = 0.15
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	switch {
	case c.RingEntries < 1:
		return fmt.Errorf("ring entries %d: must be positive", c.RingEntries)
	case c.RingBytes < 1:
		return fmt.Errorf("ring bytes %d: must be positive", c.RingBytes)
	case c.QueueBytes < 1:
		return fmt.Errorf("queue bytes %d: must be positive", c.QueueBytes)
	case c.SlowTimeout < 0:
		return fmt.Errorf("slow timeout %v: must be positive", c.SlowTimeout)
	case c.FlushInterval < 0 || c.FlushInterval > 10*time.Millisecond:
		return fmt.Errorf("flush interval %v: must be in (0, 10ms]", c.FlushInterval)
	case c.PingInterval < 0:
		return fmt.Errorf("ping interval %v: must be positive", c.PingInterval)
	case c.HandshakeTimeout < 0:
		return fmt.Errorf("handshake timeout %v: must be positive", c.HandshakeTimeout)
	case c.HistoryQueries < 1 || c.HistoryPerIP < 1:
		return fmt.Errorf("history queries %d, per IP %d: must be positive", c.HistoryQueries, c.HistoryPerIP)
	case c.HistoryMargin < 0:
		return fmt.Errorf("history margin %v: must not be negative", c.HistoryMargin)
	case !(c.HistoryLiveShare <= 1): // NaN too
		return fmt.Errorf("history live share %v: must be at most 1 (negative: no pacing)", c.HistoryLiveShare)
	case c.MaxMessageBytes < 1:
		return fmt.Errorf("max message bytes %d: must be positive", c.MaxMessageBytes)
	}
	return nil
}

// Scanner is what a Fetcher may also do (*consumer.Consumer does): read a
// partition's records for a range query, with the hooks a range query
// gives (ScanHooks). size is the record value's length. Without it, a
// range query reads through Fetch.
type Scanner interface {
	Scan(ctx context.Context, partition int32, from, to int64, h ScanHooks, fn func(offset int64, e *logpb.LogEntry, size int) error) (logStart int64, err error)
}

// ScanHooks are what a range query gives a Scanner besides its range; each
// may be nil.
type ScanHooks struct {
	// Keep gets each text record's value, its service and host header
	// values (nil when it has none, or several) and its label headers'
	// values, before the record is decoded; a record it rejects reaches fn
	// with a nil entry.
	Keep func(value, service, host []byte, labels [][]byte) bool
	// Pace is called after each fetch response has been received and
	// decoded, with how long that took, and the next request waits for
	// it; it returns only ctx's error.
	Pace func(ctx context.Context, took time.Duration) error
}
