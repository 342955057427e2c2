package pusher

import (
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailcast/tailcast/proto/logpb"
)

// hub is the pusher's log: what Begin and Publish deliver, the partition
// rings and the global arrival-ordered log, the delivery-order cursor
// vector, and the snapshots replays are planned from. It knows nothing of
// sockets or clients, so it is tested on its own.
//
// Everything is guarded by mu. Publish takes it for writing for as long as
// it takes to append one encoded entry; readers (the flush loop, scanners,
// replay planning) take it for reading only to copy record pointers, and
// evaluate filters and encode after releasing it.
type hub struct {
	ringEntries int
	ringBytes   int64
	kick        chan struct{}      // signalled (never blocking) after each Publish
	published   prometheus.Counter // may be nil
	pats        *patTable          // nil: entries are not mined

	mu      sync.RWMutex
	closed  bool
	parts   map[int32]*partState
	vec     []vecEntry // the delivery-order position of every partition
	curTmp  []byte     // scratch for cursor encoding
	log     hubLog
	begunCh chan struct{} // closed and replaced on every new partition
}

// newHub returns a hub whose rings hold at most ringEntries entries and
// ringBytes encoded bytes per partition. kick, when not nil, is signalled
// after every Publish.
func newHub(ringEntries int, ringBytes int64, kick chan struct{}, published prometheus.Counter) *hub {
	return &hub{
		ringEntries: ringEntries,
		ringBytes:   ringBytes,
		kick:        kick,
		published:   published,
		parts:       make(map[int32]*partState),
		begunCh:     make(chan struct{}),
	}
}

// close makes later Publish calls no-ops.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
}

// Begin records that consumption of partition starts at next. An offset at or
// below what was already delivered is ignored by Publish (a rebalance that
// re-reads is deduplicated); a jump forward clears the partition's ring,
// since its history is no longer contiguous.
func (h *hub) Begin(partition int32, next int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.parts[partition]
	if p == nil {
		h.newPart(partition, next)
		return
	}
	if next-1 > p.last {
		for len(p.held()) > 0 {
			h.log.evict(p.popFront())
		}
		p.last = next - 1
		h.vec = vecSet(h.vec, partition, next-1)
	}
}

// newPart starts tracking a partition whose next offset is next. Caller
// holds h.mu.
func (h *hub) newPart(partition int32, next int64) *partState {
	p := &partState{last: next - 1}
	h.parts[partition] = p
	h.vec = vecSet(h.vec, partition, next-1)
	close(h.begunCh) // wake resumes waiting for this partition
	h.begunCh = make(chan struct{})
	return p
}

// bodies are Publish's scratch buffers for an entry's encoding, which is
// copied into its line under the lock.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Publish encodes e once and appends it to the partition's ring and the
// global log. It never blocks on a client.
func (h *hub) Publish(partition int32, offset int64, e *logpb.LogEntry) {
	if e == nil {
		return
	}
	// Encode outside the lock; only the cursor needs the hub's order.
	bp := bodies.Get().(*[]byte)
	defer bodies.Put(bp)
	body := appendEntryBody((*bp)[:0], e)
	var pat string
	var seen int64
	if h.pats != nil {
		var isNew bool
		seen = time.Now().UnixNano()
		pat, isNew = h.pats.observe(e.Service, e.Message, seen)
		body = appendPattern(body, pat, isNew)
	}
	*bp = body

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	p := h.parts[partition]
	if p == nil {
		p = h.newPart(partition, offset) // Publish without Begin
	}
	if offset <= p.last {
		return // already delivered (re-read after a rebalance)
	}
	p.last = offset
	h.vec = vecSet(h.vec, partition, offset)
	r := p.newRecord()
	*r = record{part: partition, off: offset, ts: entryTime(e), service: e.Service, host: e.Host, msg: e.Message, level: e.Level, fields: e.Fields, pattern: pat, seen: seen}
	r.ltext = p.lowerText(e)
	line := p.lines.Alloc(len(entryPrefix) + len(body) + 24 + 12*len(h.vec))
	line = append(line, entryPrefix...)
	cstart := len(line)
	line, h.curTmp = appendCursor(line, h.curTmp, h.vec, partition)
	r.curLen = len(line) - cstart
	line = append(line, '"')
	line = append(line, body...)
	r.line = line
	h.log.push(r)
	p.push(r, h.ringBytes)
	for len(p.held()) > h.ringEntries || (p.bytes > h.ringBytes && len(p.held()) > 1) {
		h.log.evict(p.popFront())
	}
	// Holes behind an idle partition's old records would otherwise grow
	// without bound: past the total entry budget, evict the oldest record,
	// which is necessarily the oldest of its own partition.
	for h.log.len() > h.ringEntries*len(h.parts) {
		o := h.log.at(h.log.headSeq)
		h.log.evict(h.parts[o.part].popFront())
	}
	if h.published != nil {
		h.published.Inc()
	}
	if h.kick != nil {
		select {
		case h.kick <- struct{}{}:
		default:
		}
	}
}

