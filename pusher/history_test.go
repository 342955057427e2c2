package pusher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

func TestRangeQueries(t *testing.T) {
	p := startPipeline(t, 3, Config{HistoryMargin: 2 * time.Second, HistoryQueries: 16, HistoryPerIP: 16})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	all := spread(base, 40, 3)
	// Partition 0 also holds, far later, entries that are in no range below.
	p.produce(t, all...)
	p.start(t, 3)
	p.published(t, 40)
	at := func(i int) string { return rfc(base.Add(time.Duration(i) * time.Second)) }

	tests := []struct {
		name        string
		query       []string
		want        []string
		wantLimited bool
	}{
		{"across all partitions, in time order", []string{"from", at(10), "to", at(20)}, names(10, 20), false},
		{"from the first entry", []string{"from", at(-30), "to", at(3)}, names(0, 3), false},
		{"to the last entry", []string{"from", at(37), "to", at(100)}, names(37, 40), false},
		{"empty: between entries", []string{"from", rfc(base.Add(10*time.Second + 100*time.Millisecond)), "to", rfc(base.Add(10*time.Second + 900*time.Millisecond))}, nil, false},
		{"in the future", []string{"from", rfc(time.Now().Add(time.Hour)), "to", rfc(time.Now().Add(2 * time.Hour))}, nil, false},
		{"before everything", []string{"from", at(-3600), "to", at(-60)}, nil, false},
		{"limit: the oldest", []string{"from", at(10), "to", at(20), "limit", "4"}, names(10, 14), true},
		{"newest", []string{"from", at(10), "to", at(20), "limit", "4", "newest", "1"}, names(16, 20), true},
		{"newest, fewer than the limit", []string{"from", at(10), "to", at(13), "limit", "4", "newest", "1"}, names(10, 13), false},
		{"with a filter", []string{"from", at(0), "to", at(40), "q", "e1"}, names(10, 20), false},
		{"a histogram over a range, and where it is", []string{"from", at(0), "to", at(100), "limit", "1"}, names(0, 1), true},
	}
	for _, tt := range tests[:len(tests)-1] {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, p.rangeURL(tt.query...))
			c.hello()
			ms := c.untilType("end")
			if got := entriesOf(ms); !slices.Equal(got, tt.want) {
				t.Fatalf("entries: got %v, want %v", got, tt.want)
			}
			end := ms[len(ms)-1]
			if end.Sent != int64(len(tt.want)) || end.Limited != tt.wantLimited || end.Incomplete {
				t.Errorf("end: got %+v, want sent %d, limited %v, complete", end, len(tt.want), tt.wantLimited)
			}
			if ms[0].Type != "progress" || ms[0].Scanned != 0 {
				t.Errorf("first message: got %+v, want progress from 0", ms[0])
			}
			var last, hist msg
			for _, m := range ms {
				switch m.Type {
				case "progress":
					last = m
				case "histogram":
					hist = m
				}
			}
			if last.Scanned != last.Of || last.Scanned != end.Scanned {
				t.Errorf("last progress: got %+v (end scanned %d), want all of it scanned", last, end.Scanned)
			}
			// The histogram counts every match of the range, also past the
			// limit, and only matches.
			var total int64
			for _, cs := range hist.Counts {
				for _, n := range cs {
					total += n
				}
			}
			if !hist.Complete || hist.Buckets != histBuckets || total != end.Matched || end.Matched < end.Sent {
				t.Errorf("final histogram: got %+v (total %d), want complete, %d buckets, counting the %d matches", hist, total, histBuckets, end.Matched)
			}
			if code, err := c.closeCode(5 * time.Second); err != nil || code != ws.StatusNormalClosure {
				t.Errorf("after end: got close %v (%v), want 1000", code, err)
			}
		})
	}

	// The histogram puts each match in its bucket: 100 s over 100 buckets,
	// one entry a second, so e0..e39 fill buckets 0..39 once, at level info.
	hc := dial(t, p.rangeURL(tests[len(tests)-1].query...))
	hc.hello()
	var hist msg
	for _, m := range hc.untilType("end") {
		if m.Type == "histogram" {
			hist = m
		}
	}
	if hist.StepMS != 1000 || len(hist.Counts) != 1 || len(hist.Counts["info"]) != histBuckets {
		t.Fatalf("histogram: got %+v, want 1 s steps of info only", hist)
	}
	for i, n := range hist.Counts["info"] {
		if want := int64(b2i(i < 40)); n != want {
			t.Errorf("bucket %d: got %d, want %d", i, n, want)
		}
	}

	// Every cursor resumes exactly: since= the cursor of e12 gives e13 on.
	c := dial(t, p.rangeURL("from", at(10), "to", at(13)))
	c.hello()
	ms := c.untilType("end")
	var cur string
	for _, m := range ms {
		if m.Type == "entry" && m.Msg == "e12" {
			cur = m.Cursor
		}
	}
	r := dial(t, p.u+"?since="+cur)
	r.hello()
	if got := entriesOf(r.untilMsg("e39")); !slices.Equal(got, names(13, 40)) {
		t.Errorf("resume from a range entry's cursor: got %v, want e13..e39", got)
	}
}

