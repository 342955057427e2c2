package collector

import "sync"

// outStack is a stack of cleared records (outMsg) on their way back from
// the success loop, which clears and stacks acknowledged records, to the
// readers, which make new ones from them. Records travel a stack at a time,
// so the pools see one Get and one Put per outStackLen records: pooling
// each record cost about a fifth of the collector's own work per line
// (BenchmarkRecordPath's profile, 2026-12-06).
type outStack struct{ msgs []*outMsg }

// outStackLen is how many records a full stack holds.
const outStackLen = 128

var (
	// fullStacks holds stacks with records in them. Like any sync.Pool it
	// is emptied by the GC, so idle collectors keep no records.
	fullStacks sync.Pool
	// emptyStacks holds empty stacks for the success loop to fill.
	emptyStacks = sync.Pool{New: func() any { return &outStack{msgs: make([]*outMsg, 0, outStackLen)} }}
)

// newOutMsg is a cleared record for the reader: from its stack, refilled
// with a full one when empty, or a new one when no full stack is pooled.
func (t *tailFile) newOutMsg() *outMsg {
	s := t.spare
	if s == nil || len(s.msgs) == 0 {
		if s != nil {
			emptyStacks.Put(s)
		}
		s, _ = fullStacks.Get().(*outStack)
		t.spare = s
		if s == nil {
			return new(outMsg)
		}
	}
	n := len(s.msgs) - 1
	om := s.msgs[n]
	s.msgs[n] = nil
	s.msgs = s.msgs[:n]
	return om
}

// releaseSpare gives the reader's stack back before it waits: with a
// thousand quiet files, stacks held across waits kept about 1.5 MiB more
// RSS (bench/collector.sh's RSS step, 2026-12-06).
func (t *tailFile) releaseSpare() {
	switch s := t.spare; {
	case s == nil:
	case len(s.msgs) > 0:
		fullStacks.Put(s)
	default:
		emptyStacks.Put(s)
	}
	t.spare = nil
}

// recycler clears acknowledged records and stacks them for the readers.
// Owned by the success loop.
type recycler struct{ s *outStack }

func (r *recycler) put(om *outMsg) {
	*om = outMsg{} // sarama's own fields too, and nothing kept reachable
	if r.s == nil {
		r.s = emptyStacks.Get().(*outStack)
	}
	r.s.msgs = append(r.s.msgs, om)
	if len(r.s.msgs) == outStackLen {
		fullStacks.Put(r.s)
		r.s = nil
	}
}
