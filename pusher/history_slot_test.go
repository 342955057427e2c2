package pusher

import (
	"context"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

// TestHistorySlotFreeAfterEnd: with one history query per client, a
// client that has seen a query's end starts the next one at once, context
// and range alike.
func TestHistorySlotFreeAfterEnd(t *testing.T) {
	p := startPipeline(t, 1, Config{HistoryPerIP: 1, RingEntries: 4})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	p.produce(t, spread(base, 10, 1)...)
	p.start(t, 1)
	p.published(t, 10)
	c := dial(t, p.rangeURL("from", rfc(base.Add(-time.Minute)), "to", rfc(base.Add(time.Minute))))
	c.hello()
	var cur string
	for _, m := range c.untilType("end") {
		if m.Type == "entry" && m.Msg == "e05" {
			cur = m.Cursor
		}
	}
	queries := []struct{ name, url string }{
		{"context", p.u + "?around=" + cur + "&before=2&after=2"},
		{"range", p.rangeURL("from", rfc(base), "to", rfc(base.Add(5*time.Second)))},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			for i := range 20 {
				c, err := tryDial(t, q.url, nil)
				if err != nil {
					t.Fatalf("query %d right after the previous one's end: got %v, want it accepted", i, err)
				}
				c.hello()
				c.untilType("end")
			}
		})
	}
}

// stuckFetcher serves nothing and, like a Kafka request in flight, takes
// its time to notice that its query ended: until unblock is closed.
type stuckFetcher struct {
	at      time.Time
	started chan struct{}
	unblock chan struct{}
}

func (f *stuckFetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	select {
	case f.started <- struct{}{}:
	default:
	}
	<-f.unblock
	return 0, ctx.Err()
}

func (f *stuckFetcher) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	if t.After(f.at.Add(time.Hour)) {
		return 1000, 0, nil
	}
	return 0, 0, nil
}

// TestHistorySlotFreeWhenClientCloses: the slot of a client that went
// away mid-scan is free at once, while the scan is still winding down.
func TestHistorySlotFreeWhenClientCloses(t *testing.T) {
	f := &stuckFetcher{at: time.Now().Add(-time.Hour), started: make(chan struct{}, 1), unblock: make(chan struct{})}
	s, u := testServer(t, Config{Fetcher: f, HistoryPerIP: 1})
	t.Cleanup(func() { close(f.unblock) }) // before the server closes
	s.Begin(0, 1000)
	c := dial(t, u+"?from=2h&to=1m")
	c.hello()
	<-f.started
	if _, err := tryDial(t, u+"?from=2h&to=1m", nil); err == nil {
		t.Fatal("second query while the first runs: accepted, want 429")
	}
	c.conn.Close()
	var attempts int
	wait.For(t, 5*time.Second, "the next query to be accepted while the first winds down", func() bool {
		attempts++
		c2, err := tryDial(t, u+"?from=2h&to=1m", nil)
		if err != nil {
			return false
		}
		c2.hello()
		return true
	})
	// The first scan is still stuck in its fetch: only its slot was freed.
	if got := gaugeValue(s.m.hist.running); got != 1 {
		t.Errorf("running queries: got %v, want 1 (the new one; %d attempts)", got, attempts)
	}
}
