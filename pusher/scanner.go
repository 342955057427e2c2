package pusher

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// scanBatch is how many log slots a scanner copies per hub read lock.
const scanBatch = 256

// scanYield is how much matching a scanner does before it yields its CPU.
const scanYield = 50 * time.Microsecond

// scanner evaluates one client's costly filter (a regular expression) on
// the client's own goroutine, so that its cost falls on that client alone:
// the flush loop, which serves everyone, only takes the matches the
// scanner has found. The scanner matches the entries the flush loop
// hands it (skip: those its filter may match, from the match index), or,
// behind the log's head only, reads the log in batches of record pointers
// copied under the hub's read lock, and matches them after releasing it,
// within the client's filter budget (costMeter); a client
// whose filter needs more falls behind, is told why, is skipped ahead like
// any slow client ("dropped"), and is closed with 1008 if it stays over.
//
// The flush loop creates, resets and stops scanners (under Server.mu);
// stop is also called when the client is unregistered.
type scanner struct {
	s    *Server
	c    *client
	f    *filter
	wake chan struct{} // capacity 1
	done chan struct{}
	once sync.Once

	mu    sync.Mutex
	next  uint64    // the log is scanned up to here
	out   []*record // matches in [client's position, next), oldest first
	bytes int64     // their lines' bytes
	gen   uint64    // bumped by reset: a batch scanned meanwhile is dropped
	busy  bool      // a batch is being scanned from next
	// todo: the entries in [next, todoEnd) that may match, found by skip
	// (the rest surely do not), for the goroutine to run the expression on.
	todo    []*record
	todoEnd uint64

	// scanner goroutine only
	batch []*record
	found []*record
	meter costMeter
	over  time.Time // since when the budget has held the scanner back
}

// startScanner starts c's scanner for f at the log position from.
func (s *Server) startScanner(c *client, f *filter, from uint64) *scanner {
	sc := &scanner{s: s, c: c, f: f, next: from, wake: make(chan struct{}, 1), done: make(chan struct{}),
		meter: costMeter{budget: s.cfg.FilterBudget}}
	s.wg.Add(1)
	go sc.run()
	sc.signal()
	return sc
}

func (sc *scanner) stop() { sc.once.Do(func() { close(sc.done) }) }

// signal wakes the scanner without blocking.
func (sc *scanner) signal() {
	select {
	case sc.wake <- struct{}{}:
	default:
	}
}

// reset drops what was found and continues from pos (the client was
// skipped ahead).
func (sc *scanner) reset(pos uint64) {
	sc.mu.Lock()
	sc.next, sc.out, sc.bytes = pos, sc.out[:0], 0
	clear(sc.todo)
	sc.todo = sc.todo[:0]
	sc.gen++
	sc.mu.Unlock()
	sc.signal()
}

// skip, for a scanner with no batch being scanned or handed over (matches
// found earlier may still wait to be taken), finds the entries below tail
// its filter may match (filter.mayMatch: the cheap terms and the literal
// prefilter, from the match index) and hands up to a batch of them over
// (todo); when there are none it moves the scanner to tail. It reports whether the goroutine has work: the
// flush loop wakes a scanner only for entries that need its regular
// expression, not a thousand goroutines for every entry, and the
// goroutine does not walk the log again. Caller: the flush loop, holding
// the hub's read lock, with s.idx updated to tail.
func (sc *scanner) skip(tail uint64) bool {
	s := sc.s
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.busy || len(sc.todo) > 0 || sc.next < s.hub.log.headSeq {
		return sc.next < tail
	}
	end := tail
	for r := range s.mayMatches(sc.f, sc.next, tail) {
		if len(sc.todo) == scanBatch {
			end = r.seq
			break
		}
		sc.todo = append(sc.todo, r)
	}
	if len(sc.todo) == 0 {
		sc.next = max(sc.next, tail)
		return false
	}
	sc.todoEnd = end
	return true
}

// take moves found matches into dst, about maxBytes of lines at most, and
// returns the log position the client has then been served up to.
func (sc *scanner) take(dst []*record, pos uint64, maxBytes int) ([]*record, uint64) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	n, size := 0, 0
	for n < len(sc.out) && size < maxBytes {
		size += len(sc.out[n].line)
		n++
	}
	dst = append(dst, sc.out[:n]...)
	if n < len(sc.out) {
		pos = sc.out[n].seq
	} else {
		pos = max(pos, sc.next)
	}
	rest := copy(sc.out, sc.out[n:])
	clear(sc.out[rest:])
	sc.out = sc.out[:rest]
	sc.bytes -= int64(size)
	return dst, pos
}

// served returns the position a client at pos has been served up to: the
// first match not taken yet, else where the scan is.
func (sc *scanner) served(pos uint64) uint64 {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.out) > 0 {
		return max(pos, sc.out[0].seq)
	}
	return max(pos, sc.next)
}

// pending reports whether matches wait to be taken.
func (sc *scanner) pending() bool { return sc.waiting() > 0 }

// waiting is how many matches wait to be taken.
func (sc *scanner) waiting() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.out)
}

func (sc *scanner) run() {
	defer sc.s.wg.Done()
	var pause *time.Timer
	defer func() {
		if pause != nil {
			pause.Stop()
		}
	}()
	for {
		select {
		case <-sc.done:
			return
		case <-sc.s.ctx.Done():
			return
		case <-sc.wake:
		}
		for {
			wait, more := sc.step()
			if wait > 0 {
				if pause == nil {
					pause = time.NewTimer(wait)
				} else {
					pause.Reset(wait)
				}
				select {
				case <-sc.done:
					return
				case <-sc.s.ctx.Done():
					return
				case <-pause.C:
				}
				continue
			}
			if !more {
				break
			}
		}
	}
}

