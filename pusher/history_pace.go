package pusher

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// A range scan is background work; live delivery is what people watch.
// On a small machine the scan, the broker serving its large fetches and
// the live path share the same cores, and live viewers see the
// contention as latency (issue 14: live p99 must stay within 2× of its
// value without a scan). So while live entries are being delivered, the
// range readers of all running scans together keep at most
// Config.HistoryLiveShare of the server's CPUs busy: each reader, which
// keeps about one CPU busy unhindered (its fetch responses decoded ahead
// of it, and its records), runs at duty = share × GOMAXPROCS / readers
// of its pace, resting after each fetch response for as long as the
// request took (fetching and decoding it, the costly part) times
// (1-duty)/duty. It then also asks the broker for that share of the
// bytes per second, so live fetches and produces wait less behind its
// responses there. With no live delivery (nobody watching, or nothing
// new) a scan runs at full speed, as it does when there are CPUs enough.
// A scan's first response is never held up (pacing comes after it), but
// its next ones are: leaving a query's first 100 ms unpaced, so that its
// first results came sooner, made a loop of scans in `make bench-history`
// a burst of full-speed reads every second, which live p99 showed (in
// one comparison on a busy, shared 2-core machine: 2.2-4.9× the p99
// without a scan, against 1.8-2.5× without the grace).
//
// Resting in the reader's own loop, between records, was tried first: it
// barely slowed a scan, since the next response was being fetched and
// decoded meanwhile, and the time spent waiting for it shrank by as much
// as the rests grew.

// Pacing constants.
const (
	// paceMaxRest caps one rest, whatever the request took (one held up
	// for long by a busy broker must not make its reader sleep as long).
	paceMaxRest = 50 * time.Millisecond
	// liveRecent is how recently a flush pass must have delivered entries
	// for live delivery to count as going on.
	liveRecent = time.Second
)

// livePace is what a server's range readers share for pacing. Safe for
// concurrent use.
type livePace struct {
	liveAt  atomic.Int64        // UnixNano of the last flush pass that delivered entries
	readers atomic.Int64        // range readers running
	cpus    float64             // CPUs the readers may keep busy together while live; 0: no pacing
	rested  func(time.Duration) // counts each rest (the metrics)
}

// newLivePace returns the pacing of a server whose readers may keep
// share (negative: no pacing) of its CPUs busy while live.
func newLivePace(share float64, rested func(time.Duration)) *livePace {
	lp := &livePace{rested: rested}
	if share > 0 {
		lp.cpus = share * float64(runtime.GOMAXPROCS(0))
	}
	return lp
}

// live reports whether a flush pass delivered entries within liveRecent.
func (lp *livePace) live(now time.Time) bool {
	return now.UnixNano()-lp.liveAt.Load() <= int64(liveRecent)
}

// pacer paces one range reader. Its pace is called by the reader's
// prefetch goroutine only.
type pacer struct {
	lp    *livePace
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// start counts a reader starting; its done must be called when it ends.
func (lp *livePace) start() *pacer {
	lp.readers.Add(1)
	return &pacer{lp: lp, now: time.Now, sleep: sleepCtx}
}

// done counts the reader's end.
func (p *pacer) done() { p.lp.readers.Add(-1) }

// pace is called after each fetch response, with how long the request
// took; while live entries are being delivered and the readers would
// keep more CPUs busy than they may, it rests for the request's share. It
// returns ctx's error when ctx ends during a rest.
func (p *pacer) pace(ctx context.Context, took time.Duration) error {
	lp := p.lp
	if lp.cpus == 0 || took <= 0 {
		return nil
	}
	now := p.now()
	if !lp.live(now) {
		return nil
	}
	duty := lp.cpus / float64(max(lp.readers.Load(), 1))
	if duty >= 1 {
		return nil
	}
	d := min(time.Duration(float64(took)*(1-duty)/duty), paceMaxRest)
	err := p.sleep(ctx, d)
	lp.rested(p.now().Sub(now))
	return err
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
