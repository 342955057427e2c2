package pusher

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// A range scan is background work; live delivery is what people watch.
// On a small machine the scan's readers, the broker serving their large
// fetches and the live path share the same cores, and live viewers see
// the contention as latency (issue 14: live p99 must stay within 2× of
// its value without a scan). So while live entries are being delivered,
// each reader runs in spells and rests between them, keeping at most
// Config.HistoryLiveShare of the wall time: it then also asks the broker
// for fewer bytes per second, which shortens the queue live fetches wait
// in. With no live delivery (nobody watching, or nothing new) a scan runs
// at full speed.

// Pacing constants.
const (
	// paceSpell is how long a reader runs before it may rest: long enough
	// that the clock and the timer cost nothing next to it, short enough
	// that one spell's CPU burst stays well under a live viewer's latency.
	paceSpell = 2 * time.Millisecond
	// paceMaxRest caps one rest, whatever the spell measured (a reader
	// that was itself kept off a CPU for long must not sleep as long).
	paceMaxRest = 10 * time.Millisecond
	// paceGrace is how long a reader runs unpaced after it starts, so that
	// a query's first results (the last 5 minutes of errors) come as fast
	// as without live viewers.
	paceGrace = 100 * time.Millisecond
	// liveRecent is how recently a flush pass must have delivered entries
	// for live delivery to count as going on.
	liveRecent = time.Second
)

// pacer keeps one range reader's share of the wall time while live
// entries are being delivered. It is used by its reader's goroutine only.
type pacer struct {
	liveAt *atomic.Int64 // UnixNano of the last flush pass that delivered entries
	rest   float64       // rest per unit of spell: (1-share)/share; 0: never rests
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	rested func(time.Duration) // counts each rest (the metrics)

	began, spell time.Time
}

// newPacer returns a pacer for a reader starting now, keeping share
// (in (0, 1]) of the wall time while liveAt is recent.
func newPacer(liveAt *atomic.Int64, share float64, rested func(time.Duration)) *pacer {
	p := &pacer{liveAt: liveAt, now: time.Now, sleep: sleepCtx, rested: rested}
	if share > 0 && share < 1 {
		p.rest = (1 - share) / share
	}
	p.began = p.now()
	p.spell = p.began
	return p
}

// pause is called by the reader between records, every yieldRecords of
// them. It lets other goroutines run and, at the end of a spell while
// live entries are being delivered, rests for the spell's share. It
// returns ctx's error when ctx ends during a rest.
func (p *pacer) pause(ctx context.Context) error {
	// Live delivery waits for a CPU behind the scan's goroutines; without
	// this a reader gives it up only when preempted (every 10 ms), which
	// live viewers see as latency.
	runtime.Gosched()
	if p.rest == 0 {
		return nil
	}
	now := p.now()
	ran := now.Sub(p.spell)
	if ran < paceSpell {
		return nil
	}
	p.spell = now
	if now.Sub(p.began) < paceGrace || now.UnixNano()-p.liveAt.Load() > int64(liveRecent) {
		return nil
	}
	d := min(time.Duration(float64(ran)*p.rest), paceMaxRest)
	err := p.sleep(ctx, d)
	p.spell = p.now()
	p.rested(p.spell.Sub(now))
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
