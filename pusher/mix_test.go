package pusher

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/filtermix"
	"github.com/tailcast/tailcast/proto/logpb"
)

// TestDistinctFiltersEachGetTheirMatches: many clients over real sockets,
// each with its own filter from the benchmark's mix (a service, q, re,
// where, level, or several), each get exactly the entries the mix's
// reference matcher says, in order, none twice.
func TestDistinctFiltersEachGetTheirMatches(t *testing.T) {
	const viewers, entries = 150, 3000
	mix, err := filtermix.New(viewers)
	if err != nil {
		t.Fatal(err)
	}
	// The entries come in one burst, and the race detector makes a regular
	// expression tens of times slower: a budget of a second a second keeps
	// this about delivery (TestCostlyFilterCostsOnlyItsSender is about the
	// budget).
	s, u := testServer(t, Config{MaxConnsPerIP: -1, QueueBytes: 64 << 20, FilterBudget: time.Second})
	s.Begin(0, 0)
	clients := make([]*wsClient, viewers)
	for v := range viewers {
		clients[v] = dial(t, u+"?"+mix.Filters[v].Query())
		clients[v].hello()
	}
	waitClients(t, s, viewers)

	var wg sync.WaitGroup
	errs := make(chan string, viewers)
	for v, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := mix.Expected(v, 0, entries)
			last := int64(-1)
			for n := int64(0); n < want; n++ {
				m, err := c.nextErr(20 * time.Second)
				if err != nil {
					errs <- mix.Filters[v].Query() + ": after " + strconv.FormatInt(n, 10) + " of " + strconv.FormatInt(want, 10) + " entries: " + err.Error()
					return
				}
				seq := seqOf(m.Msg)
				if m.Type != "entry" || seq <= last || seq >= entries || !mix.Matches(v, seq) {
					errs <- mix.Filters[v].Query() + ": got " + m.Type + " " + m.Msg + ", want the next match after " + strconv.FormatInt(last, 10)
					return
				}
				last = seq
			}
		}()
	}
	e := &logpb.LogEntry{}
	ts := []byte(strconv.FormatInt(time.Now().UnixNano(), 10))
	for i := range int64(entries) {
		mix.Shapes[i%filtermix.Period].Entry(e, i, ts)
		e.TimeUnixNano = time.Now().UnixNano()
		s.Publish(0, i, e)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// seqOf reads the sequence number of a mix message, -1 if none.
func seqOf(msg string) int64 {
	rest, ok := strings.CutPrefix(msg, "tailcast-bench ")
	if !ok || len(rest) < 10 {
		return -1
	}
	n, err := strconv.ParseInt(rest[:10], 10, 64)
	if err != nil {
		return -1
	}
	return n
}
