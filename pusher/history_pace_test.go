package pusher

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

func TestPacerRests(t *testing.T) {
	const never = -1
	for _, tt := range []struct {
		name    string
		cpus    float64       // the readers' budget; 0: no pacing
		readers int           // running, this one included
		liveAgo time.Duration // never: no live delivery yet
		took    time.Duration // the request
		want    time.Duration // the rest; 0: none
	}{
		{"one CPU for two readers: each rests as long as its request took", 1, 2, time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond},
		{"one CPU for three readers: twice as long", 1, 3, time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond},
		{"one CPU for four readers: three times as long", 1, 4, time.Millisecond, 2 * time.Millisecond, 6 * time.Millisecond},
		{"a CPU each: no rest", 2, 2, time.Millisecond, 4 * time.Millisecond, 0},
		{"a long request: the rest is capped", 1, 2, time.Millisecond, time.Second, paceMaxRest},
		{"live delivery long ago", 1, 2, 2 * liveRecent, 4 * time.Millisecond, 0},
		{"no live delivery ever", 1, 2, never, 4 * time.Millisecond, 0},
		{"no pacing", 0, 2, time.Millisecond, 4 * time.Millisecond, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
			var rests []time.Duration
			lp := &livePace{cpus: tt.cpus, rested: func(d time.Duration) { rests = append(rests, d) }}
			if tt.liveAgo != never {
				lp.liveAt.Store(now.Add(-tt.liveAgo).UnixNano())
			}
			var ps []*pacer
			for range tt.readers {
				ps = append(ps, lp.start())
			}
			p := ps[0]
			p.now = func() time.Time { return now }
			var slept []time.Duration
			p.sleep = func(_ context.Context, d time.Duration) error {
				slept = append(slept, d)
				now = now.Add(d)
				return nil
			}
			if err := p.pace(context.Background(), tt.took); err != nil {
				t.Fatalf("pace: %v", err)
			}
			var want []time.Duration
			if tt.want > 0 {
				want = []time.Duration{tt.want}
			}
			if !slices.Equal(slept, want) || !slices.Equal(rests, want) {
				t.Errorf("slept %v, counted %v, want %v", slept, rests, want)
			}
			for _, p := range ps {
				p.done()
			}
			if n := lp.readers.Load(); n != 0 {
				t.Errorf("readers after all are done: got %d, want 0", n)
			}
		})
	}
}

func TestNewLivePace(t *testing.T) {
	cpus := float64(runtime.GOMAXPROCS(0))
	for _, tt := range []struct {
		share, want float64
	}{
		{0.5, cpus / 2},
		{1, cpus},
		{-1, 0},
	} {
		if got := newLivePace(tt.share, nil).cpus; got != tt.want {
			t.Errorf("share %v: got a budget of %v CPUs, want %v", tt.share, got, tt.want)
		}
	}
}

func TestPacerRestEndsWithContext(t *testing.T) {
	lp := &livePace{cpus: 0.01, rested: func(time.Duration) {}} // rests of paceMaxRest
	lp.liveAt.Store(time.Now().UnixNano())
	p := lp.start()
	defer p.done()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.pace(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("pace with an ended context: got %v, want context.Canceled", err)
	}
}

// fillFetcher serves a range scan of partition 0 (other partitions are
// empty): records that cannot
// match until more() is false, then the matches "m0", "m1", "m2" at the
// next offsets, then the end of the partition. It counts the records.
type fillFetcher struct {
	at   time.Time
	more func() bool
	fed  atomic.Int64
}

func (f *fillFetcher) Fetch(context.Context, int32, int64, int64, func(int64, *logpb.LogEntry) error) (int64, error) {
	return 0, errors.New("fillFetcher only scans")
}

