package collector

import "sync"

// window is one file's acknowledgement window: the entries handed to the
// producer and not yet acknowledged, in read order, and the End offset of
// the highest contiguous acknowledged one. Only that offset is ever
// checkpointed, so a file's position advances only once Kafka has every
// entry before it. Safe for concurrent use: the reader tracks, the
// producer's success loop acks, the checkpointer reads.
type window struct {
	mu      sync.Mutex
	gen     uint64 // generation: a truncation starts a new one
	nextSeq uint64
	base    uint64 // seq of pending[head]
	pending []pend
	head    int
	acked   int64 // End of the highest contiguous acknowledged entry
}

type pend struct {
	end   int64
	acked bool
}

// begin sets the offset of a window nothing was tracked in yet: where the
// file starts being read.
func (w *window) begin(off int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acked = off
}

// trackAll registers entries ending at ends, in read order, as in flight,
// under one lock: the reader tracks a batch as it hands it to the producer.
// Their acknowledgements carry gen and seqs first, first+1, ...
func (w *window) trackAll(ends []int64) (gen, first uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Compact once the acknowledged head is most of the slice, so a file
	// that is never idle does not grow it for good.
	if w.head > 1024 && w.head*2 > len(w.pending) {
		n := copy(w.pending, w.pending[w.head:])
		w.pending = w.pending[:n]
		w.head = 0
	}
	for _, end := range ends {
		w.pending = append(w.pending, pend{end: end})
	}
	first = w.nextSeq
	w.nextSeq += uint64(len(ends))
	return w.gen, first
}

// ackID names one tracked entry: the generation and seq track gave it.
type ackID struct{ gen, seq uint64 }

// ackAll marks entries acknowledged, in any order, under one lock (the
// success loop acknowledges a file's run of records at once), and advances
// the contiguous offset. An acknowledgement from an older generation
// (content from before a truncation) or of an entry not tracked is
// ignored.
func (w *window) ackAll(ids []ackID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		if id.gen != w.gen || id.seq < w.base {
			continue
		}
		i := w.head + int(id.seq-w.base)
		if i >= len(w.pending) {
			continue
		}
		w.pending[i].acked = true
	}
	for w.head < len(w.pending) && w.pending[w.head].acked {
		w.acked = w.pending[w.head].end
		w.head++
		w.base++
	}
}

// reset starts a new generation at offset off: the entries in flight
// belong to content that is gone (truncation), and their acknowledgements
// no longer move the offset.
func (w *window) reset(off int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gen++
	w.pending, w.head = nil, 0
	w.base = w.nextSeq
	w.acked = off
}

// offset is the End of the highest contiguous acknowledged entry: where
// reading resumes after a restart.
func (w *window) offset() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acked
}

// idle reports whether every tracked entry was acknowledged.
func (w *window) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.head == len(w.pending)
}
