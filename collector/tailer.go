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
	"hash/crc64"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/multiline"
	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/internal/slab"
	"github.com/tailcast/tailcast/proto/logpb"
)

const (
	readChunk = 128 << 10
	// maxChunks bounds the read buffers, and so the memory of reading, no
	// matter how many files are tailed: a reader holds one only while it
	// reads a chunk.
	maxChunks = 8
)

// chunks is a bounded pool of read buffers.
type chunks struct {
	free chan []byte
	made atomic.Int32
}

func newChunks() *chunks { return &chunks{free: make(chan []byte, maxChunks)} }

func (p *chunks) get(ctx context.Context) ([]byte, bool) {
	select {
	case b := <-p.free:
		return b, true
	default:
	}
	if p.made.Add(1) <= maxChunks {
		return make([]byte, readChunk), true
	}
	p.made.Add(-1)
	select {
	case b := <-p.free:
		return b, true
	case <-ctx.Done():
		return nil, false
	}
}

func (p *chunks) put(b []byte) { p.free <- b } // never blocks: at most maxChunks exist

var protoHeaders = []sarama.RecordHeader{{Key: []byte("content-type"), Value: []byte("application/x-protobuf")}}

// tailFile is one open file: its reader state (owned by its goroutine) and
// its acknowledgement watermark (guarded by mu).
type tailFile struct {
	c       *Collector
	in      *compiledInput
	key     fileKey
	id      string
	path    string
	service string // valid UTF-8, as appendEntry requires
	source  string // path, valid UTF-8
	rkey    sarama.Encoder
	f       *os.File
	notify  chan struct{}
	gone    atomic.Bool // no pattern matches the file any more
	exited  chan struct{}
	lag     prometheus.Gauge

	// retrying counts this file's records that the producer gave up on and
	// the collector has not handed back to it yet; new records wait for
	// them, so that a file's records reach Kafka in order (retried signals
	// when it drops to zero).
	retrying atomic.Int64
	retried  chan struct{}

	// Reader state.
	off        int64
	readOff    atomic.Int64 // off, for copytruncate detection by the scanner
	copying    bool         // a copy that has not reached off yet
	gen        uint64
	joiner     *multiline.Joiner
	hasCarry   bool
	carry      []byte
	carryStart int64
	carryTrunc bool
	pendTrunc  bool  // a line of the joiner's pending entry was cut
	readTime   int64 // when the current chunk was read, Unix nanoseconds
	le         logpb.LogEntry
	slab       slab.Slab                 // record values; released when caught up
	out        []*sarama.ProducerMessage // records made but not yet handed to the producer; see handOff
	st         syscall.Stat_t            // size's fstat result
	lastLag    time.Time
	lastData   time.Time
	flushed    bool // the pending partial data was flushed since lastData

	mu      sync.Mutex
	curGen  uint64
	nextSeq uint64
	base    uint64 // seq of pending[head]
	pending []pend
	head    int
	acked   int64 // End of the highest contiguous acknowledged entry
	fpLen   int
	fpSum   uint64
	prefix  []byte // the fingerprinted bytes
}

type pend struct {
	end   int64
	acked bool
}

// outMsg allocates a record and its metadata together. They are pooled:
// sarama hands a record back on Successes once it is done with it.
type outMsg struct {
	msg  sarama.ProducerMessage
	meta msgMeta
	val  recordValue
}

// recordValue is a record's encoded entry as a sarama.Encoder. msg.Value
// points at the one in its outMsg: a sarama.ByteEncoder would be boxed, an
// allocation per record.
type recordValue struct{ b []byte }

func (v *recordValue) Encode() ([]byte, error) { return v.b, nil }
func (v *recordValue) Length() int             { return len(v.b) }

var outMsgs = sync.Pool{New: func() any { return new(outMsg) }}

// recycle returns an acknowledged record to the pool.
func recycle(m *sarama.ProducerMessage) {
	om := m.Metadata.(*msgMeta).om
	*om = outMsg{}
	outMsgs.Put(om)
}

// msgMeta travels with a record through the producer.
type msgMeta struct {
	om   *outMsg // the allocation holding this, for recycle
	t    *tailFile
	gen  uint64
	seq  uint64
	size int64
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
	return position{ID: t.id, Path: t.path, Dev: t.key.Dev, Ino: t.key.Ino, FpLen: t.fpLen, FpSum: t.fpSum, Offset: t.acked}
}

func (t *tailFile) idle() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.head == len(t.pending)
}

