package pusher

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tailcast/tailcast/proto/logpb"
)

// fakeFetcher serves partitions from memory, holding offsets from logStart.
type fakeFetcher struct {
	mu       sync.Mutex
	entries  map[int32][]*logpb.LogEntry // index = offset
	logStart map[int32]int64
	calls    []fetchRange
}

func (f *fakeFetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fetchRange{p, from, to})
	es, start := f.entries[p], f.logStart[p]
	f.mu.Unlock()
	for o := max(from, start); o < to && o < int64(len(es)); o++ {
		if err := fn(o, es[o]); err != nil {
			return start, err
		}
	}
	return start, nil
}

func seqEntry(p int32, o int64) *logpb.LogEntry {
	return entry("api", "h", lInfo, fmt.Sprintf("p%d-o%d", p, o))
}

// checkStream checks that entries are, per partition, exactly the offsets
// (from[p], to[p]] in order, and returns the last cursor seen.
func checkStream(t *testing.T, ms []msg, from, to map[int32]int64) string {
	t.Helper()
	next := map[int32]int64{}
	for p, o := range from {
		next[p] = o + 1
	}
	var cursor string
	for _, m := range ms {
		if m.Type != "entry" {
			t.Fatalf("got %q message %+v, want only entries", m.Type, m)
		}
		var p int32
		var o int64
		if _, err := fmt.Sscanf(m.Msg, "p%d-o%d", &p, &o); err != nil {
			t.Fatalf("entry %q: %v", m.Msg, err)
		}
		if o != next[p] {
			t.Fatalf("partition %d: got offset %d, want %d (duplicate or gap)", p, o, next[p])
		}
		next[p]++
		// The cursor names this entry's own position.
		v, err := decodeCursor(m.Cursor)
		if err != nil {
			t.Fatalf("cursor %q: %v", m.Cursor, err)
		}
		if got, _ := vecGet(v, p); got != o {
			t.Fatalf("entry %q: cursor has offset %d for its partition, want %d", m.Msg, got, o)
		}
		cursor = m.Cursor
	}
	for p, o := range to {
		if next[p] != o+1 {
			t.Errorf("partition %d: stream ended at %d, want through %d", p, next[p]-1, o)
		}
	}
	return cursor
}

// readN reads n entries (failing on timeout).
func readN(c *wsClient, n int) []msg {
	c.t.Helper()
	out := make([]msg, 0, n)
	for len(out) < n {
		m := c.next()
		out = append(out, m)
	}
	return out
}

func TestSinceFromRingWhilePublishing(t *testing.T) {
	s, u := testServer(t, Config{})
	const parts, first, total = 3, 100, 2000
	for p := range int32(parts) {
		s.Begin(p, 0)
	}
	for o := range int64(first) {
		for p := range int32(parts) {
			s.Publish(p, o, seqEntry(p, o))
		}
	}
	a := dial(t, u+"?backfill=10000")
	a.hello()
	got := readN(a, parts*first)
	checkStream(t, got, map[int32]int64{0: -1, 1: -1, 2: -1}, map[int32]int64{0: first - 1, 1: first - 1, 2: first - 1})
	// Resume after the 130th entry while three partitions publish
	// concurrently, as the consumer does.
	cut := got[129].Cursor
	cutVec, _ := decodeCursor(cut)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for p := range int32(parts) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for o := int64(first); o < total; o++ {
				s.Publish(p, o, seqEntry(p, o))
			}
		}()
	}
	close(start)
	b := dial(t, u+"?since="+cut)
	b.hello()
	wg.Wait()
	from := map[int32]int64{}
	want := 0
	for _, e := range cutVec {
		from[e.part] = e.off
		want += int(total - 1 - e.off)
	}
	ms := readN(b, want)
	last := checkStream(t, ms, from, map[int32]int64{0: total - 1, 1: total - 1, 2: total - 1})
	// Resuming from the very end yields nothing but what comes next.
	c := dial(t, u+"?since="+last)
	c.hello()
	s.Publish(1, total, seqEntry(1, total))
	checkStream(t, readN(c, 1), map[int32]int64{1: total - 1}, map[int32]int64{1: total})
}

