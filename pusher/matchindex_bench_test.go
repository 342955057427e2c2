package pusher

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/filtermix"
	"github.com/tailcast/tailcast/proto/logpb"
)

// mixFilters compiles the mix's filters as the /ws query gives them.
func mixFilters(tb testing.TB, mix *filtermix.Mix) []*filter {
	tb.Helper()
	out := make([]*filter, len(mix.Filters))
	for i := range mix.Filters {
		q, err := url.ParseQuery(mix.Filters[i].Query())
		if err != nil {
			tb.Fatal(err)
		}
		req, err := parseQuery(q)
		if err != nil {
			tb.Fatal(err)
		}
		if out[i], err = req.spec.compile(); err != nil {
			tb.Fatalf("filter %d (%s): %v", i, mix.Filters[i].Query(), err)
		}
	}
	return out
}

// BenchmarkMatchIndexMix matches the entries of one period of the filter
// mix against its 1,000 viewers' filters (matchIndex.match, the flush
// loop's per-entry cost of many distinct filters) and reports ns/entry.
func BenchmarkMatchIndexMix(b *testing.B) {
	mix, err := filtermix.New(1000)
	if err != nil {
		b.Fatal(err)
	}
	h := newMatchHarness(filtermix.Period + 1)
	for _, f := range mixFilters(b, mix) {
		h.add(f, 0)
	}
	e := &logpb.LogEntry{}
	ts := []byte(strconv.FormatInt(time.Now().UnixNano(), 10))
	for i := range int64(filtermix.Period) {
		mix.Shapes[i%filtermix.Period].Entry(e, i, ts)
		h.s.hub.Publish(0, i, e)
	}
	tail := h.pass() // builds the lists and the anchors, and matches once
	defer h.done()
	l := &h.s.hub.log
	var recs []*record
	for seq := l.headSeq; seq < tail; seq++ {
		recs = append(recs, l.at(seq))
	}
	x := &h.s.mx
	b.ResetTimer()
	for b.Loop() {
		for _, ml := range x.lists {
			ml.seqs, ml.since, ml.tried = ml.seqs[:0], 0, 0
		}
		x.match(recs, tail)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/entry")
}

// BenchmarkMatchIndexRebuild rebuilds the anchors of the mix's 1,000
// filters, as sync does when a viewer joins or leaves.
func BenchmarkMatchIndexRebuild(b *testing.B) {
	mix, err := filtermix.New(1000)
	if err != nil {
		b.Fatal(err)
	}
	h := newMatchHarness(16)
	for _, f := range mixFilters(b, mix) {
		h.add(f, 0)
	}
	h.pass()
	h.done()
	x := &h.s.mx
	for b.Loop() {
		x.rebuild()
	}
}
