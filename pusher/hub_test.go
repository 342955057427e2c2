package pusher

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"

	"github.com/tailcast/tailcast/proto/logpb"
)

func TestRingBounds(t *testing.T) {
	tests := []struct {
		name        string
		cfg         Config
		busy, idle  int   // entries published to partition 0 and 1
		wantHeld    []int // per partition
		wantLogSize int   // hub slots, holes included
	}{
		{"entries bound", Config{RingEntries: 10}, 100, 0, []int{10, 0}, 10},
		{"bytes bound", Config{RingEntries: 1000, RingBytes: 2000}, 100, 0, []int{-1, 0}, 20},
		// An old record of an idle partition must not pin the busy
		// partition's evicted slots forever.
		{"idle partition", Config{RingEntries: 10}, 100, 1, []int{10, 0}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.fill(); err != nil {
				t.Fatal(err)
			}
			h := newHub(tt.cfg.RingEntries, tt.cfg.RingBytes, nil, nil)
			h.Begin(0, 0)
			h.Begin(1, 0)
			for o := range int64(tt.idle) {
				h.Publish(1, o, seqEntry(1, o))
			}
			for o := range int64(tt.busy) {
				h.Publish(0, o, seqEntry(0, o)) // ~300 bytes each
			}
			h.mu.RLock()
			defer h.mu.RUnlock()
			for p, want := range tt.wantHeld {
				ps := h.parts[int32(p)]
				if want < 0 {
					// Bytes-bound: within the budget, and one more would not fit.
					line := int64(len(ps.held()[0].line))
					if ps.bytes > tt.cfg.RingBytes || ps.bytes+line <= tt.cfg.RingBytes {
						t.Errorf("partition %d holds %d bytes, want within %d but no room for another %d", p, ps.bytes, tt.cfg.RingBytes, line)
					}
					continue
				}
				if got := len(ps.held()); got != want {
					t.Errorf("partition %d holds %d entries, want %d", p, got, want)
				}
			}
			if got := h.log.len(); got > tt.wantLogSize+1 {
				t.Errorf("log spans %d slots, want at most %d", got, tt.wantLogSize+1)
			}
			// The newest entry is always held, and the ring is in order.
			held := h.parts[0].held()
			if held[len(held)-1].off != int64(tt.busy-1) {
				t.Errorf("newest held offset %d, want %d", held[len(held)-1].off, tt.busy-1)
			}
		})
	}
}

func TestRebalanceDeduplicates(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	c := dial(t, u)
	c.hello()
	for o := range int64(5) {
		s.Publish(0, o, seqEntry(0, o))
	}
	// The partition comes back from an older commit: 3 and 4 are re-read.
	s.Begin(0, 3)
	for o := int64(3); o < 7; o++ {
		s.Publish(0, o, seqEntry(0, o))
	}
	checkStream(t, readN(c, 7), map[int32]int64{0: -1}, map[int32]int64{0: 6})
}

func TestLower(t *testing.T) {
	tests := []struct {
		name, msg, want string
		shared          bool // the message itself is returned
	}{
		{"lower already", "get /api 200", "get /api 200", true},
		{"ascii", "GET /API 200 OK", "get /api 200 ok", false},
		{"other scripts", "ÉCHEC Δ", "échec δ", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p partState
			got := p.lower(tt.msg)
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if shared := len(got) > 0 && unsafe.StringData(got) == unsafe.StringData(tt.msg); shared != tt.shared {
				t.Errorf("got the message itself back %v, want %v", shared, tt.shared)
			}
		})
	}
}

