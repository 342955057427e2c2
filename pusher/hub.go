package pusher

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/tailcast/tailcast/internal/slab"
	"github.com/tailcast/tailcast/proto/logpb"
)

// record is one published entry, encoded once. Records are immutable after
// Publish except for gone, which the hub lock guards.
type record struct {
	seq     uint64
	part    int32
	off     int64
	line    []byte // the complete entry line, "\n" included
	curLen  int    // the cursor is line[len(entryPrefix):][:curLen]
	service string
	host    string
	msg     string
	lmsg    string // lowercased msg, computed once for q
	level   logpb.Level
	gone    bool // evicted from its partition ring
}

// partState is one partition's position and ring. The ring is a FIFO of the
// records of this partition still held, oldest first.
type partState struct {
	last  int64 // offset of the last entry delivered (next-1 after Begin)
	ring  []*record
	head  int // ring[head:] are held
	bytes int64

	// Records and their lines are carved from blocks, so that Publish does
	// not allocate per entry. The blocks are per partition: its records
	// leave the ring oldest first, so a block is freed soon after its last
	// record is evicted, and no slow partition's record pins a block of
	// another's.
	recs  []record
	lines slab.Slab
}

const recChunk = 256 // records per allocation

// newRecord returns a zeroed record from the partition's current chunk.
func (p *partState) newRecord() *record {
	if len(p.recs) == cap(p.recs) {
		p.recs = make([]record, 0, recChunk)
	}
	p.recs = p.recs[:len(p.recs)+1]
	return &p.recs[len(p.recs)-1]
}

// cursor is the record's cursor as sent.
func (r *record) cursor() string {
	return string(r.line[len(entryPrefix) : len(entryPrefix)+r.curLen])
}

// body is the line after the cursor's closing quote.
func (r *record) body() []byte { return r.line[len(entryPrefix)+r.curLen+1:] }

func (p *partState) held() []*record { return p.ring[p.head:] }

func (p *partState) popFront() *record {
	r := p.ring[p.head]
	p.ring[p.head] = nil
	p.head++
	p.bytes -= int64(len(r.line))
	if p.head > 1024 && p.head*2 > len(p.ring) {
		n := copy(p.ring, p.ring[p.head:])
		clear(p.ring[n:])
		p.ring = p.ring[:n]
		p.head = 0
	}
	return r
}

// hubLog is the arrival-ordered log of all held records: a circular buffer
// indexed by sequence number, with holes (nil) where a partition ring has
// evicted a record. cums keeps, per slot, the log's byte count up to and
// including that record, so that a client's backlog is a subtraction. All
// fields are guarded by Server.mu.
type hubLog struct {
	buf       []*record // circular; len is a power of two
	cums      []int64   // parallel to buf
	headSeq   uint64    // seq of the oldest slot kept
	nextSeq   uint64    // seq the next record gets
	cum       int64     // bytes published so far
	cumBefore int64     // byte count just before headSeq
}

func (l *hubLog) len() int { return int(l.nextSeq - l.headSeq) }

func (l *hubLog) mask() uint64 { return uint64(len(l.buf) - 1) }

// at returns the record at seq, nil for a hole (headSeq ≤ seq < nextSeq).
func (l *hubLog) at(seq uint64) *record { return l.buf[seq&l.mask()] }

// cumAt is the log's byte count before seq (headSeq ≤ seq ≤ nextSeq).
func (l *hubLog) cumAt(seq uint64) int64 {
	if seq <= l.headSeq {
		return l.cumBefore
	}
	return l.cums[(seq-1)&l.mask()]
}

func (l *hubLog) push(r *record) {
	if l.len() == len(l.buf) {
		n := max(1024, 2*len(l.buf))
		nb, nc := make([]*record, n), make([]int64, n)
		for s := l.headSeq; s < l.nextSeq; s++ {
			nb[s&uint64(n-1)] = l.at(s)
			nc[s&uint64(n-1)] = l.cums[s&l.mask()]
		}
		l.buf, l.cums = nb, nc
	}
	r.seq = l.nextSeq
	l.cum += int64(len(r.line))
	l.buf[r.seq&l.mask()] = r
	l.cums[r.seq&l.mask()] = l.cum
	l.nextSeq++
}