func TestRangeOnePartitionAndEmptyOnes(t *testing.T) {
	p := startPipeline(t, 3, Config{HistoryMargin: time.Second})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var recs []rec
	for i := range 10 {
		at := base.Add(time.Duration(i) * time.Second)
		recs = append(recs, rec{part: 1, own: at, read: at, msg: fmt.Sprintf("e%02d", i)})
	}
	// Partition 2 has data, but none in range; partition 0 none at all.
	recs = append(recs, rec{part: 2, own: base.Add(-time.Hour), read: base.Add(-time.Hour), msg: "old"})
	p.produce(t, recs...)
	p.start(t, 3)
	p.published(t, 11)
	c := dial(t, p.rangeURL("from", rfc(base.Add(2*time.Second)), "to", rfc(base.Add(5*time.Second))))
	c.hello()
	ms := c.untilType("end")
	if got := entriesOf(ms); !slices.Equal(got, names(2, 5)) {
		t.Fatalf("got %v, want %v", got, names(2, 5))
	}
	if end := ms[len(ms)-1]; end.Scanned > 6 {
		t.Errorf("scanned %d records, want only those near the range (at most 6)", end.Scanned)
	}
}

func TestRangeWhereJSONAndLogfmt(t *testing.T) {
	p := startPipeline(t, 2, Config{})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	lines := []string{
		`{"msg":"a","status":200,"user":"alice"}`,
		`{"msg":"b","status":503,"user":"alice"}`,
		`level=error msg=c status=500 user=bob`,
		`level=error msg=d status=502 user=alice`,
		`{"msg":"e","status":"n/a","user":"alice"}`,
	}
	var recs []rec
	for i, l := range lines {
		at := base.Add(time.Duration(i) * time.Second)
		recs = append(recs, rec{part: int32(i % 2), own: at, read: at, msg: l})
	}
	p.produce(t, recs...)
	p.start(t, 2)
	p.published(t, len(lines))
	for _, tt := range []struct {
		wheres []string
		want   []string
	}{
		{[]string{"status>=500"}, []string{"b", "c", "d"}},
		{[]string{"status>=500", "user!=bob"}, []string{"b", "d"}},
		{[]string{"user=alice"}, []string{"a", "b", "d", "e"}},
		{[]string{"status=n/a"}, []string{"e"}},
	} {
		q := []string{"from", rfc(base.Add(-time.Minute)), "to", rfc(base.Add(time.Minute))}
		for _, w := range tt.wheres {
			q = append(q, "where", w)
		}
		c := dial(t, p.rangeURL(q...))
		c.hello()
		if got := entriesOf(c.untilType("end")); !slices.Equal(got, tt.want) {
			t.Errorf("where %v: got %v, want %v", tt.wheres, got, tt.want)
		}
	}
}

