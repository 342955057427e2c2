package pusher

import (
	"testing"
	"unsafe"
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
			s, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.Begin(0, 0)
			s.Begin(1, 0)
			for o := range int64(tt.idle) {
				s.Publish(1, o, seqEntry(1, o))
			}
			for o := range int64(tt.busy) {
				s.Publish(0, o, seqEntry(0, o)) // ~300 bytes each
			}
			s.mu.RLock()
			defer s.mu.RUnlock()
			for p, want := range tt.wantHeld {
				ps := s.parts[int32(p)]
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
			if got := s.hub.len(); got > tt.wantLogSize+1 {
				t.Errorf("log spans %d slots, want at most %d", got, tt.wantLogSize+1)
			}
			// The newest entry is always held, and the ring is in order.
			held := s.parts[0].held()
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