// track registers an entry ending at end as in flight and returns its seq.
func (t *tailFile) track(end int64) (gen, seq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.head > 1024 && t.head*2 > len(t.pending) {
		n := copy(t.pending, t.pending[t.head:])
		t.pending = t.pending[:n]
		t.head = 0
	}
	t.pending = append(t.pending, pend{end: end})
	seq = t.nextSeq
	t.nextSeq++
	return t.curGen, seq
}

// ack marks an entry acknowledged and advances the contiguous watermark.
func (t *tailFile) ack(gen, seq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gen != t.curGen || seq < t.base {
		return // acknowledgement of content from before a truncation
	}
	i := t.head + int(seq-t.base)
	if i >= len(t.pending) {
		return
	}
	t.pending[i].acked = true
	for t.head < len(t.pending) && t.pending[t.head].acked {
		t.acked = t.pending[t.head].end
		t.head++
		t.base++
	}
}

// resetTo starts a new generation at offset off (truncation).
func (t *tailFile) resetTo(off int64) {
	t.mu.Lock()
	if t.c.files != nil {
		g := ghost{path: t.path, prefix: t.prefix, off: t.off, at: time.Now()}
		t.mu.Unlock()
		t.c.addGhost(g)
		t.mu.Lock()
	}
	t.curGen++
	t.gen = t.curGen
	t.pending, t.head = nil, 0
	t.base = t.nextSeq
	t.acked = off
	t.fpLen, t.fpSum, t.prefix = 0, 0, nil
	t.mu.Unlock()
	t.off = off
	t.readOff.Store(off)
	t.dropCarry()
	t.pendTrunc = false
	t.joiner = t.c.newJoiner(t.in)
}

func (t *tailFile) run(ctx context.Context) {
	defer close(t.exited)
	defer t.dropOut()
	c := t.c
	t.lastData = time.Now()
	t.flushed = true
	wait := time.NewTimer(time.Hour)
	defer wait.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		// A reader waiting for a chunk with records in hand could hold
		// budget that the readers holding the chunks wait for.
		if !t.handOff(ctx) {
			return
		}
		buf, ok := c.chunks.get(ctx)
		if !ok {
			return
		}
		n, err := t.f.ReadAt(buf, t.off)
		if n > 0 && t.fingerprintChanged() {
			c.chunks.put(buf)
			// Truncated and rewritten past our offset (copytruncate) before
			// this read: the chunk is new content read from the wrong place.
			// Checking after the read makes this race free.
			c.cfg.Logger.Info("file rewritten from its start", zap.String("path", t.path))
			t.flushPartial(ctx)
			t.resetTo(0)
			continue
		}
		if n > 0 {
			now := time.Now()
			t.readTime = now.UnixNano()
			t.updateFingerprint(buf[:n], t.off)
			ok := t.consume(ctx, buf[:n], t.off)
			c.chunks.put(buf) // consume copied what it keeps
			if !ok {
				return
			}
			t.off += int64(n)
			t.readOff.Store(t.off)
			t.lastData = now
			t.flushed = false
			if now.Sub(t.lastLag) > 250*time.Millisecond { // lag while catching up
				t.lastLag = now
				if size, err := t.size(); err == nil {
					t.lag.Set(float64(size - t.off))
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			c.cfg.Logger.Warn("read file", zap.String("path", t.path), zap.Error(err))
		}
		c.chunks.put(buf)
		// Caught up: an idle file pins no block, and a file that gets a line
		// now and then makes no 4 KiB of garbage per line (half of what a
		// 1,000-file agent allocated, 2026-11-23).
		t.slab.Release()

		size := int64(-1)
		if n, err := t.size(); err == nil {
			size = n
		}
		if t.copying && size >= t.off {
			t.copying = false
		}
		if size >= 0 && size < t.off && !t.copying {
			c.cfg.Logger.Info("file truncated", zap.String("path", t.path), zap.Int64("size", size), zap.Int64("offset", t.off))
			t.flushPartial(ctx)
			t.resetTo(0)
			continue
		}
		if size >= 0 {
			t.lag.Set(float64(size - t.off))
		}
		quiet := time.Since(t.lastData)
		// The joiner holds the last entry until a line that starts another
		// arrives. When the file ends on a newline, that entry is complete
		// unless the writer is between writes of one event: loggers write a
		// stack trace in one write, so a short wait is enough. A last line
		// without its newline waits for FlushTimeout instead.
		settled := !t.hasCarry && t.joiner.Pending()
		if !t.flushed && settled && quiet >= c.cfg.MultilineWait {
			if !t.flushPartial(ctx) {
				return
			}
			t.flushed = true
		}
		if !t.flushed && quiet >= c.cfg.FlushTimeout {
			if !t.flushPartial(ctx) {
				return
			}
			t.flushed = true
		}
		// Caught up: before it waits, or leaves a released file, the reader
		// hands over what it has made.
		if !t.handOff(ctx) {
			return
		}
		release := max(c.cfg.FlushTimeout, c.cfg.RescanInterval)
		if t.gone.Load() && t.flushed && quiet >= release {
			return // renamed away or deleted, and read to its end
		}
		d := c.cfg.PollInterval
		if !t.flushed {
			d = min(d, c.cfg.FlushTimeout-quiet)
			if settled {
				d = min(d, c.cfg.MultilineWait-quiet)
			}
		}
		if t.gone.Load() {
			d = min(d, release-quiet)
		}
		// Since Go 1.23 Reset discards a stale expiry, so the timer needs
		// no draining after a wake-up by notify.
		wait.Reset(max(d, time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-t.notify:
			// A writer that appends a line at a time would otherwise wake
			// the reader, and a produce request, for every line.
			if gap := readCoalesce - time.Since(t.lastData); gap > 0 {
				wait.Reset(gap)
				select {
				case <-ctx.Done():
					return
				case <-wait.C:
				}
			}
		case <-wait.C:
		}
	}
}

// readCoalesce is the least time between two reads of a file that is being
// written to: lines that arrive meanwhile are read together.
const readCoalesce = 2 * time.Millisecond

// consume splits data (which starts at file offset base) into lines.
func (t *tailFile) consume(ctx context.Context, data []byte, base int64) bool {
	maxLine := t.c.cfg.MaxLineBytes
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			t.appendCarry(data, base)
			return true
		}
		end := base + int64(i) + 1
		if t.hasCarry {
			t.appendCarry(data[:i], base)
			ok := t.emit(ctx, t.carry, t.carryStart, end, t.carryTrunc)
			t.dropCarry()
			if !ok {
				return false
			}
		} else {
			line, trunc := data[:i], false
			if len(line) > maxLine {
				line, trunc = line[:maxLine], true
			}
			if !t.emit(ctx, line, base, end, trunc) {
				return false
			}
		}
		data = data[i+1:]
		base = end
	}
	return true
}

