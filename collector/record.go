package collector

import (
	"bytes"
	"context"

	"github.com/IBM/sarama"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/internal/multiline"
)

// outMsg allocates a record and its metadata together. They are reused
// (outstack.go): sarama hands a record back on Successes once it is done
// with it.
type outMsg struct {
	msg  sarama.ProducerMessage
	meta msgMeta
	val  recordValue
}

// recordValue is a record's value (the line) as a sarama.Encoder. msg.Value
// points at the one in its outMsg: a sarama.ByteEncoder would be boxed, an
// allocation per record.
type recordValue struct{ b []byte }

func (v *recordValue) Encode() ([]byte, error) { return v.b, nil }
func (v *recordValue) Length() int             { return len(v.b) }

// msgMeta travels with a record through the producer: what its
// acknowledgement advances (win, at gen and seq), the file's retry count
// (retry), the budget it holds (size) and its file's hash (fileHash), which
// picks its partition.
type msgMeta struct {
	om       *outMsg // the allocation holding this, for reuse
	win      *window
	retry    *retries
	gen      uint64 // gen and seq are set by handOff, when it tracks the record
	seq      uint64
	size     int64
	fileHash uint32
}

// send turns a joined entry into a record and queues it for the producer,
// handing a full batch over (handOff, which may block while the
// un-acknowledged bytes are at their bound). The record's
// value is the entry's text as it is in the file, without the line
// terminator; the file's metadata is in its header, built once per file,
// and its partition is the file's (filePartitioner): there is no key.
func (t *tailFile) send(ctx context.Context, e multiline.Entry, trunc bool) bool {
	if len(bytes.TrimSpace(e.Data)) == 0 {
		return true // blank lines carry nothing; the next entry's End covers them
	}
	d := t.deps
	line := e.Data
	if n := len(line); n > 0 && line[n-1] == '\r' { // CRLF: the joiner keeps inner ones
		line = line[:n-1]
	}
	if maxValue := d.maxRecord - t.overhead; len(line) > maxValue {
		if maxValue <= 0 {
			d.log.Error("entry cannot be made small enough for kafka", zap.String("path", t.path), zap.Int("max_bytes", d.maxRecord))
			return true
		}
		line = cutRunes(line, maxValue)
		if !trunc {
			d.stats.truncated.Add(1)
		}
		trunc = true
	}
	// The joiner reuses e.Data once the next line comes; sarama reads the
	// value later, so it is copied into the file's slab.
	val := append(t.slab.Alloc(len(line)), line...)
	size := int64(len(val) + t.overhead + 64)
	om := t.newOutMsg()
	om.meta = msgMeta{om: om, win: &t.win, retry: &t.retry, size: size, fileHash: t.hash}
	msg := &om.msg
	om.val.b = val
	msg.Topic, msg.Value, msg.Headers = d.opts.topic, &om.val, t.hdrs
	if trunc {
		msg.Headers = t.cutHdrs
	}
	// The read time is the record's timestamp. sarama would read the clock
	// for every record without it.
	msg.Timestamp = t.readTime
	msg.Metadata = &om.meta
	t.out = append(t.out, msg)
	t.outEnds = append(t.outEnds, e.End)
	t.outBytes += size
	if len(t.out) >= handOffBatch || t.outBytes >= d.batchBytes {
		return t.handOff(ctx)
	}
	return true
}

// handOffBatch is how many records a reader makes before it hands them to
// the producer. Handing them over one at a time woke sarama's dispatcher
// for nearly every record: about 0.4 µs a line in channel operations. A
// batch is also handed over once it holds tailDeps.batchBytes.
const handOffBatch = 128

// handOffBytes caps a batch's bytes (tailDeps.batchBytes), with at most an
// eighth of MaxBufferedBytes: long lines go over in smaller batches.
const handOffBytes = 256 << 10

// handOff gives the producer the records made so far, in order, after any of
// the file's records it gave up on. It takes their budget and tracks them
// in the window as one batch (one lock each, not one per record), blocking
// while the un-acknowledged bytes are at their bound: records in hand hold
// no budget, so that wait never waits for them. The reader calls it before
// anything it may wait for (a read buffer, more data) and before it leaves a
// released file. It reports false when ctx is done; the records not handed
// over are dropped by dropOut.
func (t *tailFile) handOff(ctx context.Context) bool {
	if len(t.out) == 0 {
		return true
	}
	if !t.retry.wait(ctx) {
		return false
	}
	if !t.outHeld {
		b := t.deps.budget
		if !b.tryAcquire(t.outBytes) && b.acquire(ctx, t.outBytes) != nil {
			return false
		}
		gen, seq := t.win.trackAll(t.outEnds)
		for _, msg := range t.out {
			m := msg.Metadata.(*msgMeta)
			m.gen, m.seq = gen, seq
			seq++
		}
		t.outHeld = true
	}
	in := t.deps.records
	for i, msg := range t.out {
		select {
		case in <- msg:
		case <-ctx.Done():
			t.deps.stats.sent.Add(int64(i))
			clear(t.out[:i])
			t.out = append(t.out[:0], t.out[i:]...)
			return false
		}
	}
	t.deps.stats.sent.Add(int64(len(t.out)))
	clear(t.out)
	t.out, t.outEnds, t.outBytes, t.outHeld = t.out[:0], t.outEnds[:0], 0, false
	return true
}

// dropOut releases the records the reader made but never handed over: it is
// stopping. They are not acknowledged, so their lines are read again. Those
// of a batch handOff had taken budget for give it back; the records
// themselves are left to the GC.
func (t *tailFile) dropOut() {
	for _, msg := range t.out {
		if t.outHeld {
			t.deps.budget.release(msg.Metadata.(*msgMeta).size)
		}
	}
	t.releaseSpare()
	clear(t.out)
	t.out, t.outEnds, t.outBytes, t.outHeld = t.out[:0], t.outEnds[:0], 0, false
}