func TestSinceOlderThanRingReadsKafka(t *testing.T) {
	ff := &fakeFetcher{entries: map[int32][]*logpb.LogEntry{}, logStart: map[int32]int64{}}
	s, u := testServer(t, Config{Fetcher: ff, RingEntries: 10})
	s.Begin(0, 0)
	s.Begin(1, 0)
	for o := range int64(100) {
		for p := range int32(2) {
			e := seqEntry(p, o)
			ff.entries[p] = append(ff.entries[p], e)
			s.Publish(p, o, e)
		}
	}
	c := dial(t, u+"?since="+cursorOf(vecEntry{0, 20}, vecEntry{1, 94}))
	c.hello()
	// Partition 0 needs 21..89 from Kafka and 90..99 from the ring;
	// partition 1 is all in the ring.
	ms := readN(c, 79+5)
	checkStream(t, ms, map[int32]int64{0: 20, 1: 94}, map[int32]int64{0: 99, 1: 99})
	if want := []fetchRange{{0, 21, 22}, {0, 22, 90}}; !slices.Equal(ff.calls, want) {
		t.Errorf("fetches: got %v, want %v", ff.calls, want)
	}
	// A cursor of a Kafka-fetched entry resumes exactly too.
	mid := ms[30] // partition 0, offset 51
	c2 := dial(t, u+"?since="+mid.Cursor)
	c2.hello()
	checkStream(t, readN(c2, 48+5), map[int32]int64{0: 51, 1: 94}, map[int32]int64{0: 99, 1: 99})
}

// A version 1 cursor, written before cursors named their entry's partition,
// resumes exactly like the version 2 cursor of the same position.
func TestSinceVersion1Cursor(t *testing.T) {
	ff := &fakeFetcher{entries: map[int32][]*logpb.LogEntry{}, logStart: map[int32]int64{}}
	s, u := testServer(t, Config{Fetcher: ff, RingEntries: 10})
	s.Begin(0, 0)
	s.Begin(1, 0)
	for o := range int64(50) {
		for p := range int32(2) {
			e := seqEntry(p, o)
			ff.entries[p] = append(ff.entries[p], e)
			s.Publish(p, o, e)
		}
	}
	tests := []struct {
		name     string
		from     map[int32]int64
		wantRead int
	}{
		{"from the ring", map[int32]int64{0: 44, 1: 47}, 5 + 2},
		{"from Kafka", map[int32]int64{0: 10, 1: 45}, 39 + 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, u+"?since="+cursorV1Of(vecEntry{0, tt.from[0]}, vecEntry{1, tt.from[1]}))
			c.hello()
			checkStream(t, readN(c, tt.wantRead), tt.from, map[int32]int64{0: 49, 1: 49})
		})
	}
}

func TestSinceGap(t *testing.T) {
	tests := []struct {
		name    string
		fetcher bool
		missed  int64
		first   int64
	}{
		{"kafka retention passed", true, 39, 60}, // 21..59 gone
		{"no fetcher", false, 69, 90},            // 21..89 not reachable
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff := &fakeFetcher{entries: map[int32][]*logpb.LogEntry{}, logStart: map[int32]int64{0: 60}}
			cfg := Config{RingEntries: 10}
			if tt.fetcher {
				cfg.Fetcher = ff
			}
			s, u := testServer(t, cfg)
			s.Begin(0, 0)
			for o := range int64(100) {
				e := seqEntry(0, o)
				ff.entries[0] = append(ff.entries[0], e)
				s.Publish(0, o, e)
			}
			c := dial(t, u+"?since="+cursorOf(vecEntry{0, 20}))
			c.hello()
			if m := c.next(); m.Type != "gap" || m.Missed != tt.missed {
				t.Fatalf("got %+v, want gap missed=%d", m, tt.missed)
			}
			checkStream(t, readN(c, int(100-tt.first)), map[int32]int64{0: tt.first - 1}, map[int32]int64{0: 99})
		})
	}
}

