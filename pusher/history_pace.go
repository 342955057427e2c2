package pusher

import (
	"context"
	"sync/atomic"
	"time"
)

// A range scan is background work; live delivery is what people watch.
// On a small machine the scan, the broker serving its large fetches and
// the live path share the same cores, and live viewers see the
// contention as latency (issue 14: live p99 must stay within 2× of its
// value without a scan). So while live entries are being delivered, a
// reader rests after each fetch response, for as long as the request
// took (fetching and decoding it, the costly part, done ahead of the
// reader) times (1-share)/share, which keeps the read to about
// Config.HistoryLiveShare of its unhindered pace: it uses that share of
// the CPU and asks the broker for that share of the bytes per second, so
// live fetches and produces wait less behind its responses there. With
// no live delivery (nobody watching, or nothing new) a scan runs at full
// speed.
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
	// paceGrace is how long a reader runs unpaced after it starts, so that
	// a query's first results (the last 5 minutes of errors) come as fast
	// as without live viewers.
	paceGrace = 100 * time.Millisecond
	// liveRecent is how recently a flush pass must have delivered entries
	// for live delivery to count as going on.
	liveRecent = time.Second
)

// pacer keeps one range reader to its share while live entries are being
// delivered. Its pace is called by the reader's prefetch goroutine only.
type pacer struct {
	liveAt *atomic.Int64 // UnixNano of the last flush pass that delivered entries
	rest   float64       // rest per unit of request time: (1-share)/share; 0: never rests
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	rested func(time.Duration) // counts each rest (the metrics)
	began  time.Time
}

// newPacer returns a pacer for a reader starting now, keeping share
// (in (0, 1]) of its pace while liveAt is recent.
func newPacer(liveAt *atomic.Int64, share float64, rested func(time.Duration)) *pacer {
	p := &pacer{liveAt: liveAt, now: time.Now, sleep: sleepCtx, rested: rested}
	if share > 0 && share < 1 {
		p.rest = (1 - share) / share
	}
	p.began = p.now()
	return p
}

// pace is called after each fetch response, with how long the request
// took; while live entries are being delivered it rests for the request's
// share. It returns ctx's error when ctx ends during a rest.
func (p *pacer) pace(ctx context.Context, took time.Duration) error {
	if p.rest == 0 || took <= 0 {
		return nil
	}
	now := p.now()
	if now.Sub(p.began) < paceGrace || now.UnixNano()-p.liveAt.Load() > int64(liveRecent) {
		return nil
	}
	d := min(time.Duration(float64(took)*p.rest), paceMaxRest)
	err := p.sleep(ctx, d)
	p.rested(p.now().Sub(now))
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
