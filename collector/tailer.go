package collector

// Files are read by this package's own reader, not nxadm/tail. nxadm/tail
// v1.4.11 (read for this decision) calls Tell() - an lseek syscall under a
// mutex - twice per line and hands every line over an unbuffered channel as a
// fresh string; with CompleteLines it keeps a last line without newline in an
// internal buffer that cannot be flushed, so a quiet partial line is never
// delivered; at a rename its select between Modified and Deleted may pick
// Deleted first and reopen the path before the old file is read to its end
// (its issues #28/#74); truncation is only noticed when an event arrives with
// a size below the previous one (#62/#77/#78); and its inotify watcher calls
// util.Fatal (os.Exit) when a stat fails with anything but ENOENT. The reader
// below pread()s big chunks from a descriptor it holds (so a renamed or
// deleted file is drained to its end), computes every offset exactly,
// detects truncation by size and by fingerprint, and uses fsnotify only as a
// wake-up hint with a periodic re-check as safety net. Measured on 1M lines
// (docs/BENCHMARKS.md, bench/cmd/tailcompare): nxadm/tail alone delivers
// about 185k lines/s at 6 µs of CPU per line, less than this whole collector
// moves to Kafka and a third of what kcat does; reading the same lines in
// chunks costs 0.02 µs per line.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/multiline"
	"github.com/tailcast/tailcast/internal/slab"
)

// tailDeps are what every tailer is given, as promtail's tailer is given
// its handler and positions: the read buffers, the budget, the producer's
// input and record limit, the counters and the ghosts of truncated files.
// The tailer never sees the Collector. Shared by every tailer of a
// Collector; each collaborator is safe for concurrent use.
type tailDeps struct {
	opts      tailOptions
	log       *zap.Logger
	chunks    *chunks
	budget    *budget
	stats     *counters
	records   chan<- *sarama.ProducerMessage // the producer's input
	maxRecord int                            // largest record key plus value
	// batchBytes hands a batch of records over before it holds
	// handOffBatch of them, so that the budget one batch takes at once
	// stays a small part of MaxBufferedBytes.
	batchBytes int64
	ghosts     *ghosts // truncations, for copytruncate
}

// tailOptions are the settings of Config a tailer reads.
type tailOptions struct {
	host, topic    string
	maxLineBytes   int
	multilineWait  time.Duration
	flushTimeout   time.Duration
	rescanInterval time.Duration
	pollInterval   time.Duration
}

func newTailOptions(cfg *Config) tailOptions {
	return tailOptions{
		host: cfg.Host, topic: cfg.Topic, maxLineBytes: cfg.MaxLineBytes,
		multilineWait: cfg.MultilineWait, flushTimeout: cfg.FlushTimeout,
		rescanInterval: cfg.RescanInterval, pollInterval: cfg.PollInterval,
	}
}

// tailFile is one open file: its reader state, owned by its goroutine
// (run), its acknowledgement window and its fingerprint (guarded by mu).
type tailFile struct {
	deps   *tailDeps
	in     *compiledInput
	key    fileKey
	id     string
	path   string
	source string // path, valid UTF-8: the lag metric's label
	// hdrs are every record's headers, cutHdrs those of a cut one; built
	// once (fileHeaders). overhead is what the (nil) key and hdrs add to a
	// record. hash picks the file's partition (filePartitioner).
	hdrs, cutHdrs []sarama.RecordHeader
	overhead      int
	hash          uint32
	f             *os.File
	notify        chan struct{}
	gone          atomic.Bool // no pattern matches the file any more
	exited        chan struct{}
	lag           prometheus.Gauge
	// win and retry are in the tailFile, not beside it: a record's
	// metadata points at them, and a thousand files cost no extra
	// allocations.
	win   window  // entries in flight and the acknowledged offset
	retry retries // records the producer gave up on, not handed back yet

	// Reader state.
	off        int64
	readOff    atomic.Int64 // off, for copytruncate detection by the scanner
	copying    bool         // a copy that has not reached off yet
	joiner     *multiline.Joiner
	hasCarry   bool
	carry      []byte
	carryStart int64
	carryTrunc bool
	pendTrunc  bool                      // a line of the joiner's pending entry was cut
	readTime   time.Time                 // when the current chunk was read: its records' timestamp
	slab       slab.Slab                 // record values; released when caught up
	out        []*sarama.ProducerMessage // records made but not yet handed to the producer; see handOff
	outEnds    []int64                   // the End offset of each of out's entries
	outBytes   int64                     // the budget out's records need
	outHeld    bool                      // handOff took out's budget and tracked them
	spare      *outStack                 // cleared records to make new ones from (outstack.go)
	linesRead  int64                     // lines emit counted, not yet added to the counters (countRead)
	bytesRead  int64                     // their bytes
	st         syscall.Stat_t            // size's fstat result
	lastLag    time.Time
	lastData   time.Time
	flushed    bool // the pending partial data was flushed since lastData

	// mu guards the fingerprint, and is held across a truncation's reset
	// of the window so that position sees both before or both after.
	mu     sync.Mutex
	fpLen  int
	fpSum  uint64
	prefix []byte // the fingerprinted bytes
}