func (f *fillFetcher) Scan(ctx context.Context, p int32, from, to int64, h ScanHooks, fn func(int64, *logpb.LogEntry, int) error) (int64, error) {
	if p != 0 {
		return 0, nil
	}
	o := from
	last := time.Now()
	for ; o < to && f.more(); o++ {
		if n := f.fed.Add(1); n%fillResponse == 0 {
			// A response's worth read: pace as the consumer does, with
			// how long it took.
			now := time.Now()
			if err := h.Pace(ctx, now.Sub(last)); err != nil {
				return 0, err
			}
			last = time.Now()
		}
		if err := fn(o, nil, 100); err != nil { // ruled out before decoding
			return 0, err
		}
	}
	for i := range 3 {
		e := entry("api", "h", lInfo, fmt.Sprintf("m%d", i))
		e.TimeUnixNano, e.ReadTimeUnixNano = f.at.UnixNano(), f.at.UnixNano()
		f.fed.Add(1)
		if err := fn(o+int64(i), e, 100); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// fillResponse is how many records make a fillFetcher response.
const fillResponse = 500

func (f *fillFetcher) OffsetForTime(_ context.Context, _ int32, t time.Time) (int64, int64, error) {
	if t.After(f.at.Add(time.Hour)) {
		return 1 << 40, 0, nil
	}
	return 0, 0, nil
}

// TestRangeScanRestsForLive scans a range while a live viewer is sent
// entries throughout, and without one: with live delivery the readers rest
// (the metric counts it) and the scan still finishes with every match;
// without it they never rest.
func TestRangeScanRestsForLive(t *testing.T) {
	for _, tt := range []struct {
		name string
		live bool
	}{
		{"live entries delivered meanwhile", true},
		{"nothing live", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ff := &fillFetcher{at: time.Now().Add(-time.Hour)}
			// A quarter of a CPU for the scans, however many the machine has.
			share := 0.25 / float64(runtime.GOMAXPROCS(0))
			s, u := testServer(t, Config{Fetcher: ff, Registerer: prometheus.NewRegistry(), HistoryLiveShare: share})
			s.Begin(0, 0)
			began := time.Now()
			if tt.live {
				// Records that cannot match until the readers have rested:
				// however long that takes, the scan must then finish.
				deadline := time.Now().Add(20 * time.Second)
				ff.more = func() bool { return counterValue(s.m.hist.rests) == 0 && time.Now().Before(deadline) }
				live := dial(t, u)
				live.hello()
				stop := publishLive(t, s, live)
				defer stop()
			} else {
				// Many responses, each of which would rest with live
				// delivery.
				ff.more = func() bool { return time.Since(began) < 300*time.Millisecond }
			}
			c := dial(t, u+"?from=2h&to=1m&q=m")
			c.hello()
			ms := c.untilType("end")
			if got, want := entriesOf(ms), []string{"m0", "m1", "m2"}; !slices.Equal(got, want) {
				t.Errorf("entries: got %v, want %v", got, want)
			}
			end := ms[len(ms)-1]
			if end.Scanned != ff.fed.Load() || end.Sent != 3 || end.Stopped != "" {
				t.Errorf("end: got %+v, want scanned %d, sent 3, not stopped", end, ff.fed.Load())
			}
			rests, rested := counterValue(s.m.hist.rests), counterValue(s.m.hist.rested)
			if tt.live && (rests == 0 || rested <= 0) {
				t.Errorf("with live delivery: got %v rests of %vs in all, want some", rests, rested)
			}
			if !tt.live && rests != 0 {
				t.Errorf("without live delivery: got %v rests, want none", rests)
			}
		})
	}
}

// publishLive publishes an entry on partition 1 every millisecond, which
// the flush loop delivers to live, read meanwhile, until the returned
// stop is called.
func publishLive(t *testing.T, s *Server, live *wsClient) (stop func()) {
	t.Helper()
	s.Begin(1, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for o := int64(0); ; o++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				s.Publish(1, o, entry("api", "h", lInfo, "live"))
			}
		}
	}()
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if _, err := live.nextErr(5 * time.Second); err != nil {
				return
			}
		}
	}()
	wait.For(t, 10*time.Second, "live delivery", func() bool { return s.pace.liveAt.Load() != 0 })
	return func() {
		cancel()
		live.conn.Close()
		wg.Wait()
	}
}

func TestHistoryLiveShareConfig(t *testing.T) {
	for _, tt := range []struct {
		share, want float64
		bad         bool
	}{
		{share: 0, want: 0.15},
		{share: 0.25, want: 0.25},
		{share: 1, want: 1},
		{share: -1, want: -1},
		{share: 1.5, bad: true},
		{share: math.NaN(), bad: true},
	} {
		c, err := Config{HistoryLiveShare: tt.share}.WithDefaults()
		switch {
		case tt.bad && (err == nil || !strings.Contains(err.Error(), "history live share")):
			t.Errorf("share %v: got %v, want an error about the history live share", tt.share, err)
		case !tt.bad && (err != nil || c.HistoryLiveShare != tt.want):
			t.Errorf("share %v: got %v (%v), want %v", tt.share, c.HistoryLiveShare, err, tt.want)
		}
	}
}
