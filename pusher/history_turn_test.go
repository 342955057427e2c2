package pusher

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

func TestTurnTake(t *testing.T) {
	for _, tt := range []struct {
		name     string
		share    float64
		live     bool
		wantHeld bool
	}{
		{"live: a turn is taken", 0.25, true, true},
		{"nothing live: none is needed", 0.25, false, false},
		{"no pacing: none is needed", -1, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lp := newLivePace(tt.share, func(time.Duration) {})
			if tt.live {
				lp.liveAt.Store(time.Now().UnixNano())
			}
			p := lp.start()
			defer p.done()
			tn := p.newTurn()
			release, err := tn.take(context.Background())
			if err != nil {
				t.Fatalf("take: %v", err)
			}
			if tn.held != tt.wantHeld {
				t.Errorf("held: got %v, want %v", tn.held, tt.wantHeld)
			}
			release()
			release() // twice is safe
			if tn.held || lp.turns != nil && len(lp.turns) != 0 {
				t.Errorf("after release: held %v, %d turns taken; want none", tn.held, len(lp.turns))
			}
		})
	}
}

func TestTurnTakeEndsWithContext(t *testing.T) {
	lp := newLivePace(0.25, func(time.Duration) {})
	lp.liveAt.Store(time.Now().UnixNano())
	for range cap(lp.turns) { // every turn is taken
		p := lp.start()
		defer p.done()
		if _, err := p.newTurn().take(context.Background()); err != nil {
			t.Fatalf("take: %v", err)
		}
	}
	p := lp.start()
	defer p.done()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.newTurn().take(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("take with every turn taken and an ending context: got %v, want context.DeadlineExceeded", err)
	}
}

// turnFetcher serves a range scan of every partition: n matching entries
// each, their times interleaved across partitions, in responses of batch
// records, taking a turn for each response as the consumer does. It
// records how many readers handled records at once.
type turnFetcher struct {
	at           time.Time
	parts, n     int
	batch        int
	holding, max atomic.Int64
}

func (f *turnFetcher) Fetch(context.Context, int32, int64, int64, func(int64, *logpb.LogEntry) error) (int64, error) {
	return 0, errors.New("turnFetcher only scans")
}

func (f *turnFetcher) Scan(ctx context.Context, p int32, from, to int64, h ScanHooks, fn func(int64, *logpb.LogEntry, int) error) (int64, error) {
	for o := from; o < min(to, int64(f.n)); {
		release, err := h.Turn(ctx)
		if err != nil {
			return 0, err
		}
		for end := min(o+int64(f.batch), to, int64(f.n)); o < end; o++ {
			// Decoding, which only readers holding a turn do.
			if n := f.holding.Add(1); n > f.max.Load() {
				f.max.Store(n)
			}
			e := entry("api", "h", lInfo, fmt.Sprintf("m %d %d", p, o))
			ts := f.at.Add(time.Duration(o*int64(f.parts)+int64(p)) * time.Microsecond).UnixNano()
			e.TimeUnixNano, e.ReadTimeUnixNano = ts, ts
			f.holding.Add(-1)
			if err := fn(o, e, 100); err != nil {
				release()
				return 0, err
			}
		}
		release()
	}
	return 0, nil
}

func (f *turnFetcher) OffsetForTime(_ context.Context, _ int32, t time.Time) (int64, int64, error) {
	if t.After(f.at.Add(30 * time.Minute)) {
		return 1 << 40, 0, nil
	}
	return 0, 0, nil
}

// TestRangeScanTakesTurns scans four partitions while live entries are
// delivered: no more readers than there are turns handle records at once,
// and the scan still sends every entry in time order although each
// reader's records fill its channel long before the merge can take them
// (it needs every partition's next entry), so readers must give their
// turns up while they wait for it.
func TestRangeScanTakesTurns(t *testing.T) {
	// n is well past fetchBuffer, and a response fills a reader's channel.
	const parts, n = 4, 1000
	ff := &turnFetcher{at: time.Now().Add(-time.Hour), parts: parts, n: n, batch: 2 * fetchBuffer}
	s, u := testServer(t, Config{Fetcher: ff, Registerer: prometheus.NewRegistry()})
	for p := range parts {
		s.Begin(int32(p), 0)
	}
	live := dial(t, u)
	live.hello()
	stop := publishLive(t, s, live)
	defer stop()
	wait.For(t, 10*time.Second, "live delivery within liveRecent", func() bool { return s.pace.live(time.Now()) })

	c := dial(t, u+"?from=2h&to=1m&q=m&limit=100000")
	c.hello()
	ms := c.untilType("end")
	got := entriesOf(ms)
	if len(got) != parts*n {
		t.Fatalf("entries: got %d, want %d", len(got), parts*n)
	}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return order(got[i]) < order(got[j]) }) {
		t.Errorf("entries not in time order: %v ...", got[:min(len(got), 10)])
	}
	if m, turns := ff.max.Load(), int64(max(1, runtime.GOMAXPROCS(0)-1)); m > turns {
		t.Errorf("readers handling records at once: got %d, want at most %d", m, turns)
	}
}

// order is an entry "m P O"'s time order in turnFetcher's interleaving.
func order(msg string) int {
	f := strings.Fields(msg)
	p, _ := strconv.Atoi(f[1])
	o, _ := strconv.Atoi(f[2])
	return o*4 + p
}