func TestRangeForeignRecordsAndSkew(t *testing.T) {
	p := startPipeline(t, 1, Config{HistoryMargin: time.Minute})
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	p.produce(t,
		rec{part: 0, read: base, msg: "foreign one", raw: true},
		// A file read long after it was written: own time in range, read an
		// hour later, next to a record read in range.
		rec{part: 0, own: base.Add(time.Second), read: base.Add(2 * time.Second), msg: "near"},
		rec{part: 0, own: base.Add(3 * time.Second), read: base.Add(3 * time.Second), msg: "in range"},
		rec{part: 0, read: base.Add(5 * time.Second), msg: "foreign two", raw: true},
		rec{part: 0, own: base.Add(4 * time.Second), read: base.Add(4*time.Second + 10*time.Minute), msg: "late"},
	)
	p.start(t, 1)
	p.published(t, 5)
	c := dial(t, p.rangeURL("from", rfc(base), "to", rfc(base.Add(10*time.Second))))
	c.hello()
	ms := c.untilType("end")
	// "late" was read ten minutes after the range, past the margin, so it is
	// not found; the foreign records have their read time as their time.
	if got, want := entriesOf(ms), []string{"foreign one", "near", "in range", "foreign two"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if end := ms[len(ms)-1]; end.Incomplete {
		t.Errorf("nothing seen skewed in the window: got incomplete %q", end.Reason)
	}
	// A range around "late"'s own time with its read time inside the
	// window finds it, and says entries like it may be missing.
	c = dial(t, p.rangeURL("from", rfc(base), "to", rfc(base.Add(10*time.Minute))))
	c.hello()
	ms = c.untilType("end")
	if got, want := entriesOf(ms), []string{"foreign one", "near", "in range", "foreign two", "late"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v (one partition keeps its offset order)", got, want)
	}
	if end := ms[len(ms)-1]; !end.Incomplete || !strings.Contains(end.Reason, "1 entries in range were read more than 1m0s") {
		t.Errorf("end: got %+v, want incomplete because of 1 skewed entry", end)
	}
}

func TestRangeThenLiveNoDuplicateNoGap(t *testing.T) {
	p := startPipeline(t, 3, Config{HistoryMargin: time.Second})
	base := time.Now().Add(-time.Minute).Truncate(time.Second)
	p.produce(t, spread(base, 30, 3)...)
	p.start(t, 3)
	p.published(t, 30)
	// Publish more while the client connects and scans.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var more []rec
		for i := 30; i < 90; i++ {
			at := time.Now()
			more = append(more, rec{part: int32(i) % 3, own: at, read: at, msg: fmt.Sprintf("e%02d", i)})
		}
		if err := p.send(more...); err != nil {
			t.Error(err)
		}
	}()
	c := dial(t, p.rangeURL("from", rfc(base.Add(5*time.Second))))
	c.hello()
	// Until e05..e89 are all in: partitions are delivered live each at
	// its own pace, so e89 may come before e88.
	var ms []msg
	for have := map[string]bool{}; len(have) < 85; {
		m := c.next()
		ms = append(ms, m)
		if m.Type == "entry" {
			have[m.Msg] = true
		}
	}
	wg.Wait()
	// Per partition, offsets in order, each once: entries are named by
	// index, and index i is in partition i%3 at offset i/3.
	next := map[int32]int{}
	seen := map[string]bool{}
	sawEnd := false
	for _, m := range ms {
		switch m.Type {
		case "end":
			sawEnd = true
		case "entry":
			var i int
			fmt.Sscanf(m.Msg, "e%d", &i)
			if seen[m.Msg] {
				t.Fatalf("%s twice", m.Msg)
			}
			seen[m.Msg] = true
			if p, want := int32(i%3), next[int32(i%3)]; i/3 < want {
				t.Fatalf("partition %d: %s out of order", p, m.Msg)
			}
			next[int32(i%3)] = i/3 + 1
		}
	}
	if !sawEnd {
		t.Errorf("no end message between the range and live")
	}
	for i := 5; i < 90; i++ {
		if !seen[fmt.Sprintf("e%02d", i)] {
			t.Errorf("e%02d missing (gap)", i)
		}
	}
	for i := range 5 {
		if seen[fmt.Sprintf("e%02d", i)] {
			t.Errorf("e%02d is before the range, got it", i)
		}
	}
}