func (t *tailFile) appendCarry(seg []byte, base int64) {
	if !t.hasCarry {
		t.hasCarry, t.carryStart, t.carry, t.carryTrunc = true, base, t.carry[:0], false
	}
	room := t.c.cfg.MaxLineBytes - len(t.carry)
	if len(seg) > room {
		seg = seg[:room]
		t.carryTrunc = true
	}
	t.carry = append(t.carry, seg...)
}

// dropCarry empties the carry once its line was emitted, keeping the buffer
// for the next partial line unless a huge line grew it: a file that once
// had a long line does not pin MaxLineBytes for good.
func (t *tailFile) dropCarry() {
	t.hasCarry, t.carryTrunc = false, false
	if cap(t.carry) > readChunk {
		t.carry = nil
	} else {
		t.carry = t.carry[:0]
	}
}

// flushPartial sends a last line without newline and the joiner's pending
// entry.
func (t *tailFile) flushPartial(ctx context.Context) bool {
	t.readTime = time.Now().UnixNano()
	if t.hasCarry {
		ok := t.emit(ctx, t.carry, t.carryStart, t.off, t.carryTrunc)
		t.dropCarry()
		if !ok {
			return false
		}
	}
	if e, ok := t.joiner.Flush(); ok {
		trunc := t.pendTrunc
		t.pendTrunc = false
		return t.send(ctx, e, trunc)
	}
	return true
}