// step scans one batch. It returns how long to wait when the budget is
// spent, and whether there may be more to scan now.
func (sc *scanner) step() (wait time.Duration, more bool) {
	now := time.Now()
	if d := sc.meter.debt(now); d > 0 {
		sc.overBudget(now)
		return d, false
	}
	sc.mu.Lock()
	from, gen, full := sc.next, sc.gen, sc.bytes >= sc.s.cfg.QueueBytes
	sc.busy = !full
	var lo, hi uint64
	handed := !full && len(sc.todo) > 0
	if handed {
		// The flush loop found these (filter.mayMatch): they are all that
		// may match below todoEnd.
		sc.batch, sc.todo = sc.todo, sc.batch[:0]
		lo, hi = from, sc.todoEnd
	}
	sc.mu.Unlock()
	if full {
		return 0, false // the flush loop wakes us once it has taken some
	}
	if !handed {
		// The flush loop hands an idle scanner what its filter may match
		// in each pass (skip), having matched each entry once for all
		// filters (matchindex.go); the scanner reads the log itself only
		// where the flush loop will not: below the log's head, which it
		// leaves to the scanner.
		h := sc.s.hub
		h.mu.RLock()
		head := h.log.headSeq
		lo, hi = max(from, head), min(h.log.nextSeq, max(from, head)+scanBatch)
		if from >= head {
			hi = lo
		}
		sc.batch = sc.batch[:0]
		for seq := lo; seq < hi; seq++ {
			if r := h.log.at(seq); r != nil {
				sc.batch = append(sc.batch, r)
			}
		}
		h.mu.RUnlock()
	}
	if lo == hi {
		sc.mu.Lock()
		sc.busy = false
		sc.mu.Unlock()
		sc.over = time.Time{}
		return 0, false
	}
	sc.found = sc.found[:0]
	var size int64
	var spent, sinceYield time.Duration
	for i, r := range sc.batch {
		// Only the regular expressions are timed and charged: the cheap
		// terms and the literal prefilter reject most entries for the
		// price of a comparison, and timing each would cost more.
		if !handed && !sc.f.mayMatch(r) {
			continue
		}
		t := time.Now()
		ok := sc.f.matchCostly(r) // r may match: it passed mayMatch
		d := time.Since(t)
		spent += d
		if ok {
			sc.found = append(sc.found, r)
			size += int64(len(r.line))
		}
		// Let the flush loop and the writers, if waiting, have this CPU
		// first once matching has taken a while: a match may take
		// milliseconds. The wait is not charged to the filter.
		if sinceYield += d; sinceYield >= scanYield {
			runtime.Gosched()
			sinceYield = 0
		}
		if i+1 < len(sc.batch) && sc.meter.exceeds(spent) {
			hi = sc.batch[i+1].seq // the rest waits for the budget
			break
		}
	}
	sc.meter.charge(time.Now(), spent)
	clear(sc.batch)
	sc.mu.Lock()
	sc.busy = false
	if sc.gen == gen && sc.next == from {
		sc.out = append(sc.out, sc.found...)
		sc.bytes += size
		sc.next = hi
	}
	sc.mu.Unlock()
	found := len(sc.found) > 0
	clear(sc.found)
	if found {
		select {
		case sc.s.kick <- struct{}{}:
		default:
		}
	}
	return 0, true
}

// overBudget tells the client why it falls behind, once, and closes it
// once its filter has been over budget for SlowTimeout.
func (sc *scanner) overBudget(now time.Time) {
	if sc.over.IsZero() {
		sc.over = now
		sc.c.queueText(appendError(nil, sc.meter.reason()))
		return
	}
	if now.Sub(sc.over) >= sc.s.cfg.SlowTimeout {
		sc.c.requestClose(ws.StatusPolicyViolation, "filter too costly", reasonCost)
	}
}

// costMeter is a client's allowance of filter time: budget per second,
// with at most a second's worth saved up.
type costMeter struct {
	budget time.Duration // per second
	tokens time.Duration
	last   time.Time
}

func (m *costMeter) refill(now time.Time) {
	if m.budget < 0 {
		return
	}
	if m.last.IsZero() {
		m.tokens, m.last = m.budget, now
		return
	}
	el := now.Sub(m.last)
	m.last = now
	m.tokens = min(m.budget, m.tokens+time.Duration(float64(el)*m.budget.Seconds()))
}

// charge takes d off the allowance.
func (m *costMeter) charge(now time.Time, d time.Duration) {
	if m.budget < 0 {
		return
	}
	m.refill(now)
	m.tokens -= d
}

// exceeds reports whether spending d now would overdraw the allowance.
func (m *costMeter) exceeds(d time.Duration) bool {
	if m.budget < 0 {
		return false
	}
	return m.last.IsZero() && d > m.budget || !m.last.IsZero() && d > m.tokens
}

// debt is how long until the allowance is back to zero.
func (m *costMeter) debt(now time.Time) time.Duration {
	m.refill(now)
	if m.tokens >= 0 || m.budget <= 0 {
		return 0
	}
	return time.Duration(float64(-m.tokens) / m.budget.Seconds())
}

// wait blocks until the allowance is back to zero or ctx ends.
func (m *costMeter) wait(ctx context.Context) error {
	d := m.debt(time.Now())
	if d <= 0 {
		return nil
	}
	return sleepCtx(ctx, d)
}

func (m *costMeter) reason() string {
	return fmt.Sprintf("filter too costly: its regular expression needs more than %v of CPU a second; entries it cannot check in time are dropped, and the connection is closed if this lasts", m.budget)
}
