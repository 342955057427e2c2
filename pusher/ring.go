package pusher

import (
	"github.com/tailcast/tailcast/internal/slab"
	"github.com/tailcast/tailcast/proto/logpb"
)

// record is one published entry, encoded once. Records are immutable after
// Publish, so that anyone holding
// a pointer (a snapshot, a replay plan, a scanner's batch) may read them
// without a lock.
type record struct {
	seq     uint64
	part    int32
	level   logpb.Level // next to part: the two int32s share a word
	off     int64
	ts      int64  // entry time, UnixNano
	line    []byte // the complete entry line, "\n" included
	curLen  int    // the cursor is line[len(entryPrefix):][:curLen]
	service string
	host    string
	msg     string
	ltext   string         // lowercased message and field values, for q
	fields  []*logpb.Field // for where; the entry's own, never changed
	pattern string         // the pattern id at Publish; "" when not mined
	seen    int64          // UnixNano when mined: the clock of pattern counts
}

// cursor is the record's cursor as sent.
func (r *record) cursor() string {
	return string(r.line[len(entryPrefix) : len(entryPrefix)+r.curLen])
}

// body is the line after the cursor's closing quote.
func (r *record) body() []byte { return r.line[len(entryPrefix)+r.curLen+1:] }

// partState is one partition's position and ring. The ring is a FIFO of the
// records of this partition still held, oldest first.
type partState struct {
	last  int64 // offset of the last entry delivered (next-1 after Begin)
	ring  []*record
	head  int // ring[head:] are held
	bytes int64
	dead  int64 // bytes of the records in ring[:head]

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

func (p *partState) held() []*record { return p.ring[p.head:] }

// push appends r. Slots below len(ring) are never written again: the held
// part moves to a new array once the evicted part is as long as it or pins
// a quarter of ringBytes, so that a snapshot's view of the ring stays valid
// without a lock while evicted lines are still freed soon.
func (p *partState) push(r *record, ringBytes int64) {
	if p.head > 0 && (p.head*2 >= len(p.ring) && len(p.ring) == cap(p.ring) || p.dead > ringBytes/4) {
		n := len(p.ring) - p.head
		ring := make([]*record, n, max(64, 2*n))
		copy(ring, p.ring[p.head:])
		p.ring, p.head, p.dead = ring, 0, 0
	}
	p.ring = append(p.ring, r)
	p.bytes += int64(len(r.line))
}

// popFront removes the oldest record; its slot is left as is (see push).
func (p *partState) popFront() *record {
	r := p.ring[p.head]
	p.head++
	p.bytes -= int64(len(r.line))
	p.dead += int64(len(r.line))
	return r
}