// partitions is the number of partitions begun so far.
func (h *hub) partitions() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.parts)
}

// begun reports whether every partition of v has begun, and otherwise
// returns a channel closed at the next Begin of a new partition.
func (h *hub) begun(v []vecEntry) (bool, <-chan struct{}) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, e := range v {
		if h.parts[e.part] == nil {
			return false, h.begunCh
		}
	}
	return true, nil
}

// partView is one partition of a snapshot.
type partView struct {
	part int32
	last int64     // offset of the last entry delivered
	held []*record // the ring, oldest first; never changed after the snapshot
}

// snapshot is the hub at one instant: every later entry has seq ≥ tail.
// Taking it costs O(partitions) under the lock; the records it points to
// are immutable, so reading them afterwards needs no lock.
type snapshot struct {
	tail  uint64
	vec   []vecEntry
	parts []partView // by partition, ascending
}

func (sn *snapshot) part(p int32) *partView {
	for i := range sn.parts {
		if sn.parts[i].part == p {
			return &sn.parts[i]
		}
	}
	return nil
}

// snapshot captures the rings and the tail of the log. Rings are only
// appended to past their length or replaced, never rewritten in place
// (partState.popFront), which is what makes the views safe to keep.
func (h *hub) snapshot() (snapshot, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return snapshot{}, false
	}
	sn := snapshot{tail: h.log.nextSeq, vec: append([]vecEntry(nil), h.vec...), parts: make([]partView, 0, len(h.parts))}
	for _, e := range h.vec {
		p := h.parts[e.part]
		sn.parts = append(sn.parts, partView{part: e.part, last: p.last, held: p.held()})
	}
	return sn, true
}

// lowerText is the entry's searchable text lowercased for q, computed once
// per entry: the message, then each field's value after a NUL (which no
// search text contains, so a match never spans two values). It is the
// message itself when that is all there is and it has no upper case, else
// carved from the partition's block (ASCII) or allocated (other scripts).
func (p *partState) lowerText(e *logpb.LogEntry) string {
	n := len(e.Message)
	nonASCII, upper := textClass(e.Message)
	for _, f := range e.Fields {
		if f != nil {
			n += 1 + len(f.Value)
			na, up := textClass(f.Value)
			nonASCII, upper = nonASCII || na, upper || up
		}
	}
	if n == len(e.Message) {
		return p.lower(e.Message)
	}
	if nonASCII {
		var sb strings.Builder
		sb.Grow(n)
		sb.WriteString(strings.ToLower(e.Message))
		for _, f := range e.Fields {
			if f != nil {
				sb.WriteByte(0)
				sb.WriteString(strings.ToLower(f.Value))
			}
		}
		return sb.String()
	}
	// Copied whole, then lowercased in place: the copy is one memmove per
	// value rather than a byte-by-byte append.
	b := append(p.lines.Alloc(n), e.Message...)
	for _, f := range e.Fields {
		if f != nil {
			b = append(append(b, 0), f.Value...)
		}
	}
	if upper {
		lowerASCII(b)
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// textClass reports whether s has bytes past ASCII and upper-case ASCII
// letters, in one pass without branches on the former.
func textClass(s string) (nonASCII, upper bool) {
	var hi byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		hi |= c
		upper = upper || c-'A' < 26
	}
	return hi >= 0x80, upper
}

// lowerASCII lowercases the ASCII letters of b in place.
func lowerASCII(b []byte) {
	for i, c := range b {
		if c-'A' < 26 {
			b[i] = c + 'a' - 'A'
		}
	}
}

// lower is msg lowercased: msg itself when it has no upper case, else
// carved from the partition's block (ASCII) or allocated (other scripts).
func (p *partState) lower(msg string) string {
	nonASCII, upper := textClass(msg)
	switch {
	case nonASCII:
		return strings.ToLower(msg)
	case !upper:
		return msg
	}
	b := append(p.lines.Alloc(len(msg)), msg...)
	lowerASCII(b)
	return unsafe.String(unsafe.SliceData(b), len(b))
}
