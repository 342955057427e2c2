package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// Collector tails files and produces their entries to Kafka. It owns the
// lifecycle and the file table: the scanner (scan.go) opens a tailFile per
// file, the producer (producer.go) sends their records, the checkpointer
// (checkpoint.go) writes their acknowledged positions.
type Collector struct {
	cfg    Config
	inputs []*compiledInput
	stats  counters
	m      *metrics
	budget budget
	chunks *chunks
	ghosts ghosts // files recently truncated, for copytruncate

	prod *producer
	deps *tailDeps // given to every tailer; set by Start

	mu       sync.Mutex
	started  bool
	closed   bool
	files    map[fileKey]*tailFile
	byPath   map[string][]*tailFile // for fsnotify dispatch
	saved    map[fileKey]position   // positions loaded at start, not yet claimed
	state    bool                   // a positions file existed at start
	first    bool                   // the next scan is the first
	deferred map[fileKey]int        // scans a possible copy in progress was put off
	released map[fileKey]releasedFile

	links map[string]struct{} // symbolic links skipped at the last scan (owned by scan)

	watcher    *fsnotify.Watcher
	readCtx    context.Context
	cancelRead context.CancelFunc
	readWG     sync.WaitGroup // tailers, scan, watch and checkpoint loops

	saveMu    sync.Mutex // serialises writes of the positions file
	saveBuf   []byte     // the file's encoding, reused (saveMu)
	closeOnce sync.Once
	closeErr  error
}

// New validates cfg, fills its defaults and loads the positions file.
func New(cfg Config) (*Collector, error) {
	if len(cfg.Inputs) == 0 {
		return nil, ErrNoInputs
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	c := &Collector{cfg: cfg, files: map[fileKey]*tailFile{}, deferred: map[fileKey]int{}, released: map[fileKey]releasedFile{},
		byPath: map[string][]*tailFile{}, first: true, chunks: newChunks()}
	c.budget.max = cfg.MaxBufferedBytes
	for _, in := range cfg.Inputs {
		ci, err := compileInput(in)
		if err != nil {
			return nil, err
		}
		c.inputs = append(c.inputs, ci)
	}
	saved, state, err := loadPositions(cfg.PositionsFile)
	if err != nil {
		return nil, fmt.Errorf("collector: %w", err)
	}
	c.saved, c.state = saved, state
	m, err := newMetrics(&c.stats, c.budget.inUse, cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("collector: register metrics: %w", err)
	}
	c.m = m
	return c, nil
}

// Start connects to Kafka, scans the inputs once and starts tailing. It
// fails when Kafka is unreachable or the topic does not exist.
func (c *Collector) Start(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.started {
		c.mu.Unlock()
		return ErrStarted
	}
	c.started = true
	c.mu.Unlock()

	prod, err := startProducer(ctx, &c.cfg, &c.budget, &c.stats)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.prod = prod
	c.mu.Unlock()
	c.deps = &tailDeps{
		opts: newTailOptions(&c.cfg), log: c.cfg.Logger, chunks: c.chunks, budget: &c.budget, stats: &c.stats,
		records: prod.input(), maxRecord: prod.maxRecord, ghosts: &c.ghosts,
		batchBytes: min(handOffBytes, c.budget.max/8),
	}

	if !c.cfg.Poll {
		w, err := fsnotify.NewWatcher()
		if err != nil {
			c.cfg.Logger.Warn("inotify unavailable, polling", zap.Error(err))
		} else {
			c.watcher = w
		}
	}

	c.readCtx, c.cancelRead = context.WithCancel(ctx)
	c.scan()
	c.readWG.Add(2)
	go c.scanLoop()
	go c.checkpointLoop()
	if c.watcher != nil {
		c.readWG.Add(1)
		go c.watchLoop()
	}
	return nil
}

// Stats returns a snapshot of the counters.
func (c *Collector) Stats() Stats {
	return Stats{
		LinesRead:       c.stats.linesRead.Load(),
		BytesRead:       c.stats.bytesRead.Load(),
		LinesTruncated:  c.stats.truncated.Load(),
		EntriesSent:     c.stats.sent.Load(),
		EntriesAcked:    c.stats.acked.Load(),
		BytesAcked:      c.stats.bytesAcked.Load(),
		ProducerErrors:  c.stats.producerErr.Load(),
		FilesWatched:    c.stats.filesWatched.Load(),
		SymlinksSkipped: c.stats.symlinksSkipped.Load(),
		BufferedBytes:   c.budget.inUse(),
	}
}

// Close stops reading, waits up to CloseTimeout for in-flight records to be
// acknowledged, stops the producer and writes the positions file. Safe to
// call twice.
func (c *Collector) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close() })
	return c.closeErr
}

func (c *Collector) close() error {
	c.mu.Lock()
	started := c.started && c.prod != nil
	c.mu.Unlock()
	if !started {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		return nil
	}
	c.cancelRead()
	c.readWG.Wait()
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	if !c.budget.waitEmpty(c.cfg.CloseTimeout) {
		c.cfg.Logger.Warn("closing with unacknowledged records; they are sent again after a restart",
			zap.Int64("bytes", c.budget.inUse()))
	}
	var errs []error
	if err := c.prod.close(); err != nil {
		errs = append(errs, err)
	}
	if c.cfg.PositionsFile != "" {
		if err := c.save(c.positions(nil)); err != nil {
			errs = append(errs, fmt.Errorf("collector: %w", err))
		}
	}
	if c.watcher != nil {
		c.watcher.Close()
	}
	c.mu.Lock()
	for k, t := range c.files {
		t.f.Close()
		c.m.lag.DeleteLabelValues(t.source)
		delete(c.files, k)
	}
	c.stats.filesWatched.Store(0)
	c.mu.Unlock()
	return errors.Join(errs...)
}