// newTailFile makes the tailer of f, read from s.offset. prefix and fpSum
// are f's first bytes and their checksum; saved is the checkpoint it
// resumes (s.resume).
func newTailFile(d *tailDeps, in *compiledInput, k fileKey, path string, f *os.File, prefix []byte, fpSum uint64,
	s start, saved position, lag prometheus.Gauge) *tailFile {
	t := &tailFile{
		deps: d, in: in, key: k, path: path, source: validUTF8(path),
		hash:   fileHash(d.opts.host, path),
		f:      f,
		notify: make(chan struct{}, 1),
		exited: make(chan struct{}),
		lag:    lag,
		off:    s.offset, copying: s.copying,
		fpLen: len(prefix), fpSum: fpSum, prefix: prefix,
	}
	t.hdrs, t.cutHdrs = fileHeaders(in.serviceFor(path), d.opts.host, path, in.labels)
	t.overhead = headersSize(0, t.cutHdrs)
	t.id = fmt.Sprintf("%x:%x:%016x", k.Dev, k.Ino, fpSum)
	if s.resume {
		t.id = saved.ID
	}
	t.win.begin(s.offset)
	t.retry.done = make(chan struct{}, 1)
	t.readOff.Store(s.offset)
	t.joiner = t.newJoiner()
	return t
}

func (t *tailFile) newJoiner() *multiline.Joiner {
	return multiline.New(multiline.Config{Start: t.in.start, MaxBytes: t.deps.opts.maxLineBytes})
}

func (t *tailFile) wake() {
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// position snapshots the checkpoint of the file.
func (t *tailFile) position() position {
	t.mu.Lock()
	defer t.mu.Unlock()
	return position{ID: t.id, Path: t.path, Dev: t.key.Dev, Ino: t.key.Ino, FpLen: t.fpLen, FpSum: t.fpSum, Offset: t.win.offset()}
}

// fingerprintPrefix is the file's fingerprinted first bytes, for the
// scanner's copytruncate detection. Never written in place.
func (t *tailFile) fingerprintPrefix() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.prefix
}

// resetTo starts reading again at offset off (truncation): the file's
// first bytes and read offset go to the ghosts, for a copy of it, and the
// window starts a new generation. The records in hand are handed over
// first, so that they are tracked in the old generation, whose
// acknowledgements no longer move the offset; if ctx is done they are
// dropped (dropOut).
func (t *tailFile) resetTo(ctx context.Context, off int64) {
	t.handOff(ctx)
	t.mu.Lock()
	g := ghost{path: t.path, prefix: t.prefix, off: t.off, at: time.Now()}
	t.mu.Unlock()
	// Before the fingerprint is cleared: the scanner always sees either the
	// live prefix or the ghost.
	t.deps.ghosts.add(g)
	t.mu.Lock()
	t.win.reset(off)
	t.fpLen, t.fpSum, t.prefix = 0, 0, nil
	t.mu.Unlock()
	t.off = off
	t.readOff.Store(off)
	t.dropCarry()
	t.pendTrunc = false
	t.joiner = t.newJoiner()
}

// step is what the reader does after a step of run.
type step int

const (
	stepStop     step = iota // ctx is done
	stepAgain                // read again at once
	stepCaughtUp             // at the end of the file
)