// TestLowerText: the searchable text is the message and each field value
// after a NUL, lowercased, whatever mix of cases and scripts they hold.
func TestLowerText(t *testing.T) {
	tests := []struct {
		name   string
		msg    string
		fields []*logpb.Field
		want   string
	}{
		{"message only", "GET /API", nil, "get /api"},
		{"lower already", "get /api", []*logpb.Field{{Key: "user", Value: "alice"}}, "get /api\x00alice"},
		{"upper in a field only", "get /api", []*logpb.Field{{Key: "id", Value: "7F3A-Z"}}, "get /api\x00" + "7f3a-z"},
		{"upper in both", "Login FAILED", []*logpb.Field{{Key: "user", Value: "Bob"}, {Key: "status", Value: "500"}}, "login failed\x00bob\x00" + "500"},
		{"nil field skipped", "A", []*logpb.Field{nil, {Key: "k", Value: "B"}}, "a\x00b"},
		{"other scripts in a field", "Échec", []*logpb.Field{{Key: "k", Value: "ΔELTA"}}, "échec\x00δelta"},
		{"bytes around the letters", "@[`{Z", []*logpb.Field{{Key: "k", Value: "\x00A"}}, "@[`{z\x00\x00a"},
		{"empty values", "", []*logpb.Field{{Key: "k", Value: ""}}, "\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p partState
			e := &logpb.LogEntry{Message: tt.msg, Fields: tt.fields}
			if got := p.lowerText(e); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPublishAllocs: publishing an entry allocates nothing of its own beyond
// a share of a record chunk and a line block.
func TestPublishAllocs(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Begin(0, 0)
	e := entry("api", "web-1", lInfo, `GET /api/v1/orders/12345 200 12.5ms user="alice"`)
	// Field values are searched by q too: lowercasing them must not
	// allocate per entry either.
	e.Fields = []*logpb.Field{{Key: "request_id", Value: "7F3A9C2E-51D4"}, {Key: "user", Value: "alice"}}
	off := int64(0)
	// AllocsPerRun counts the whole process's allocations: enough runs
	// that goroutines left over from earlier tests cannot reach the bound.
	allocs := testing.AllocsPerRun(20000, func() {
		s.Publish(0, off, e)
		off++
	})
	if allocs > 0.1 {
		t.Fatalf("got %.3f allocations per Publish, want at most 0.1", allocs)
	}
}

// TestSnapshotStaysValid: a snapshot's rings do not change while Publish
// goes on evicting and appending (run with -race: no write may touch what
// a snapshot reads).
func TestSnapshotStaysValid(t *testing.T) {
	h := newHub(50, 1<<30, nil, nil)
	h.Begin(0, 0)
	h.Begin(1, 0)
	for o := range int64(70) {
		h.Publish(0, o, seqEntry(0, o))
	}
	sn, ok := h.snapshot()
	if !ok {
		t.Fatal("snapshot of an open hub failed")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for o := int64(70); o < 2000; o++ {
			h.Publish(0, o, seqEntry(0, o))
			h.Publish(1, o-70, seqEntry(1, o-70))
		}
	}()
	for range 20 {
		pv := sn.part(0)
		if len(pv.held) != 50 {
			t.Fatalf("snapshot holds %d entries of partition 0, want 50", len(pv.held))
		}
		for i, r := range pv.held {
			if want := int64(20 + i); r.off != want || r.msg != seqEntry(0, want).Message {
				t.Fatalf("snapshot slot %d: got offset %d %q, want %d", i, r.off, r.msg, want)
			}
		}
		if pv := sn.part(1); len(pv.held) != 0 || pv.last != -1 {
			t.Fatalf("partition 1 in the snapshot: got %d held, last %d; want 0, -1", len(pv.held), pv.last)
		}
	}
	<-done
	if sn.tail != 70 {
		t.Errorf("snapshot tail %d, want 70", sn.tail)
	}
}

// TestPlanReplay: what a resume or backfill is planned to send, from the
// hub alone.
func TestPlanReplay(t *testing.T) {
	h := newHub(10, 1<<30, nil, nil)
	h.Begin(0, 0)
	h.Begin(1, 100)
	for o := range int64(30) { // partition 0 holds 20..29
		h.Publish(0, o, seqEntry(0, o))
	}
	for o := int64(100); o < 105; o++ { // partition 1 holds 100..104
		h.Publish(1, o, seqEntry(1, o))
	}
	sn, _ := h.snapshot()
	type span struct {
		part     int32
		from, to int64 // offsets of the first and last held entry planned
	}
	tests := []struct {
		name      string
		req       request
		wantFetch []fetchRange
		wantRing  []span
		wantFloor []vecEntry
	}{
		{"within the rings", request{hasSince: true, since: []vecEntry{{0, 24}, {1, 101}}},
			nil, []span{{0, 25, 29}, {1, 102, 104}}, nil},
		{"older than the ring", request{hasSince: true, since: []vecEntry{{0, 5}, {1, 104}}},
			[]fetchRange{{0, 6, 20}}, []span{{0, 20, 29}}, nil},
		{"ahead of the server", request{hasSince: true, since: []vecEntry{{0, 40}, {1, 104}}},
			nil, nil, []vecEntry{{0, 40}}},
		{"partition never begun", request{hasSince: true, since: []vecEntry{{0, 29}, {7, 3}}},
			nil, []span{{1, 100, 104}}, []vecEntry{{7, 3}}},
		{"backfill", request{backfill: 5}, nil, []span{{0, 20, 29}, {1, 100, 104}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := planReplay(&sn, tt.req)
			if !slices.Equal(plan.fetch, tt.wantFetch) {
				t.Errorf("fetch: got %v, want %v", plan.fetch, tt.wantFetch)
			}
			var ring []span
			for _, l := range plan.ring {
				ring = append(ring, span{l[0].part, l[0].off, l[len(l)-1].off})
			}
			if !slices.Equal(ring, tt.wantRing) {
				t.Errorf("ring: got %v, want %v", ring, tt.wantRing)
			}
			if !slices.Equal(plan.floor, tt.wantFloor) {
				t.Errorf("floor: got %v, want %v", plan.floor, tt.wantFloor)
			}
		})
	}
}

// TestMergeOrder: the held entries of several partitions are walked
// newest first by entry time, each partition in its own order.
func TestMergeOrder(t *testing.T) {
	h := newHub(100, 1<<30, nil, nil)
	// Partition 1's clock is 10 s behind: its entries interleave by time,
	// not by arrival.
	for i := range int64(10) {
		e := seqEntry(0, i)
		e.TimeUnixNano = (100 + 10*i) * 1e9
		h.Publish(0, i, e)
	}
	for i := range int64(10) {
		e := seqEntry(1, i)
		e.TimeUnixNano = (95 + 10*i) * 1e9
		h.Publish(1, i, e)
	}
	sn, _ := h.snapshot()
	lists := [][]*record{sn.part(0).held, sn.part(1).held}
	starts := []int{10, 10}
	var got []string
	mergeTimeDesc(lists, starts, func(r *record) bool {
		got = append(got, fmt.Sprintf("%d/%d", r.part, r.off))
		return len(got) < 5
	})
	if want := []string{"0/9", "1/9", "0/8", "1/8", "0/7"}; !slices.Equal(got, want) {
		t.Errorf("newest first by time: got %v, want %v", got, want)
	}
	if want := []int{7, 8}; !slices.Equal(starts, want) {
		t.Errorf("starts: got %v, want %v", starts, want)
	}
}