// blockingFetcher serves offsets [0, n) of partition 0, the first few at
// once, then blocks until ctx ends: a long scan.
type blockingFetcher struct {
	at      time.Time
	n       int64
	started chan struct{}
	once    sync.Once
}

func (f *blockingFetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	for o := from; o < min(to, 3); o++ {
		e := entry("api", "h", lInfo, fmt.Sprintf("o%d", o))
		e.TimeUnixNano, e.ReadTimeUnixNano = f.at.UnixNano(), f.at.UnixNano()
		if err := fn(o, e); err != nil {
			return 0, err
		}
	}
	f.once.Do(func() { close(f.started) })
	<-ctx.Done()
	return 0, ctx.Err()
}

func (f *blockingFetcher) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	if t.After(f.at.Add(time.Hour)) {
		return f.n, 0, nil
	}
	return 0, 0, nil
}

func TestRangeDisconnectStopsScan(t *testing.T) {
	reg := prometheus.NewRegistry()
	bf := &blockingFetcher{at: time.Now().Add(-time.Hour), n: 1_000_000, started: make(chan struct{})}
	s, u := testServer(t, Config{Fetcher: bf, Registerer: reg, HistoryQueries: 1})
	s.Begin(0, 1_000_000)
	c := dial(t, u+"?from=2h&to=1m")
	c.hello()
	<-bf.started
	if got := gaugeValue(s.m.hist.running); got != 1 {
		t.Fatalf("running queries: got %v, want 1", got)
	}
	// A second query is refused while the first runs (HistoryQueries 1).
	if _, err := tryDial(t, u+"?from=2h&to=1m", nil); err == nil || !strings.Contains(err.Error(), "429") {
		t.Errorf("second query: got %v, want HTTP 429", err)
	}
	if got := counterValue(s.m.hist.refused); got != 1 {
		t.Errorf("refused: got %v, want 1", got)
	}
	c.conn.Close()
	wait.For(t, 10*time.Second, "the query to stop", func() bool {
		return counterValue(s.m.hist.queries.WithLabelValues(histStopped)) == 1 && gaugeValue(s.m.hist.running) == 0
	})
	if got := counterValue(s.m.hist.scanned); got != 3 {
		t.Errorf("scanned: got %v, want the 3 records read before the client left", got)
	}
	// The slot is free again.
	c2 := dial(t, u+"?from=2h&to=1m")
	c2.hello()
}

func TestRangeFilterMessageStopsScan(t *testing.T) {
	bf := &blockingFetcher{at: time.Now().Add(-time.Hour), n: 1_000_000, started: make(chan struct{})}
	s, u := testServer(t, Config{Fetcher: bf})
	s.Begin(0, 1_000_000)
	c := dial(t, u+"?from=2h")
	c.hello()
	<-bf.started
	c.send(`{"type":"filter","q":"live"}`)
	ms := c.untilType("end")
	if end := ms[len(ms)-1]; end.Stopped != "filter" {
		t.Fatalf("end: got %+v, want stopped by the filter", end)
	}
	// Then live, under the new filter.
	waitClients(t, s, 1)
	s.Publish(0, 1_000_000, entry("api", "h", lInfo, "not this"))
	s.Publish(0, 1_000_001, entry("api", "h", lInfo, "live one"))
	if got := entriesOf(c.untilMsg("live one")); !slices.Equal(got, []string{"live one"}) {
		t.Errorf("after the filter message: got %v, want [live one]", got)
	}
}

