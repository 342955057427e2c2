package collector

import (
	"sync"
	"testing"
)

func newWindow(off int64) *window {
	w := &window{}
	w.begin(off)
	return w
}

func TestWindowOffset(t *testing.T) {
	tests := []struct {
		name  string
		ends  []int64
		order []int // entries acknowledged, by index, in this order
		want  int64
		idle  bool
	}{
		{"in order", []int64{10, 20, 30}, []int{0, 1, 2}, 30, true},
		{"gap holds the offset", []int64{10, 20, 30}, []int{0, 2}, 10, false},
		{"gap filled", []int64{10, 20, 30}, []int{2, 1, 0}, 30, true},
		{"nothing acked", []int64{10, 20}, nil, 5, false},
		{"nothing tracked", nil, nil, 5, true},
		{"acked twice", []int64{10, 20}, []int{0, 0}, 10, false},
		{"only the last", []int64{10, 20, 30}, []int{2}, 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(5)
			var seqs []uint64
			for _, e := range tt.ends {
				_, s := w.track(e)
				seqs = append(seqs, s)
			}
			for _, i := range tt.order {
				w.ack(0, seqs[i])
			}
			if got := w.offset(); got != tt.want {
				t.Fatalf("got offset %d, want %d", got, tt.want)
			}
			if got := w.idle(); got != tt.idle {
				t.Fatalf("got idle %v, want %v", got, tt.idle)
			}
		})
	}
}

func TestWindowReset(t *testing.T) {
	w := newWindow(0)
	gen0, s0 := w.track(100)
	_, s1 := w.track(200)
	w.reset(0) // truncated
	w.ack(gen0, s0)
	w.ack(gen0, s1)
	if got := w.offset(); got != 0 {
		t.Fatalf("acks from before the truncation: got offset %d, want 0", got)
	}
	gen1, s2 := w.track(50)
	if gen1 == gen0 {
		t.Fatalf("got generation %d after reset, want a new one", gen1)
	}
	if s2 == s0 || s2 == s1 {
		t.Fatalf("got seq %d after reset, want one not used before", s2)
	}
	w.ack(gen1, s2)
	if got := w.offset(); got != 50 {
		t.Fatalf("got offset %d, want 50", got)
	}
	w.ack(gen1, s2+10) // never tracked
	if got := w.offset(); got != 50 {
		t.Fatalf("ack of an untracked seq: got offset %d, want 50", got)
	}
}

// TestWindowCompacts tracks far more entries than the compaction threshold
// with acknowledgements trailing behind: the offset stays exact and the
// pending slice does not keep every entry.
func TestWindowCompacts(t *testing.T) {
	w := newWindow(0)
	const n, lag = 10000, 100
	var gens, seqs []uint64
	for i := range n {
		g, s := w.track(int64(i+1) * 10)
		gens, seqs = append(gens, g), append(seqs, s)
		if i >= lag {
			w.ack(gens[i-lag], seqs[i-lag])
		}
	}
	if got, want := w.offset(), int64(n-lag)*10; got != want {
		t.Fatalf("got offset %d, want %d", got, want)
	}
	w.mu.Lock()
	kept := len(w.pending)
	w.mu.Unlock()
	if kept > 4*1024 {
		t.Fatalf("got %d pending entries kept, want compaction to bound them", kept)
	}
	for i := n - lag; i < n; i++ {
		w.ack(gens[i], seqs[i])
	}
	if got, want := w.offset(), int64(n)*10; got != want || !w.idle() {
		t.Fatalf("got offset %d idle %v, want %d true", got, w.idle(), want)
	}
}

// TestWindowConcurrentAcks acknowledges from another goroutine, as the
// producer's success loop does, in a shuffled order: every entry counted,
// the offset ends at the last End (run with -race).
func TestWindowConcurrentAcks(t *testing.T) {
	w := newWindow(0)
	const n = 2000
	type ack struct{ gen, seq uint64 }
	acks := make(chan ack, n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var held []ack
		for a := range acks {
			held = append(held, a)
			if len(held) == 3 { // acknowledge out of order: 3rd, 1st, 2nd
				w.ack(held[2].gen, held[2].seq)
				w.ack(held[0].gen, held[0].seq)
				w.ack(held[1].gen, held[1].seq)
				held = held[:0]
			}
		}
		for _, a := range held {
			w.ack(a.gen, a.seq)
		}
	}()
	for i := range n {
		g, s := w.track(int64(i + 1))
		acks <- ack{g, s}
	}
	close(acks)
	wg.Wait()
	if got := w.offset(); got != n {
		t.Fatalf("got offset %d, want %d", got, n)
	}
}

// TestWindowBatches: entries tracked a batch at a time and acknowledged in
// runs, as handOff and the success loop do, give the offsets one at a time
// would.
func TestWindowBatches(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]int64 // ends, tracked one batch at a time
		runs    [][]int   // entries acknowledged, by index over every batch, one run at a time
		reset   int       // before run reset (1-based; 0: none), the window is reset to 0
		want    int64
		idle    bool
	}{
		{"one batch, one run", [][]int64{{10, 20, 30}}, [][]int{{0, 1, 2}}, 0, 30, true},
		{"two batches, run across them", [][]int64{{10, 20}, {30, 40}}, [][]int{{1, 2, 0}}, 0, 30, false},
		{"gap filled by a later run", [][]int64{{10, 20, 30}}, [][]int{{0, 2}, {1}}, 0, 30, true},
		{"run with a duplicate", [][]int64{{10, 20}}, [][]int{{0, 0}}, 0, 10, false},
		{"empty batch tracks nothing", [][]int64{{}, {10}}, [][]int{{0}}, 0, 10, true},
		{"acks from before a reset ignored", [][]int64{{10, 20}}, [][]int{{0}, {1}}, 2, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(0)
			var ids []ackID
			for _, b := range tt.batches {
				gen, first := w.trackAll(b)
				for i := range b {
					ids = append(ids, ackID{gen, first + uint64(i)})
				}
			}
			for r, run := range tt.runs {
				if r+1 == tt.reset {
					w.reset(0)
				}
				var batch []ackID
				for _, i := range run {
					batch = append(batch, ids[i])
				}
				w.ackAll(batch)
			}
			if got := w.offset(); got != tt.want {
				t.Fatalf("got offset %d, want %d", got, tt.want)
			}
			if got := w.idle(); got != tt.idle {
				t.Fatalf("got idle %v, want %v", got, tt.idle)
			}
		})
	}
}

// track is trackAll for one entry.
func (w *window) track(end int64) (gen, seq uint64) { return w.trackAll([]int64{end}) }

// ack is ackAll for one entry.
func (w *window) ack(gen, seq uint64) { w.ackAll([]ackID{{gen, seq}}) }
