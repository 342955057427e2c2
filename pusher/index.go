package pusher

import (
	"iter"
	"slices"
	"sort"
	"strings"
)

// maxIndexServices is the most services a filter may name and still be
// served from the index; a filter on more is matched against every entry.
const maxIndexServices = 8

// indexTrimEvery is how many entries are indexed between two passes that
// drop what the log has evicted.
const indexTrimEvery = 1 << 16

// svcIndex lists, per service, the sequence numbers of the log's records
// from that service, oldest first, so that building the frame of a filter
// on a few services visits their entries only, not every entry: with a
// thousand viewers each on its own service, the flush loop would
// otherwise compare every entry with every filter. It belongs to the
// flush loop: collect brings it up to the log's tail and reads it, under
// the hub's read lock, and nothing else touches it.
type svcIndex struct {
	next    uint64 // the log is indexed below next
	lists   map[string]*seqList
	trimmed uint64 // next at the last trim
}

// seqList is one service's sequence numbers, ascending.
type seqList struct{ seqs []uint64 }

// update indexes the log's records from where it stopped to its tail.
func (x *svcIndex) update(l *hubLog) {
	if x.lists == nil {
		x.lists = make(map[string]*seqList)
	}
	var last *seqList
	var lastSvc string
	for seq := max(x.next, l.headSeq); seq < l.nextSeq; seq++ {
		r := l.at(seq)
		if r == nil {
			continue
		}
		if last == nil || r.service != lastSvc {
			last = x.lists[r.service]
			if last == nil {
				last = &seqList{}
				x.lists[r.service] = last
			}
			lastSvc = r.service
		}
		last.seqs = append(last.seqs, seq)
	}
	x.next = l.nextSeq
	if x.next-x.trimmed >= indexTrimEvery {
		x.trim(l.headSeq)
	}
}

// trim drops sequence numbers the log no longer holds, and services with
// none left.
func (x *svcIndex) trim(head uint64) {
	x.trimmed = x.next
	for svc, sl := range x.lists {
		i := sort.Search(len(sl.seqs), func(i int) bool { return sl.seqs[i] >= head })
		if i == len(sl.seqs) {
			delete(x.lists, svc)
			continue
		}
		if i > 0 {
			n := copy(sl.seqs, sl.seqs[i:])
			sl.seqs = sl.seqs[:n]
		}
	}
}

// indexed reports whether f's candidates come from the index.
func indexed(f *filter) bool { return len(f.services) > 0 && len(f.services) <= maxIndexServices }

// candidates yields, in order, the sequence numbers in [from, tail) of
// the records f may match: those of f's services when it names a few,
// else every one. The log may have holes there (at returns nil). Caller
// holds the hub's read lock, with x updated to tail.
func (x *svcIndex) candidates(f *filter, from, tail uint64) iter.Seq[uint64] {
	if !indexed(f) {
		return func(yield func(uint64) bool) {
			for seq := from; seq < tail; seq++ {
				if !yield(seq) {
					return
				}
			}
		}
	}
	if len(f.services) == 1 {
		return func(yield func(uint64) bool) {
			sl := x.lists[f.services[0]]
			if sl == nil {
				return
			}
			i, _ := slices.BinarySearch(sl.seqs, from)
			for ; i < len(sl.seqs) && sl.seqs[i] < tail; i++ {
				if !yield(sl.seqs[i]) {
					return
				}
			}
		}
	}
	return func(yield func(uint64) bool) {
		// A merge of a few ascending lists: the smallest head each step.
		var heads [maxIndexServices][]uint64
		n := 0
		for _, svc := range f.services {
			sl := x.lists[svc]
			if sl == nil {
				continue
			}
			i, _ := slices.BinarySearch(sl.seqs, from)
			if i < len(sl.seqs) {
				heads[n] = sl.seqs[i:]
				n++
			}
		}
		for {
			best := -1
			for k := range n {
				if len(heads[k]) > 0 && (best < 0 || heads[k][0] < heads[best][0]) {
					best = k
				}
			}
			if best < 0 || heads[best][0] >= tail {
				return
			}
			seq := heads[best][0]
			heads[best] = heads[best][1:]
			if !yield(seq) {
				return
			}
		}
	}
}

// maxMemo bounds the entries a pass remembers q results for, and
// maxMemoBytes the results it keeps (entries times distinct q texts).
const (
	maxMemo      = 1 << 16
	maxMemoBytes = 4 << 20
)

// qMemo remembers, for one flush pass, whether each entry new in that
// pass holds a q text: viewers' filters differ, but many share a word
// (service=api&q=timeout, level=warn&q=timeout, ...), and the byte search
// is the costliest cheap term. Like svcIndex, it is the flush loop's.
type qMemo struct {
	base uint64 // the pass's new entries are [base, base+n)
	n    int
	m    map[string][]uint8 // q → per entry: 0 not searched yet, memoYes, memoNo
	free [][]uint8
}

const (
	memoYes = 1 + iota
	memoNo
)

// reset starts a pass whose new entries are [base, tail).
func (m *qMemo) reset(base, tail uint64) {
	if m.m == nil {
		m.m = make(map[string][]uint8)
	}
	for q, v := range m.m {
		m.free = append(m.free, v)
		delete(m.m, q)
	}
	m.base, m.n = base, int(min(tail-base, maxMemo))
}

// of returns q's results for the pass, nil when there is nothing to keep.
func (m *qMemo) of(q string) []uint8 {
	if m.n == 0 || q == "" {
		return nil
	}
	if v, ok := m.m[q]; ok {
		return v
	}
	if (len(m.m)+1)*m.n > maxMemoBytes {
		return nil // the filter searches itself
	}
	var v []uint8
	if k := len(m.free); k > 0 {
		v, m.free = m.free[k-1], m.free[:k-1]
	}
	v = slices.Grow(v[:0], m.n)[:m.n]
	clear(v)
	m.m[q] = v
	return v
}

// rejects reports whether r surely fails a filter with text q, from memo
// (q's results, of) or by searching r's text once for the whole pass.
func (m *qMemo) rejects(memo []uint8, q string, r *record) bool {
	if memo == nil || r.seq < m.base || r.seq-m.base >= uint64(len(memo)) {
		return false // matchRecord searches
	}
	i := r.seq - m.base
	if memo[i] == 0 {
		memo[i] = memoNo
		if strings.Contains(r.ltext, q) {
			memo[i] = memoYes
		}
	}
	return memo[i] == memoNo
}