// run reads the file until ctx is done or, released, it is read to its
// end: read a chunk while there is data; once caught up, check for
// truncation, flush the entries that quiet made complete, hand the records
// over, and wait for a wake-up or the next check.
func (t *tailFile) run(ctx context.Context) {
	defer close(t.exited)
	defer t.dropOut()
	t.lastData = time.Now()
	t.flushed = true
	wait := time.NewTimer(time.Hour)
	defer wait.Stop()
	for ctx.Err() == nil {
		switch t.read(ctx) {
		case stepStop:
			return
		case stepAgain:
			continue
		}
		if t.truncated(ctx) {
			continue
		}
		quiet := time.Since(t.lastData)
		settled, ok := t.flushQuiet(ctx, quiet)
		if !ok {
			return
		}
		// Caught up: before it waits, or leaves a released file, the reader
		// hands over what it has made.
		if !t.handOff(ctx) {
			return
		}
		if t.gone.Load() && t.flushed && quiet >= t.releaseAfter() {
			return // renamed away or deleted, and read to its end
		}
		// A waiting reader holds no records to make new ones from: a
		// thousand quiet files would each keep a stack.
		t.releaseSpare()
		if !t.sleep(ctx, wait, t.nextCheck(quiet, settled)) {
			return
		}
	}
}

// read hands over the records in hand, then reads and consumes the next
// chunk.
func (t *tailFile) read(ctx context.Context) step {
	// A reader waiting for a chunk with records in hand could hold budget
	// that the readers holding the chunks wait for.
	if !t.handOff(ctx) {
		return stepStop
	}
	chunks := t.deps.chunks
	buf, ok := chunks.get(ctx)
	if !ok {
		return stepStop
	}
	n, err := t.f.ReadAt(buf, t.off)
	if n > 0 && t.fingerprintChanged() {
		chunks.put(buf)
		// Truncated and rewritten past our offset (copytruncate) before
		// this read: the chunk is new content read from the wrong place.
		// Checking after the read makes this race free.
		t.deps.log.Info("file rewritten from its start", zap.String("path", t.path))
		t.flushPartial(ctx)
		t.resetTo(ctx, 0)
		return stepAgain
	}
	if n > 0 {
		now := time.Now()
		t.readTime = now
		t.updateFingerprint(buf[:n], t.off)
		ok := t.consume(ctx, buf[:n], t.off)
		chunks.put(buf) // consume copied what it keeps
		if !ok {
			return stepStop
		}
		t.advance(int64(n), now)
		return stepAgain
	}
	if err != nil && err != io.EOF {
		t.deps.log.Warn("read file", zap.String("path", t.path), zap.Error(err))
	}
	chunks.put(buf)
	// Caught up: an idle file pins no block, and a file that gets a line
	// now and then makes no 4 KiB of garbage per line (half of what a
	// 1,000-file agent allocated, 2026-11-23).
	t.slab.Release()
	return stepCaughtUp
}

// advance moves the read offset past n bytes consumed at now.
func (t *tailFile) advance(n int64, now time.Time) {
	t.off += n
	t.readOff.Store(t.off)
	t.lastData = now
	t.flushed = false
	if now.Sub(t.lastLag) > 250*time.Millisecond { // lag while catching up
		t.lastLag = now
		if size, err := t.size(); err == nil {
			t.lag.Set(float64(size - t.off))
		}
	}
}

// truncated checks the size of a file read to its end: shorter than the
// read offset, it was truncated and reading restarts at 0, unless it is a
// copytruncate copy still being written up to where its original was read.
func (t *tailFile) truncated(ctx context.Context) bool {
	size := int64(-1)
	if n, err := t.size(); err == nil {
		size = n
	}
	if t.copying && size >= t.off {
		t.copying = false
	}
	if size >= 0 && size < t.off && !t.copying {
		t.deps.log.Info("file truncated", zap.String("path", t.path), zap.Int64("size", size), zap.Int64("offset", t.off))
		t.flushPartial(ctx)
		t.resetTo(ctx, 0)
		return true
	}
	if size >= 0 {
		t.lag.Set(float64(size - t.off))
	}
	return false
}

