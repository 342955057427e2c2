package collector

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/multiline"
)

// Collector tails files and produces their entries to Kafka.
type Collector struct {
	cfg    Config
	inputs []*compiledInput
	stats  counters
	m      *metrics
	budget budget
	chunks *chunks

	client    sarama.Client
	producer  sarama.AsyncProducer
	maxRecord int // largest record key plus value that fits the broker's limit

	mu      sync.Mutex
	started bool
	closed  bool
	files   map[fileKey]*tailFile
	byPath  map[string][]*tailFile // for fsnotify dispatch
	saved   map[fileKey]position   // positions loaded at start, not yet claimed
	state   bool                   // a positions file existed at start
	first   bool                   // the next scan is the first

	watcher  *fsnotify.Watcher
	ghosts   []ghost         // files recently truncated, for copytruncate
	deferred map[fileKey]int // scans a possible copy in progress was put off
	released map[fileKey]releasedFile

	readCtx    context.Context
	cancelRead context.CancelFunc
	readWG     sync.WaitGroup
	prodCancel context.CancelFunc
	prodWG     sync.WaitGroup // retry loop
	ackWG      sync.WaitGroup // successes and errors loops

	retryMu  sync.Mutex
	retryQ   []*sarama.ProducerMessage
	retrySig chan struct{}

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
	c := &Collector{cfg: cfg, files: map[fileKey]*tailFile{}, deferred: map[fileKey]int{}, released: map[fileKey]releasedFile{}, byPath: map[string][]*tailFile{}, first: true,
		retrySig: make(chan struct{}, 1), chunks: newChunks()}
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

func compressionCodec(s string) (sarama.CompressionCodec, error) {
	switch strings.ToLower(s) {
	case "none":
		return sarama.CompressionNone, nil
	case "lz4":
		return sarama.CompressionLZ4, nil
	case "zstd":
		return sarama.CompressionZSTD, nil
	case "snappy":
		return sarama.CompressionSnappy, nil
	case "gzip":
		return sarama.CompressionGZIP, nil
	}
	return 0, fmt.Errorf("collector: compression %q: want none, lz4, zstd, snappy or gzip", s)
}

// SaramaConfig is the producer configuration a Collector built from cfg
// uses, for a topic with Kafka's default max.message.bytes (Start fits it to
// the topic). cfg.Inputs may be empty. It lets a benchmark run sarama alone
// exactly as the collector runs it (bench/cmd/saramaonly).
func SaramaConfig(cfg Config) (*sarama.Config, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return saramaConfig(&cfg)
}

func saramaConfig(cfg *Config) (*sarama.Config, error) {
	sc, err := cfg.Kafka.Sarama()
	if err != nil {
		return nil, fmt.Errorf("collector: %w", err)
	}
	sc.Metadata.AllowAutoTopicCreation = false
	p := &sc.Producer
	p.Idempotent = true
	p.RequiredAcks = sarama.WaitForAll
	sc.Net.MaxOpenRequests = 1
	p.Return.Successes = true
	p.Return.Errors = true
	p.Flush.Frequency = cfg.Linger
	p.Flush.Bytes = 512 << 10
	// Start fits it to the topic's limit once connected.
	p.MaxMessageBytes, _ = batchLimit(defaultMaxMessageBytes)
	p.Compression, _ = compressionCodec(cfg.Compression)
	// sarama retries about 7s of outage itself, in order; after that the
	// collector re-enqueues the record (never dropping it) with its own
	// backoff. Keeping sarama's budget short bounds Close.
	p.Retry.Max = 10
	if cfg.producerRetries > 0 {
		p.Retry.Max = cfg.producerRetries
	}
	p.Retry.BackoffFunc = func(retries, _ int) time.Duration {
		return min(50*time.Millisecond<<min(retries, 5), time.Second)
	}
	sc.ChannelBufferSize = 4096
	return sc, nil
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

	sc, err := saramaConfig(&c.cfg)
	if err != nil {
		return err
	}
	brokers := strings.Join(c.cfg.Kafka.Brokers, ",")
	client, err := sarama.NewClient(c.cfg.Kafka.Brokers, sc)
	if err != nil {
		return fmt.Errorf("collector: connect to kafka %s: %w", brokers, err)
	}
	if _, err := client.Partitions(c.cfg.Topic); err != nil {
		client.Close()
		return fmt.Errorf("collector: topic %q on %s: %w", c.cfg.Topic, brokers, err)
	}
	// The producer is not created yet, so nothing reads sc.Producer while
	// it is set.
	brokerMax := c.topicMaxMessageBytes(client)
	sc.Producer.MaxMessageBytes, c.maxRecord = batchLimit(brokerMax)
	if c.maxRecord < minRecord {
		client.Close()
		return fmt.Errorf("collector: topic %q: max.message.bytes %d is too small, want at least %d", c.cfg.Topic, brokerMax, minRecord+batchOverhead)
	}
	producer, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return fmt.Errorf("collector: start producer: %w", err)
	}
	c.client, c.producer = client, producer

	if !c.cfg.Poll {
		w, err := fsnotify.NewWatcher()
		if err != nil {
			c.cfg.Logger.Warn("inotify unavailable, polling", zap.Error(err))
		} else {
			c.watcher = w
		}
	}

	c.ackWG.Add(2)
	go c.successLoop()
	go c.errorLoop()
	pctx, pcancel := context.WithCancel(context.WithoutCancel(ctx))
	c.prodCancel = pcancel
	c.prodWG.Add(1)
	go c.retryLoop(pctx)

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

func (c *Collector) newJoiner(in *compiledInput) *multiline.Joiner {
	return multiline.New(multiline.Config{Start: in.start, MaxBytes: c.cfg.MaxLineBytes})
}

type match struct {
	path string
	in   *compiledInput
}

// scan expands the patterns, opens new files and marks vanished ones gone.
func (c *Collector) scan() {
	seen := map[fileKey]match{}
	var st syscall.Stat_t // not os.Stat: a thousand files a second were its garbage
	for _, in := range c.inputs {
		for _, p := range in.expand() {
			if syscall.Stat(p, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
				continue
			}
			//nolint:unconvert // Dev is int32 on some platforms
			k := fileKey{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}
			if _, dup := seen[k]; !dup { // first input wins
				seen[k] = match{p, in}
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	first := c.first
	c.first = false
	defer func() {
		if first {
			// Checkpoints of files not found at start are dropped, so the
			// positions file does not grow with every rotated-away file.
			c.saved = nil
		}
	}()
	for k, t := range c.files {
		_, present := seen[k]
		t.gone.Store(!present)
		if !present {
			t.wake()
		}
		select {
		case <-t.exited:
			if !t.idle() {
				continue // acknowledgements still to come
			}
			if present {
				// Released, then matched again (moved back into a pattern):
				// it is reopened below where it was acknowledged.
				if c.saved == nil {
					c.saved = map[fileKey]position{}
				}
				c.saved[k] = t.position()
			} else {
				c.remember(k, t.position())
			}
			delete(c.files, k)
			c.unindex(t)
			t.f.Close()
			c.stats.filesWatched.Add(-1)
			if len(c.byPath[t.path]) == 0 { // a rotated file shares its path's series with its successor
				c.m.lag.DeleteLabelValues(t.source)
			}
		default:
		}
	}
	keys := make([]fileKey, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return seen[keys[i]].path < seen[keys[j]].path })
	for _, k := range keys {
		if _, ok := c.files[k]; ok {
			continue
		}
		m := seen[k]
		if err := c.open(k, m, first); err != nil {
			c.cfg.Logger.Warn("open file", zap.String("path", m.path), zap.Error(err))
		}
	}
}

// open starts tailing a newly seen file. Called with c.mu held.
func (c *Collector) open(k fileKey, m match, first bool) error {
	f, err := os.Open(m.path)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if k2, ok := keyOf(fi); !ok || k2 != k {
		f.Close()
		return nil // replaced between stat and open; the next scan sees it
	}
	size := fi.Size()
	prefix, fpSum, err := fingerprint(f, size)
	if err != nil {
		f.Close()
		return err
	}
	fpLen := len(prefix)
	t := &tailFile{
		c: c, in: m.in, key: k, path: m.path, service: validUTF8(m.in.serviceFor(m.path)), source: validUTF8(m.path),
		rkey:    sarama.ByteEncoder(c.cfg.Host + ":" + m.path), // no per-record []byte conversion
		f:       f,
		notify:  make(chan struct{}, 1),
		retried: make(chan struct{}, 1),
		exited:  make(chan struct{}),
		lag:     c.m.lag.WithLabelValues(validUTF8(m.path)), // prometheus panics on invalid UTF-8
		fpLen:   fpLen, fpSum: fpSum, prefix: prefix,
	}
	t.id = fmt.Sprintf("%x:%x:%016x", k.Dev, k.Ino, fpSum)
	var start int64
	copying := false
	p, ok := c.saved[k]
	if !ok {
		p, ok = c.released[k].position, c.released[k].at != (time.Time{})
	}
	if ok {
		delete(c.saved, k)
		delete(c.released, k)
		if p.FpLen <= fpLen && p.Offset <= size {
			if b, sum, err := fingerprint(f, int64(p.FpLen)); err == nil && len(b) == p.FpLen && sum == p.FpSum {
				start, t.id = p.Offset, p.ID
			}
		}
	} else if cp, ghostOff := c.copiedFrom(m.path, prefix); cp != copyNone {
		switch {
		case cp == copyGhost:
			// copytruncate: the copy of a file read up to ghostOff before its
			// truncation. The copy may still be being written: wait for it
			// to reach that offset rather than take it for truncated.
			start, copying = ghostOff, ghostOff > size
		case c.deferred[k] < maxDefer:
			// A copy still being written, or of a file about to be
			// truncated: look again at the next scan.
			c.deferred[k]++
			f.Close()
			return nil
		case cp == copyLive:
			// A copy of a file that was not truncated: everything in it is
			// still read from the original.
			start = size
		}
	} else if size == 0 && !first {
		// Nothing to read yet, and a copy being made starts empty: open it
		// once it has bytes, so its fingerprint can be compared.
		f.Close()
		return nil
	} else if first && !c.state && !c.cfg.FromStart {
		start = size
	}
	delete(c.deferred, k)
	c.cfg.Logger.Debug("open file", zap.String("path", m.path), zap.Int64("start", start), zap.Int64("size", size), zap.Bool("copying", copying), zap.Int("fp", fpLen))
	t.off, t.acked = start, start
	t.copying = copying
	t.readOff.Store(start)
	t.joiner = c.newJoiner(m.in)
	c.files[k] = t
	c.byPath[t.path] = append(c.byPath[t.path], t)
	if c.watcher != nil {
		if err := c.watcher.Add(t.path); err != nil {
			c.cfg.Logger.Debug("inotify watch, polling instead", zap.String("path", t.path), zap.Error(err))
		}
	}
	c.stats.filesWatched.Add(1)
	c.readWG.Add(1)
	go func() {
		defer c.readWG.Done()
		t.run(c.readCtx)
	}()
	return nil
}

func (c *Collector) unindex(t *tailFile) {
	ts := c.byPath[t.path]
	for i, x := range ts {
		if x == t {
			ts = append(ts[:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(c.byPath, t.path)
		if c.watcher != nil {
			_ = c.watcher.Remove(t.path)
		}
		return
	}
	c.byPath[t.path] = ts
}

func (c *Collector) scanLoop() {
	defer c.readWG.Done()
	tk := time.NewTicker(c.cfg.RescanInterval)
	defer tk.Stop()
	for {
		select {
		case <-c.readCtx.Done():
			return
		case <-tk.C:
			c.scan()
		}
	}
}

func (c *Collector) watchLoop() {
	defer c.readWG.Done()
	for {
		select {
		case <-c.readCtx.Done():
			return
		case ev, ok := <-c.watcher.Events:
			if !ok {
				return
			}
			c.mu.Lock()
			for _, t := range c.byPath[ev.Name] {
				t.wake()
			}
			c.mu.Unlock()
		case err, ok := <-c.watcher.Errors:
			if !ok {
				return
			}
			c.cfg.Logger.Debug("inotify", zap.Error(err)) // the periodic re-check covers lost events
		}
	}
}

func (c *Collector) checkpointLoop() {
	defer c.readWG.Done()
	if c.cfg.PositionsFile == "" {
		return
	}
	tk := time.NewTicker(c.cfg.PositionsInterval)
	defer tk.Stop()
	// Two buffers, swapped: a thousand files' positions ten times a second
	// would otherwise be garbage the agent pays for in GC.
	var cur, last []position
	for {
		select {
		case <-c.readCtx.Done():
			return
		case <-tk.C:
			cur = c.positions(cur[:0])
			if equalPositions(cur, last) {
				continue
			}
			if err := c.save(cur); err != nil {
				c.cfg.Logger.Warn("save positions", zap.Error(err))
				continue
			}
			cur, last = last, cur
		}
	}
}

// positions appends every checkpoint to ps under the lock; the caller writes
// them outside it. Positions loaded at start whose file was not seen yet are
// kept.
func (c *Collector) positions(ps []position) []position {
	c.mu.Lock()
	for _, t := range c.files {
		ps = append(ps, t.position())
	}
	for _, p := range c.saved {
		ps = append(ps, p)
	}
	c.mu.Unlock()
	slices.SortFunc(ps, func(a, b position) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.ID, b.ID))
	})
	return ps
}

func equalPositions(a, b []position) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (c *Collector) save(ps []position) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.saveBuf = appendPositions(c.saveBuf[:0], ps)
	return savePositions(c.cfg.PositionsFile, c.saveBuf)
}

func (c *Collector) successLoop() {
	defer c.ackWG.Done()
	for msg := range c.producer.Successes() {
		m := msg.Metadata.(*msgMeta)
		m.t.ack(m.gen, m.seq)
		c.budget.release(m.size)
		c.stats.acked.Add(1)
		c.stats.bytesAcked.Add(int64(msg.Value.Length()))
		recycle(msg)
	}
}

func (c *Collector) errorLoop() {
	defer c.ackWG.Done()
	var lastLog time.Time
	for perr := range c.producer.Errors() {
		c.stats.producerErr.Add(1)
		if now := time.Now(); now.Sub(lastLog) >= time.Second { // an outage fails every record
			lastLog = now
			c.cfg.Logger.Warn("produce failed, retrying", zap.String("key", keyString(perr.Msg)), zap.Error(perr.Err),
				zap.Int64("errors_total", c.stats.producerErr.Load()))
		}
		msg := perr.Msg
		// Batches are capped at the topic's limit and every record is cut to
		// fit it (send), so the broker refusing a size means its limit is
		// lower than the one read at start. Only a record that could not fit
		// a batch of half that limit is cut: the small records of a refused
		// batch are sent again as they are, never mutilated.
		if (errors.Is(perr.Err, sarama.ErrMessageSizeTooLarge) || errors.Is(perr.Err, sarama.ErrInvalidMessageSize)) &&
			msg.Value.Length() > c.maxRecord/2 {
			if !shrink(msg) {
				c.cfg.Logger.Error("entry cannot be made small enough for kafka", zap.String("key", keyString(msg)))
			} else {
				c.stats.truncated.Add(1)
			}
		}
		msg.Metadata.(*msgMeta).t.retrying.Add(1)
		c.retryMu.Lock()
		c.retryQ = append(c.retryQ, msg)
		c.retryMu.Unlock()
		select {
		case c.retrySig <- struct{}{}:
		default:
		}
	}
}

func keyString(m *sarama.ProducerMessage) string {
	if m == nil || m.Key == nil {
		return ""
	}
	b, _ := m.Key.Encode()
	return string(b)
}

// retryLoop re-enqueues records the producer gave up on, after a pause so an
// outage does not spin, each file's in read order; new records of a file
// wait until its retried ones are back in the producer (waitRetries).
// Records still queued at Close are not acknowledged, so they are not
// checkpointed and are read again after a restart.
func (c *Collector) retryLoop(ctx context.Context) {
	defer c.prodWG.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.retrySig:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		c.retryMu.Lock()
		q := c.retryQ
		c.retryQ = nil
		c.retryMu.Unlock()
		orderRetries(q)
		for i, msg := range q {
			t := msg.Metadata.(*msgMeta).t // msg is sarama's once sent
			select {
			case c.producer.Input() <- msg:
				if t.retrying.Add(-1) == 0 {
					select {
					case t.retried <- struct{}{}:
					default:
					}
				}
			case <-ctx.Done():
				c.retryMu.Lock()
				c.retryQ = append(q[i:], c.retryQ...)
				c.retryMu.Unlock()
				return
			}
		}
	}
}

// Stats returns a snapshot of the counters.
func (c *Collector) Stats() Stats {
	return Stats{
		LinesRead:      c.stats.linesRead.Load(),
		BytesRead:      c.stats.bytesRead.Load(),
		LinesTruncated: c.stats.truncated.Load(),
		EntriesSent:    c.stats.sent.Load(),
		EntriesAcked:   c.stats.acked.Load(),
		BytesAcked:     c.stats.bytesAcked.Load(),
		ProducerErrors: c.stats.producerErr.Load(),
		FilesWatched:   c.stats.filesWatched.Load(),
		BufferedBytes:  c.budget.inUse(),
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
	started := c.started && c.producer != nil
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
	c.prodCancel()
	c.prodWG.Wait()
	c.producer.AsyncClose()
	c.ackWG.Wait()
	var errs []error
	if err := c.client.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
		errs = append(errs, fmt.Errorf("close kafka client: %w", err))
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

// orderRetries puts each file's records back in read order, files in the
// order their first failure arrived.
func orderRetries(q []*sarama.ProducerMessage) {
	rank := map[*tailFile]int{}
	for _, m := range q {
		t := m.Metadata.(*msgMeta).t
		if _, ok := rank[t]; !ok {
			rank[t] = len(rank)
		}
	}
	sort.SliceStable(q, func(i, j int) bool {
		a, b := q[i].Metadata.(*msgMeta), q[j].Metadata.(*msgMeta)
		if ra, rb := rank[a.t], rank[b.t]; ra != rb {
			return ra < rb
		}
		return a.gen < b.gen || a.gen == b.gen && a.seq < b.seq
	})
}

// ghost remembers a truncated file's first bytes and how far it was read,
// so a copy of it made by copytruncate resumes there instead of being read
// again from its start.
type ghost struct {
	path   string
	prefix []byte
	off    int64
	at     time.Time
}

const (
	ghostTTL = 5 * time.Minute
	maxDefer = 5
)

func (c *Collector) addGhost(g ghost) {
	if len(g.prefix) < fingerprintBytes {
		return // too short to tell a copy from a file with the same header
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.ghosts[:0]
	for _, o := range c.ghosts {
		if time.Since(o.at) < ghostTTL {
			kept = append(kept, o)
		}
	}
	c.ghosts = append(kept, g)
}

type copyKind int

const (
	copyNone    copyKind = iota
	copyPartial          // agrees with a file's first bytes so far: maybe a copy in progress
	copyLive             // same first bytes as a file still being read
	copyGhost            // same first bytes as a file read up to some offset, then truncated
)

// copiedFrom tells whether a new file at path whose first bytes are prefix
// is a copy of a file being read or read before its truncation
// (copytruncate). Only a copy whose name extends the original's (app.log.1,
// app.log-20260102) in the same directory counts, so unrelated files sharing
// a header are not skipped. For copyGhost, off is how far the original was
// read. Called with c.mu held.
func (c *Collector) copiedFrom(path string, prefix []byte) (kind copyKind, off int64) {
	if len(prefix) == 0 {
		return copyNone, 0
	}
	isCopy := func(orig string) bool {
		return orig != path && filepath.Dir(orig) == filepath.Dir(path) &&
			strings.HasPrefix(filepath.Base(path), filepath.Base(orig))
	}
	full := len(prefix) == fingerprintBytes
	for i := len(c.ghosts) - 1; i >= 0; i-- {
		g := c.ghosts[i]
		if isCopy(g.path) && time.Since(g.at) < ghostTTL && bytes.HasPrefix(g.prefix, prefix) {
			if !full {
				return copyPartial, 0
			}
			return copyGhost, g.off
		}
	}
	for _, t := range c.files {
		if !isCopy(t.path) {
			continue
		}
		t.mu.Lock()
		tp := t.prefix
		t.mu.Unlock()
		if len(tp) == fingerprintBytes && bytes.HasPrefix(tp, prefix) {
			if !full {
				return copyPartial, 0
			}
			return copyLive, 0
		}
	}
	return copyNone, 0
}

// releasedFile is a file that left every pattern and was closed. Should it
// come back (renamed back into a pattern), reading resumes where it was
// acknowledged; the fingerprint tells a reused inode apart.
type releasedFile struct {
	position
	at time.Time
}

const (
	releasedTTL = time.Hour
	maxReleased = 10000
)

// remember keeps a released file's position. Called with c.mu held.
func (c *Collector) remember(k fileKey, p position) {
	if len(c.released) >= maxReleased {
		for rk, r := range c.released {
			if time.Since(r.at) > releasedTTL || len(c.released) >= maxReleased {
				delete(c.released, rk)
			}
		}
	}
	c.released[k] = releasedFile{position: p, at: time.Now()}
}

const (
	// defaultMaxMessageBytes is Kafka's default message.max.bytes, assumed
	// when the topic's max.message.bytes cannot be read.
	defaultMaxMessageBytes = 1048588
	// minRecord is the smallest room for a record that Start accepts.
	minRecord = 16 << 10
	// recordOverhead bounds a record's framing in a batch beside its key and
	// value: length, attributes, deltas, header count, and the content-type
	// header (sarama counts 5 varints + 1 + 10 per record).
	recordOverhead = 64 + 64
	// batchOverhead is a v2 record batch header (61 bytes) with margin.
	batchOverhead = 128
)

// topicMaxMessageBytes reads the topic's max.message.bytes: the largest
// record batch the broker accepts, compressed, for the topic.
func (c *Collector) topicMaxMessageBytes(client sarama.Client) int {
	// Close is never called on this admin: it would close the client.
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err == nil {
		var entries []sarama.ConfigEntry
		entries, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: c.cfg.Topic,
			ConfigNames: []string{"max.message.bytes"}})
		for _, e := range entries {
			if n, perr := strconv.Atoi(e.Value); e.Name == "max.message.bytes" && perr == nil && n > 0 {
				return n
			}
		}
	}
	c.cfg.Logger.Warn("topic max.message.bytes unknown, assuming Kafka's default", zap.String("topic", c.cfg.Topic),
		zap.Int("bytes", defaultMaxMessageBytes), zap.Error(err))
	return defaultMaxMessageBytes
}

// batchLimit derives, from the broker's limit on a batch, sarama's
// Producer.MaxMessageBytes (which caps the uncompressed size of a
// partition's batch, as sarama counts it) and the largest record key plus
// value. Without compression a batch goes out at its uncompressed size, so
// an uncapped one is refused whole; compression can grow incompressible
// data by a fraction of a percent, hence the 1/64 margin.
func batchLimit(brokerMax int) (maxMessageBytes, maxRecord int) {
	maxMessageBytes = brokerMax - brokerMax/64 - batchOverhead
	return maxMessageBytes, maxMessageBytes - recordOverhead
}
