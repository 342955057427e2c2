package pusher

// hubLog is the arrival-ordered log of all held records: a circular buffer
// indexed by sequence number, with holes (nil) where a partition ring has
// evicted a record. cums keeps, per slot, the log's byte count up to and
// including that record, so that a client's backlog is a subtraction. All
// fields are guarded by hub.mu.
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
	l.buf[r.seq&l.mask()] = nil
	for l.headSeq < l.nextSeq && l.at(l.headSeq) == nil {
		l.cumBefore = l.cums[l.headSeq&l.mask()]
		l.headSeq++
	}
}