// flushQuiet sends what quiet has made complete. The joiner holds the last
// entry until a line that starts another arrives. When the file ends on a
// newline (settled), that entry is complete unless the writer is between
// writes of one event: loggers write a stack trace in one write, so a short
// wait (MultilineWait) is enough. A last line without its newline waits for
// FlushTimeout instead. ok is false when ctx is done.
func (t *tailFile) flushQuiet(ctx context.Context, quiet time.Duration) (settled, ok bool) {
	o := &t.deps.opts
	settled = !t.hasCarry && t.joiner.Pending()
	if !t.flushed && settled && quiet >= o.multilineWait {
		if !t.flushPartial(ctx) {
			return settled, false
		}
		t.flushed = true
	}
	if !t.flushed && quiet >= o.flushTimeout {
		if !t.flushPartial(ctx) {
			return settled, false
		}
		t.flushed = true
	}
	return settled, true
}

// releaseAfter is how long a file no pattern matches any more stays open
// once read to its end, for a writer still holding it.
func (t *tailFile) releaseAfter() time.Duration {
	return max(t.deps.opts.flushTimeout, t.deps.opts.rescanInterval)
}

// nextCheck is how long a caught-up reader waits, at most, before it looks
// at the file again: the poll interval, or less when a flush or the
// release of a gone file is due sooner.
func (t *tailFile) nextCheck(quiet time.Duration, settled bool) time.Duration {
	o := &t.deps.opts
	d := o.pollInterval
	if !t.flushed {
		d = min(d, o.flushTimeout-quiet)
		if settled {
			d = min(d, o.multilineWait-quiet)
		}
	}
	if t.gone.Load() {
		d = min(d, t.releaseAfter()-quiet)
	}
	return max(d, time.Millisecond)
}

// sleep waits up to d for a wake-up. It reports false when ctx is done.
func (t *tailFile) sleep(ctx context.Context, wait *time.Timer, d time.Duration) bool {
	// Since Go 1.23 Reset discards a stale expiry, so the timer needs no
	// draining after a wake-up by notify.
	wait.Reset(d)
	select {
	case <-ctx.Done():
		return false
	case <-t.notify:
		// A writer that appends a line at a time would otherwise wake the
		// reader, and a produce request, for every line.
		if gap := readCoalesce - time.Since(t.lastData); gap > 0 {
			wait.Reset(gap)
			select {
			case <-ctx.Done():
				return false
			case <-wait.C:
			}
		}
	case <-wait.C:
	}
	return true
}

// readCoalesce is the least time between two reads of a file that is being
// written to: lines that arrive meanwhile are read together.
const readCoalesce = 2 * time.Millisecond

// updateFingerprint extends the fingerprint of a file shorter than
// fingerprintBytes from the chunk just read at base: from the bytes read,
// not from a second read, which could see a file truncated in between.
func (t *tailFile) updateFingerprint(chunk []byte, base int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := len(t.prefix)
	if l >= fingerprintBytes || base != int64(l) {
		return
	}
	p := append(t.prefix[:l:l], chunk[:min(len(chunk), fingerprintBytes-l)]...)
	t.prefix, t.fpLen, t.fpSum = p, len(p), crc64.Checksum(p, crcTable)
}

// size is the file's size from fstat(2) into a struct the reader keeps:
// os.File.Stat allocates, and with a thousand files checked every wake-up
// that garbage kept the collector's GC busy.
func (t *tailFile) size() (int64, error) {
	if err := syscall.Fstat(int(t.f.Fd()), &t.st); err != nil {
		return 0, err
	}
	return t.st.Size, nil
}

// fingerprintChanged reports whether the file's first bytes no longer match
// the fingerprint: it was truncated and rewritten past our offset between
// two checks (copytruncate). It runs after every read, so it compares the
// bytes themselves in a pooled buffer: no allocation, no checksum, and no
// buffer held by an idle file.
func (t *tailFile) fingerprintChanged() bool {
	prefix := t.fingerprintPrefix() // never written in place: updateFingerprint copies
	if len(prefix) == 0 {
		return false
	}
	bp := fpBufs.Get().(*[fingerprintBytes]byte)
	defer fpBufs.Put(bp)
	b := bp[:len(prefix)]
	n, err := t.f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	return n < len(prefix) || !bytes.Equal(b, prefix)
}

var fpBufs = sync.Pool{New: func() any { return new([fingerprintBytes]byte) }}