// evict turns r's slot into a hole and drops holes from the head.
func (l *hubLog) evict(r *record) {
	r.gone = true
	l.buf[r.seq&l.mask()] = nil
	for l.headSeq < l.nextSeq && l.at(l.headSeq) == nil {
		l.cumBefore = l.cums[l.headSeq&l.mask()]
		l.headSeq++
	}
}

// Begin records that consumption of partition starts at next. An offset at or
// below what was already delivered is ignored by Publish (a rebalance that
// re-reads is deduplicated); a jump forward clears the partition's ring,
// since its history is no longer contiguous.
func (s *Server) Begin(partition int32, next int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.parts[partition]
	if p == nil {
		s.newPart(partition, next)
		return
	}
	if next-1 > p.last {
		for len(p.held()) > 0 {
			s.hub.evict(p.popFront())
		}
		p.last = next - 1
		s.vec = vecSet(s.vec, partition, next-1)
	}
}

// newPart starts tracking a partition whose next offset is next. Caller
// holds s.mu.
func (s *Server) newPart(partition int32, next int64) *partState {
	p := &partState{last: next - 1}
	s.parts[partition] = p
	s.vec = vecSet(s.vec, partition, next-1)
	close(s.begunCh) // wake resumes waiting for this partition
	s.begunCh = make(chan struct{})
	return p
}

// bodies are Publish's scratch buffers for an entry's encoding, which is
// copied into its line under the lock.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// lower is msg lowercased for the q filter, computed once per entry: msg
// itself when it has no upper case, else carved from the partition's block
// (ASCII) or allocated (other scripts).
func (p *partState) lower(msg string) string {
	ascii, upper := true, false
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		ascii = ascii && c < 0x80
		upper = upper || c >= 'A' && c <= 'Z'
	}
	switch {
	case !ascii:
		return strings.ToLower(msg)
	case !upper:
		return msg
	}
	b := p.lines.Alloc(len(msg))[:len(msg)]
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Publish encodes e once and appends it to the partition's ring and the
// global log. It never blocks on a client.
func (s *Server) Publish(partition int32, offset int64, e *logpb.LogEntry) {
	if e == nil {
		return
	}
	// Encode outside the lock; only the cursor needs the hub's order.
	bp := bodies.Get().(*[]byte)
	defer bodies.Put(bp)
	body := appendEntryBody((*bp)[:0], e)
	*bp = body

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	p := s.parts[partition]
	if p == nil {
		p = s.newPart(partition, offset) // Publish without Begin
	}
	if offset <= p.last {
		return // already delivered (re-read after a rebalance)
	}
	p.last = offset
	s.vec = vecSet(s.vec, partition, offset)
	r := p.newRecord()
	*r = record{part: partition, off: offset, service: e.Service, host: e.Host, msg: e.Message, level: e.Level}
	r.lmsg = p.lower(e.Message)
	line := p.lines.Alloc(len(entryPrefix) + len(body) + 16 + 12*len(s.vec))
	line = append(line, entryPrefix...)
	cstart := len(line)
	line, s.curTmp = appendCursor(line, s.curTmp, s.vec)
	r.curLen = len(line) - cstart
	line = append(line, '"')
	line = append(line, body...)
	r.line = line
	s.hub.push(r)
	p.ring = append(p.ring, r)
	p.bytes += int64(len(line))
	for len(p.held()) > s.cfg.RingEntries || (p.bytes > s.cfg.RingBytes && len(p.held()) > 1) {
		s.hub.evict(p.popFront())
	}
	// Holes behind an idle partition's old records would otherwise grow
	// without bound: past the total entry budget, evict the oldest record,
	// which is necessarily the oldest of its own partition.
	for s.hub.len() > s.cfg.RingEntries*len(s.parts) {
		h := s.hub.at(s.hub.headSeq)
		s.hub.evict(s.parts[h.part].popFront())
	}
	s.m.publish.Inc()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
