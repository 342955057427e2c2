package pusher

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestIndexCandidates: the index yields, for a filter on a few services,
// exactly the records of those services in a range, in order, across
// evictions, holes and trims; for other filters, every slot.
func TestIndexCandidates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	svcs := []string{"api", "auth", "billing", "cart", "db", "edge", "feed", "gw", "hub", "io"}
	var l hubLog
	var x svcIndex
	var live []*record
	filters := []*filter{
		{},
		{services: []string{"api"}},
		{services: []string{"cart", "db"}},
		{services: []string{"absent"}},
		{services: []string{"api", "auth", "billing"}},
		{services: svcs[:maxIndexServices+1]},
	}
	for round := range 40 {
		for range 1 + rng.IntN(3000) {
			r := &record{service: svcs[rng.IntN(len(svcs))]}
			l.push(r)
			live = append(live, r)
		}
		// Evict some of the oldest, and a few holes further on.
		for range rng.IntN(len(live) / 2) {
			l.evict(live[0])
			live = live[1:]
		}
		for range 5 {
			if len(live) > 0 {
				i := rng.IntN(len(live))
				l.evict(live[i])
				live = slices.Delete(live, i, i+1)
			}
		}
		x.update(&l)
		if round%7 == 6 {
			x.trim(l.headSeq)
		}
		for _, f := range filters {
			from := l.headSeq + uint64(rng.IntN(int(l.nextSeq-l.headSeq)+1))
			tail := from + uint64(rng.IntN(int(l.nextSeq-from)+1))
			var got, want []uint64
			for seq := range x.candidates(f, from, tail) {
				if r := l.at(seq); r != nil && (len(f.services) == 0 || slices.Contains(f.services, r.service)) {
					got = append(got, seq)
				}
			}
			for seq := from; seq < tail; seq++ {
				if r := l.at(seq); r != nil && (len(f.services) == 0 || slices.Contains(f.services, r.service)) {
					want = append(want, seq)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, services %v, [%d, %d): got %d records %s, want %d %s", round, f.services, from, tail, len(got), head(got), len(want), head(want))
			}
			if indexed(f) {
				for seq := range x.candidates(f, from, tail) {
					if r := l.at(seq); r != nil && !slices.Contains(f.services, r.service) {
						t.Fatalf("services %v: candidate %d is from %q, want only theirs", f.services, seq, r.service)
					}
				}
			}
		}
	}
}

func head(s []uint64) string { return fmt.Sprint(s[:min(len(s), 8)]) }

// TestQMemo: the pass's memo answers as a search would, for entries of
// the pass, and leaves others to the filter; a reset forgets.
func TestQMemo(t *testing.T) {
	texts := []string{"connection timeout", "ok", "timeout again", "refused", ""}
	var m qMemo
	for pass := range 3 {
		base := uint64(pass * 10)
		m.reset(base, base+uint64(len(texts)))
		for _, q := range []string{"timeout", "refused", "x"} {
			memo := m.of(q)
			for round := range 2 { // the second round reads the memo
				for i, txt := range texts {
					r := &record{seq: base + uint64(i), ltext: txt}
					if got, want := m.rejects(memo, q, r), !strings.Contains(txt, q); got != want {
						t.Errorf("pass %d round %d, q %q, %q: rejects %v, want %v", pass, round, q, txt, got, want)
					}
				}
			}
			old := &record{seq: base - 1, ltext: "nothing"}
			if pass > 0 && m.rejects(memo, q, old) {
				t.Errorf("q %q: an entry before the pass rejected by the memo, want it left to the filter", q)
			}
		}
	}
}
