package pusher

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/tailcast/tailcast/internal/wait"
)

// hostileRe is as costly as a regular expression under maxRegexInsts gets:
// on a text without Q or X, every position starts 400 bounded repetitions.
// It ends in a class, not a literal: with `Q` the literal prefilter
// (literal.go) would reject such a text without running it.
const hostileRe = `[^Q]{0,200}[^Q]{0,200}[QX]`

// latencies reads n entries from c and returns, per entry, how long after
// its time (set at Publish) its frame was read. It fails on anything but
// entries: the good client must get everything.
func latencies(t *testing.T, c *wsClient, n int) []time.Duration {
	t.Helper()
	var out []time.Duration
	for len(out) < n {
		c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		p, err := wsutil.ReadServerText(c.rw)
		now := time.Now()
		if err != nil {
			t.Fatalf("good client after %d entries: %v", len(out), err)
		}
		// Only the type and the time are read: a JSON decode of 100 KB
		// lines would make the reader the bottleneck.
		for line := range strings.SplitSeq(strings.TrimSuffix(string(p), "\n"), "\n") {
			if !strings.HasPrefix(line, entryPrefix) {
				t.Fatalf("good client got %q, want only entries", line[:min(len(line), 200)])
			}
			_, rest, _ := strings.Cut(line, `"ts":"`)
			ts, err := time.Parse(time.RFC3339Nano, rest[:len(tsLayout)-5])
			if err != nil {
				t.Fatalf("entry time: %v", err)
			}
			out = append(out, now.Sub(ts))
		}
	}
	return out
}

func p99(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[(len(d)*99)/100]
}

// TestCostlyFilterCostsOnlyItsSender: while one client's regular expression
// costs milliseconds per 100 KB line, another client's p99 latency stays
// within twice its value without it, and it gets every entry; the costly
// client is told why it falls behind.
func TestCostlyFilterCostsOnlyItsSender(t *testing.T) {
	// A backlog of a few seconds of these entries: what is measured is the
	// costly filter's effect, not whether a busy test machine keeps the
	// good client within the default 1 MiB.
	s, u := testServer(t, Config{QueueBytes: 64 << 20, SlowTimeout: time.Minute})
	s.Begin(0, 0)
	good := dial(t, u)
	good.hello()
	waitClients(t, s, 1)

	body := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789 ", 100<<10/37)
	var off int64
	const n = 100
	run := func() []time.Duration {
		done := make(chan struct{})
		go func() {
			defer close(done)
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for i := 0; i < n; i++ {
				<-tick.C
				e := entry("api", "web-1", lInfo, fmt.Sprintf("%d %s", off, body))
				e.TimeUnixNano = time.Now().UnixNano()
				s.Publish(0, off, e)
				off++
			}
		}()
		got := latencies(t, good, n)
		<-done
		return got
	}
	// Rounds alternate, so that the machine's own ups and downs fall on
	// both sides alike, and each side's p99 is the median of its rounds'
	// p99s: on a shared machine one round's p99 is often a scheduling
	// hiccup of tens of milliseconds that has nothing to do with filters.
	var told atomic.Bool
	var alone, beside []time.Duration
	for round := range 8 {
		if round%2 == 0 {
			alone = append(alone, p99(run()))
			continue
		}
		bad := dial(t, u+"?re="+url.QueryEscape(hostileRe))
		bad.hello()
		waitClients(t, s, 2)
		done := watchTooCostly(bad, &told)
		beside = append(beside, p99(run()))
		wait.For(t, 10*time.Second, "the costly client to be told why", told.Load)
		bad.conn.Close()
		<-done
		waitClients(t, s, 1)
	}
	pa, pb := median(alone), median(beside)
	t.Logf("good client p99 (median of 4 rounds of %d 100 KB entries): %v alone %v, %v beside %s %v", n, pa, alone, pb, hostileRe, beside)
	// On two cores a round's p99 of 100 entries moves by tens of
	// milliseconds with the scheduler alone (seen: 10–47 ms in rounds
	// without the costly client), so the bound allows that much besides
	// twice the value alone. The defect it guards against cost every
	// client seconds (issue 17: 6.7 s for one 100 KB line).
	const jitter = 40 * time.Millisecond
	if pb > 2*pa+jitter {
		t.Errorf("good client p99: got %v beside the costly filter, want at most 2 × %v (its value alone) + %v", pb, pa, jitter)
	}
}

