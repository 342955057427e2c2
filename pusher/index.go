package pusher

import (
	"iter"
	"slices"
	"sort"
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