func TestRangeBeforeRetention(t *testing.T) {
	at := time.Now().Add(-time.Hour)
	ff := &fakeFetcher{entries: map[int32][]*logpb.LogEntry{}, logStart: map[int32]int64{0: 5}}
	for o := range 10 {
		e := entry("api", "h", lInfo, fmt.Sprintf("o%d", o))
		e.TimeUnixNano = at.Add(time.Duration(o) * time.Second).UnixNano()
		e.ReadTimeUnixNano = e.TimeUnixNano
		ff.entries[0] = append(ff.entries[0], e)
	}
	s, u := testServer(t, Config{Fetcher: ff})
	s.Begin(0, 10)
	c := dial(t, u+"?from=3h&to=1m")
	c.hello()
	ms := c.untilType("end")
	if ms[0].Type != "gap" || ms[0].Missed != 5 {
		t.Fatalf("first message: got %+v, want a gap of 5", ms[0])
	}
	if got, want := entriesOf(ms), []string{"o5", "o6", "o7", "o8", "o9"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if end := ms[len(ms)-1]; !end.Incomplete || !strings.Contains(end.Reason, "retention") {
		t.Errorf("end: got %+v, want incomplete because of retention", end)
	}
}

func TestRangeBadRequests(t *testing.T) {
	s, u := testServer(t, Config{Fetcher: &fakeFetcher{}})
	s.Begin(0, 0)
	for _, tt := range []struct{ query, reason string }{
		{"from=yesterday", "RFC 3339"},
		{"to=1h", "needs from"},
		{"from=1h&to=2h", "must be after"},
		{"from=1h&limit=0", "limit"},
		{"from=1h&limit=100001", "limit"},
		{"from=1h&newest=yes", "newest"},
		{"from=1h&since=AQA", "since"},
	} {
		resp, err := http.Get("http" + strings.TrimPrefix(u, "ws") + "?" + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		_, _ = fmt.Fprint(&body, readBody(resp))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body.String(), tt.reason) {
			t.Errorf("%s: got %d %q, want 400 saying %q", tt.query, resp.StatusCode, body.String(), tt.reason)
		}
	}
	_, u2 := testServer(t, Config{})
	resp, err := http.Get("http" + strings.TrimPrefix(u2, "ws") + "?from=1h")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("without a fetcher: got %d, want 501", resp.StatusCode)
	}
}

func TestRangeCloseMidScanStopsIt(t *testing.T) {
	bf := &blockingFetcher{at: time.Now().Add(-time.Hour), n: 1_000_000, started: make(chan struct{})}
	s, u := testServer(t, Config{Fetcher: bf})
	s.Begin(0, 1_000_000)
	c := dial(t, u+"?from=2h&to=1m")
	c.hello()
	<-bf.started
	// A polite close: the server echoes it and stops the scan, without
	// waiting for the peer to hang up.
	if err := wsutil.WriteClientMessage(c.conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")); err != nil {
		t.Fatal(err)
	}
	if code, err := c.closeCode(5 * time.Second); err != nil || code != ws.StatusNormalClosure {
		t.Fatalf("got close %v (%v), want the 1000 echoed", code, err)
	}
	wait.For(t, 5*time.Second, "the query to stop", func() bool {
		return counterValue(s.m.hist.queries.WithLabelValues(histStopped)) == 1 && gaugeValue(s.m.hist.running) == 0
	})
}

func TestRangeLimitThenLive(t *testing.T) {
	p := startPipeline(t, 1, Config{HistoryMargin: time.Second})
	base := time.Now().Add(-time.Minute).Truncate(time.Second)
	p.produce(t, spread(base, 10, 1)...)
	p.start(t, 1)
	p.published(t, 10)
	c := dial(t, p.rangeURL("from", rfc(base), "limit", "3"))
	c.hello()
	ms := c.untilType("end")
	if got := entriesOf(ms); !slices.Equal(got, names(0, 3)) {
		t.Fatalf("range: got %v, want %v", got, names(0, 3))
	}
	if end := ms[len(ms)-1]; !end.Limited || end.Sent != 3 {
		t.Fatalf("end: got %+v, want limited after 3", end)
	}
	// The rest of the range is skipped, and said so; then live.
	if m := c.next(); m.Type != "gap" || m.Missed != 7 {
		t.Fatalf("after end: got %+v, want a gap of the 7 skipped", m)
	}
	waitClients(t, p.s, 1)
	now := time.Now()
	p.produce(t, rec{part: 0, own: now, read: now, msg: "live"})
	if got := entriesOf(c.untilMsg("live")); !slices.Equal(got, []string{"live"}) {
		t.Errorf("live: got %v, want [live]", got)
	}
}