// TestRegexCap: a regular expression whose program exceeds maxRegexInsts is
// refused with a reason, from the query and from a filter message.
func TestRegexCap(t *testing.T) {
	_, u := testServer(t, Config{})
	const huge = `[^Q]{0,1000}[^Q]{0,1000}[^Q]{0,1000}Q`
	_, err := tryDial(t, u+"?re="+url.QueryEscape(huge), nil)
	var se ws.StatusError
	if !errors.As(err, &se) || int(se) != http.StatusBadRequest {
		t.Fatalf("dial with %s: got %v, want status 400", huge, err)
	}
	c := dial(t, u)
	c.hello()
	c.send(`{"type":"filter","re":"` + huge + `"}`)
	if m := c.next(); m.Type != "error" || !strings.Contains(m.Error, "too costly") {
		t.Fatalf("filter message with %s: got %+v, want an error saying it is too costly", huge, m)
	}
	if _, _, err := compileRegex(hostileRe); err != nil {
		t.Errorf("%s: got %v, want accepted (under the cap)", hostileRe, err)
	}
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return (d[(len(d)-1)/2] + d[len(d)/2]) / 2
}

// TestSlowRegexDoesNotHoldBackItsNeighbours: viewers whose filters share
// an anchor in the match index (here the word "timeout") are matched in
// the same pass, but a regular expression still runs on its own client's
// scanner and budget: while a costly one is held back by its budget, the
// viewer with the cheap filter gets every entry, and the costly one is
// told why it falls behind.
func TestSlowRegexDoesNotHoldBackItsNeighbours(t *testing.T) {
	s, u := testServer(t, Config{FilterBudget: 2 * time.Millisecond, SlowTimeout: time.Minute, QueueBytes: 64 << 20})
	s.Begin(0, 0)
	costly := "timeout" + hostileRe // the literal makes it an anchor neighbour of q=timeout
	if p := newPrefilter(costly); !slices.Equal(p.lits, []string{"timeout"}) {
		t.Fatalf("prefilter of %s: got %q, want [timeout]", costly, p.lits)
	}
	good := dial(t, u+"?q=timeout")
	good.hello()
	bad := dial(t, u+"?re="+url.QueryEscape(costly))
	bad.hello()
	waitClients(t, s, 2)
	var told atomic.Bool
	badDone := watchTooCostly(bad, &told)
	// At about a millisecond a message, the costly filter checks a few
	// entries a second within its budget; the cheap one checks them all
	// in a pass.
	const n = 200
	body := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789 ", 60)
	for i := range n {
		s.Publish(0, int64(i), entry("api", "web-1", lInfo, fmt.Sprintf("%d timeout %s", i, body)))
	}
	for i := range n {
		m, err := good.nextErr(20 * time.Second)
		if err != nil {
			t.Fatalf("cheap viewer after %d of %d entries: %v", i, n, err)
		}
		if want := fmt.Sprintf("%d timeout ", i); m.Type != "entry" || !strings.HasPrefix(m.Msg, want) {
			t.Fatalf("cheap viewer's message %d: got %s %.40q, want the entry %q...", i, m.Type, m.Msg, want)
		}
	}
	// Now that the cheap viewer has everything, the costly one is still
	// behind: it was never what the other waited for.
	s.mu.Lock() // c.scan and c.pos are the flush loop's: it holds the read lock
	var served, tail uint64
	for _, c := range s.clients {
		if f := c.filt.Load(); f != nil && f.re != nil && c.scan != nil {
			served = c.scan.served(c.pos)
		}
	}
	s.hub.mu.RLock()
	tail = s.hub.log.nextSeq
	s.hub.mu.RUnlock()
	s.mu.Unlock()
	if served >= tail {
		t.Errorf("costly viewer served up to %d of %d when the cheap one had all: want it still held back by its budget", served, tail)
	}
	wait.For(t, 10*time.Second, "the costly viewer to be told why it falls behind", told.Load)
	bad.conn.Close()
	<-badDone
}

// watchTooCostly reads c's messages until its connection ends, setting told
// once the server says its filter is too costly; the returned channel is
// closed when it stops reading.
func watchTooCostly(c *wsClient, told *atomic.Bool) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := c.nextErr(30 * time.Second)
			if err != nil {
				return
			}
			if m.Type == "error" && strings.Contains(m.Error, "too costly") {
				told.Store(true)
			}
		}
	}()
	return done
}