// emit passes one physical line to the joiner and sends what it completes.
func (t *tailFile) emit(ctx context.Context, line []byte, start, end int64, trunc bool) bool {
	c := t.c
	c.stats.linesRead.Add(1)
	c.stats.bytesRead.Add(end - start)
	if trunc {
		c.stats.truncated.Add(1)
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	done, ok := t.joiner.Add(line, start, end)
	if !ok {
		t.pendTrunc = t.pendTrunc || trunc
		return true
	}
	dtrunc := t.pendTrunc
	if done.End >= end { // the completed entry includes this line
		dtrunc = dtrunc || trunc
		t.pendTrunc = false
	} else {
		t.pendTrunc = trunc
	}
	return t.send(ctx, done, dtrunc)
}

// send turns a joined entry into a record and hands it to the producer,
// blocking while the un-acknowledged bytes are at their bound.
func (t *tailFile) send(ctx context.Context, e multiline.Entry, trunc bool) bool {
	if len(bytes.TrimSpace(e.Data)) == 0 {
		return true // blank lines carry nothing; the next entry's End covers them
	}
	c := t.c
	// One LogEntry per file, refilled for each entry (every field is set
	// here or by parse), so that its Fields are reused: the record keeps
	// only the encoded bytes. Its strings alias e.Data, which the joiner
	// keeps intact until the next line; the entry is encoded before that.
	le := &t.le
	le.ReadTimeUnixNano = t.readTime
	le.Service, le.Host, le.Source, le.FileId = t.service, c.cfg.Host, t.source, t.id
	le.Offset, le.Raw, le.Truncated = e.Start, e.Data, trunc
	parse.IntoNoCopy(le, e.Data)
	if !c.cfg.KeepRaw && utf8.Valid(e.Data) {
		le.Raw = nil
	}
	if maxValue := c.maxRecord - t.rkey.Length(); !fit(le, t.in.pbFields, maxValue) {
		c.cfg.Logger.Error("entry cannot be made small enough for kafka", zap.String("path", t.path), zap.Int("max_bytes", maxValue))
		return true
	}
	if le.Truncated && !trunc {
		c.stats.truncated.Add(1)
	}
	n := entrySize(le, t.in.pbFields)
	val := appendEntry(t.slab.Alloc(n), le, t.in.pbFields)
	size := int64(n + 64)
	if !c.budget.tryAcquire(size) {
		// Waiting with records in hand could wait for their own
		// acknowledgement.
		if !t.handOff(ctx) || c.budget.acquire(ctx, size) != nil {
			return false
		}
	}
	gen, seq := t.track(e.End)
	om := outMsgs.Get().(*outMsg)
	om.meta = msgMeta{om: om, t: t, gen: gen, seq: seq, size: size}
	msg := &om.msg
	om.val.b = val
	msg.Topic, msg.Key, msg.Value, msg.Headers = c.cfg.Topic, t.rkey, &om.val, protoHeaders
	// sarama would read the clock for every record without it.
	msg.Timestamp = time.Unix(0, t.readTime)
	msg.Metadata = &om.meta
	t.out = append(t.out, msg)
	if len(t.out) >= handOffBatch {
		return t.handOff(ctx)
	}
	return true
}

// handOffBatch is how many records a reader makes before it hands them to
// the producer. Handing them over one at a time woke sarama's dispatcher
// for nearly every record: about 0.4 µs a line in channel operations.
const handOffBatch = 128

// handOff gives the producer the records made so far, in order, after any of
// the file's records it gave up on. The reader calls it before anything it
// may wait for (a read buffer, the budget, more data) and before it leaves a
// released file. It reports false when ctx is done; the records not handed
// over are dropped by dropOut.
func (t *tailFile) handOff(ctx context.Context) bool {
	if len(t.out) == 0 {
		return true
	}
	if !t.waitRetries(ctx) {
		return false
	}
	in := t.c.producer.Input()
	for i, msg := range t.out {
		select {
		case in <- msg:
		case <-ctx.Done():
			t.c.stats.sent.Add(int64(i))
			t.out = append(t.out[:0], t.out[i:]...)
			return false
		}
	}
	t.c.stats.sent.Add(int64(len(t.out)))
	clear(t.out)
	t.out = t.out[:0]
	return true
}

// dropOut releases the records the reader made but never handed over: it is
// stopping. They are not acknowledged, so their lines are read again.
func (t *tailFile) dropOut() {
	for _, msg := range t.out {
		t.c.budget.release(msg.Metadata.(*msgMeta).size)
		recycle(msg)
	}
	clear(t.out)
	t.out = t.out[:0]
}

// waitRetries blocks while records of t that the producer gave up on are
// still to be handed back to it: a new record sent before them could reach
// Kafka first. It reports false when ctx is done.
func (t *tailFile) waitRetries(ctx context.Context) bool {
	for t.retrying.Load() > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-t.retried:
		}
	}
	return true
}

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
	t.mu.Lock()
	prefix := t.prefix // never written in place: updateFingerprint copies
	t.mu.Unlock()
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