func TestRangeBudgetPerIP(t *testing.T) {
	bf := &blockingFetcher{at: time.Now().Add(-time.Hour), n: 1_000_000, started: make(chan struct{})}
	s, u := testServer(t, Config{Fetcher: bf, HistoryQueries: 8})
	s.Begin(0, 1_000_000)
	c := dial(t, u+"?from=2h&to=1m")
	c.hello()
	<-bf.started
	resp, err := http.Get("http" + strings.TrimPrefix(u, "ws") + "?from=2h&to=1m")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(resp); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "from 127.0.0.1: at most 1") {
		t.Errorf("second query from one address: got %d %q, want 429 naming the per-address limit", resp.StatusCode, body)
	}
	// A live connection from the same address is not a history query.
	l := dial(t, u)
	l.hello()
}

func TestRangeWaitsForTheConsumerToBegin(t *testing.T) {
	at := time.Now().Add(-time.Hour)
	ff := &fakeFetcher{entries: map[int32][]*logpb.LogEntry{}, logStart: map[int32]int64{}}
	e := entry("api", "h", lInfo, "old")
	e.TimeUnixNano, e.ReadTimeUnixNano = at.UnixNano(), at.UnixNano()
	ff.entries[0] = []*logpb.LogEntry{e}
	s, u := testServer(t, Config{Fetcher: ff})
	c := dial(t, u+"?from=2h&to=1m")
	c.hello()
	// The consumer begins after the client asked (a restart).
	s.Begin(0, 1)
	if got := entriesOf(c.untilType("end")); !slices.Equal(got, []string{"old"}) {
		t.Errorf("got %v, want [old]", got)
	}
}

// brokenFetcher is Kafka unreachable.
type brokenFetcher struct{}

func (brokenFetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	return 0, errors.New("kafka: client has run out of available brokers")
}

func (brokenFetcher) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	return 0, 0, errors.New("kafka: client has run out of available brokers")
}

func TestRangeKafkaDown(t *testing.T) {
	s, u := testServer(t, Config{Fetcher: brokenFetcher{}})
	s.Begin(0, 10)
	c := dial(t, u+"?from=1h&to=1m")
	c.hello()
	m := c.next()
	if m.Type != "error" || !strings.Contains(m.Error, "out of available brokers") {
		t.Fatalf("got %+v, want an error saying why", m)
	}
	if code, err := c.closeCode(5 * time.Second); err != nil || code != ws.StatusInternalServerError {
		t.Errorf("got close %v (%v), want 1011", code, err)
	}
	if got := counterValue(s.m.hist.queries.WithLabelValues(histError)); got != 1 {
		t.Errorf("error queries: got %v, want 1", got)
	}
}

// fetchFails finds offsets but cannot read them.
type fetchFails struct{ brokenFetcher }

func (fetchFails) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	if t.Before(time.Now().Add(-30 * time.Minute)) {
		return 0, 0, nil // the range's start
	}
	return 10, 0, nil
}

func TestRangeUnreadPartitionIsIncomplete(t *testing.T) {
	s, u := testServer(t, Config{Fetcher: fetchFails{}})
	s.Begin(0, 10)
	c := dial(t, u+"?from=1h&to=1m")
	c.hello()
	ms := c.untilType("end")
	if end := ms[len(ms)-1]; !end.Incomplete || !strings.Contains(end.Reason, "1 partitions could not be read") {
		t.Errorf("end: got %+v, want incomplete because a partition could not be read", end)
	}
}