func TestSinceAfterRestart(t *testing.T) {
	// A fresh server whose consumer resumes at 50 (its last commit) while
	// the client already saw through 70: 50..70 must not repeat, and the
	// cursors must not go back below 70.
	s, u := testServer(t, Config{})
	s.Begin(0, 50)
	s.Begin(1, 10)
	c := dial(t, u+"?since="+cursorOf(vecEntry{0, 70}, vecEntry{1, 9}))
	c.hello()
	for o := int64(50); o < 80; o++ {
		s.Publish(0, o, seqEntry(0, o))
	}
	s.Publish(1, 10, seqEntry(1, 10))
	ms := readN(c, 10)
	checkStream(t, ms, map[int32]int64{0: 70, 1: 9}, map[int32]int64{0: 79, 1: 10})
	for _, m := range ms {
		v, _ := decodeCursor(m.Cursor)
		if o, _ := vecGet(v, 0); o < 70 {
			t.Fatalf("entry %q: cursor offset %d for partition 0, want ≥ 70", m.Msg, o)
		}
	}
}

func TestSinceLackingPartition(t *testing.T) {
	// A partition absent from the cursor is sent from the oldest entry held.
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	s.Begin(1, 0)
	for o := range int64(5) {
		s.Publish(0, o, seqEntry(0, o))
		s.Publish(1, o, seqEntry(1, o))
	}
	c := dial(t, u+"?since="+cursorOf(vecEntry{0, 2}))
	c.hello()
	checkStream(t, readN(c, 2+5), map[int32]int64{0: 2, 1: -1}, map[int32]int64{0: 4, 1: 4})
}

// TestResumeMergedByTime: a resume sends what was missed in entry-time
// order across partitions (issue 15 item 12), from Kafka and from the rings
// alike, and every cursor in it still resumes exactly.
func TestResumeMergedByTime(t *testing.T) {
	ff := &fakeFetcher{entries: map[int32][]*logpb.LogEntry{}, logStart: map[int32]int64{}}
	s, u := testServer(t, Config{Fetcher: ff, RingEntries: 10})
	s.Begin(0, 0)
	s.Begin(1, 0)
	// Partition 0 is published first, all of it: by arrival, its 30
	// entries would all come before partition 1's, but their times
	// interleave (partition 1 is 5 s behind).
	for p := range int32(2) {
		for o := range int64(30) {
			e := seqEntry(p, o)
			e.TimeUnixNano = (1000 + 10*o - 5*int64(p)) * 1e9
			ff.entries[p] = append(ff.entries[p], e)
			s.Publish(p, o, e)
		}
	}
	since := map[int32]int64{0: 4, 1: 4}
	c := dial(t, u+"?since="+cursorOf(vecEntry{0, 4}, vecEntry{1, 4}))
	c.hello()
	ms := readN(c, 50) // partition 0 from Kafka (5..19) and the ring (20..29), partition 1 likewise
	checkStream(t, ms, since, map[int32]int64{0: 29, 1: 29})
	for i := 1; i < len(ms); i++ {
		if ms[i].TS < ms[i-1].TS {
			t.Fatalf("entry %d (%s at %s) comes after %s at %s: want entry-time order", i, ms[i].Msg, ms[i].TS, ms[i-1].Msg, ms[i-1].TS)
		}
	}
	if ms[0].Msg != "p1-o5" || ms[1].Msg != "p0-o5" {
		t.Errorf("first two: got %s, %s; want p1-o5, p0-o5 (partition 1 is 5 s earlier)", ms[0].Msg, ms[1].Msg)
	}
	// Any line's cursor resumes exactly where that line was.
	for _, i := range []int{0, 13, 29, 30, 48} {
		v, err := decodeCursor(ms[i].Cursor)
		if err != nil {
			t.Fatal(err)
		}
		from := map[int32]int64{}
		for _, e := range v {
			from[e.part] = e.off
		}
		c2 := dial(t, u+"?since="+ms[i].Cursor)
		c2.hello()
		rest := readN(c2, 49-i)
		checkStream(t, rest, from, map[int32]int64{0: 29, 1: 29})
		if got, want := msgs(rest), msgs(ms[i+1:]); !slices.Equal(got, want) {
			t.Errorf("resume from line %d: got %v, want %v", i, got, want)
		}
	}
}
