package pusher

import (
	"cmp"
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/tailcast/tailcast/proto/logpb"
	"go.uber.org/zap"
)

// replayFrameBytes is the payload size at which replay frames are written.
const replayFrameBytes = 256 << 10

// fetchRange is a part of a partition to read from Kafka: [from, to).
type fetchRange struct {
	part     int32
	from, to int64
}

// replayPlan is what a new client gets before going live. It is fixed from
// a hub snapshot taken when the client joins the log at the snapshot's
// tail, so every entry is either in the plan or delivered live, never both.
// Nothing in it is filtered yet: that is the client's own work, done by its
// handler goroutine holding no lock.
type replayPlan struct {
	fetch    []fetchRange
	ring     [][]*record // per partition, the held entries past the cursor
	cur      []vecEntry  // the vector the replay starts from: the resume cursor, or the snapshot's for a backfill
	floor    []vecEntry  // live entries at or below are already delivered
	since    bool
	backfill int
}

// planReplay derives the replay of req from sn. It is pure: no lock, no
// filter, O(partitions + log of the ring lengths).
func planReplay(sn *snapshot, req request) replayPlan {
	var plan replayPlan
	switch {
	case req.hasSince:
		plan.since = true
		plan.cur = slices.Clone(req.since)
		for _, e := range req.since {
			pv := sn.part(e.part)
			if pv == nil {
				// Never begun: live entries at or below the cursor are skipped.
				plan.floor = vecSet(plan.floor, e.part, e.off)
				continue
			}
			hi := pv.last + 1
			if len(pv.held) > 0 {
				hi = pv.held[0].off
			}
			if e.off+1 < hi {
				plan.fetch = append(plan.fetch, fetchRange{part: e.part, from: e.off + 1, to: hi})
			}
			if e.off > pv.last {
				plan.floor = vecSet(plan.floor, e.part, e.off)
			}
		}
		for _, pv := range sn.parts {
			held := pv.held
			if o, ok := vecGet(req.since, pv.part); ok {
				i, _ := slices.BinarySearchFunc(held, o+1, func(r *record, off int64) int { return cmp.Compare(r.off, off) })
				held = held[i:]
			}
			if len(held) > 0 {
				plan.ring = append(plan.ring, held)
			}
		}
	case req.backfill > 0:
		plan.backfill = req.backfill
		plan.cur = sn.vec
		for _, pv := range sn.parts {
			if len(pv.held) > 0 {
				plan.ring = append(plan.ring, pv.held)
			}
		}
	}
	return plan
}

// register makes c live at the log's tail and returns its replay plan.
func (s *Server) register(c *client, f *filter, req request) (replayPlan, bool) {
	sn, ok := s.hub.snapshot()
	if !ok {
		return replayPlan{}, false
	}
	plan := planReplay(&sn, req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return replayPlan{}, false
	}
	c.pos = sn.tail
	c.floor = plan.floor
	c.nextPing = time.Now().Add(s.cfg.PingInterval)
	c.filt.Store(s.intern(f))
	c.idx = len(s.clients)
	s.clients = append(s.clients, c)
	s.m.connections.Inc()
	return plan, true
}

// replay writes the plan, then flushes what is left.
func (s *Server) replay(w *replayWriter, f *filter, plan replayPlan) error {
	var err error
	switch {
	case plan.since:
		err = s.replaySince(w, f, plan)
	case plan.backfill > 0:
		err = s.replayBackfill(w, f, plan)
	}
	if err != nil {
		return err
	}
	return w.flush(s.cfg.SlowTimeout)
}

// replayBackfill writes the newest plan.backfill held entries that pass f.
func (s *Server) replayBackfill(w *replayWriter, f *filter, plan replayPlan) error {
	return replayNewest(w, f, plan.ring, plan.cur, plan.backfill)
}

// replayNewest writes the newest n entries of lists (each one partition's
// held entries, oldest first) that pass f, oldest first and merged across
// partitions by entry time. base is the position of every partition just
// after the newest entry of lists; each line's cursor is base lowered to
// just before the window the entries are chosen from, then raised as they
// are sent, so that resuming from any of them is exact.
func replayNewest(w *replayWriter, f *filter, lists [][]*record, base []vecEntry, n int) error {
	var picked []*record
	starts := make([]int, len(lists))
	for i, l := range lists {
		starts[i] = len(l)
	}
	var err error
	mergeTimeDesc(lists, starts, func(r *record) bool {
		var ok bool
		if ok, err = w.match(f, func() bool { return f.matchRecord(r) }); err != nil {
			return false
		}
		if ok {
			picked = append(picked, r)
		}
		return len(picked) < n
	})
	if err != nil {
		return err
	}
	cur := slices.Clone(base)
	for i, l := range lists {
		if starts[i] < len(l) {
			r := l[starts[i]]
			cur = vecSet(cur, r.part, r.off-1)
		}
	}
	for i := len(picked) - 1; i >= 0; i-- {
		r := picked[i]
		cur = vecSet(cur, r.part, r.off)
		if err := w.addEntry(cur, r.part, r.body()); err != nil {
			return err
		}
	}
	return nil
}

// replaySince writes a resume: a gap if part of it is gone, then the Kafka
// ranges and the held entries, merged across partitions by entry time,
// each with a cursor that resumes exactly.
func (s *Server) replaySince(w *replayWriter, f *filter, plan replayPlan) error {
	probes, missed := s.probe(plan.fetch)
	switch {
	case missed > 0:
		s.m.resume.WithLabelValues("gap").Inc()
		if err := w.add(appendGap(nil, missed)); err != nil {
			return err
		}
	case len(plan.fetch) > 0:
		s.m.resume.WithLabelValues("kafka").Inc()
	default:
		s.m.resume.WithLabelValues("ring").Inc()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	srcs := s.sources(ctx, &wg, plan, probes)
	cur := slices.Clone(plan.cur)
	var body []byte
	var err error
	mergeTime(srcs, func(src *source) bool {
		if src.ended {
			// Everything of this partition below the ring was read or is
			// missing for good.
			if o, _ := vecGet(cur, src.part); o < src.to-1 {
				cur = vecSet(cur, src.part, src.to-1)
			}
			return true
		}
		if o, ok := vecGet(cur, src.part); ok && src.off <= o || src.e != nil && src.off >= src.to {
			return true
		}
		cur = vecSet(cur, src.part, src.off)
		var ok bool
		if src.r != nil {
			ok, err = w.match(f, func() bool { return f.matchRecord(src.r) })
			if ok && err == nil {
				err = w.addEntry(cur, src.part, src.r.body())
			}
		} else {
			pat := s.hub.pats.lookup(src.e.Service, src.e.Message)
			ok, err = w.match(f, func() bool { return f.matchEntry(src.e, pat) })
			if ok && err == nil {
				body = appendPattern(appendEntryBody(body[:0], src.e), pat, false)
				err = w.addEntry(cur, src.part, body)
			}
		}
		return err == nil
	})
	return err
}

// fetchProbe is the first entry of a fetch range, read alone to learn
// where Kafka's log starts before anything is sent.
type fetchProbe struct {
	logStart int64
	off      int64 // -1: none read
	e        *logpb.LogEntry
	err      error
}

// probe reads the first offset of each range, and counts what Kafka no
// longer has (or cannot be read), so that the gap comes first.
func (s *Server) probe(fetch []fetchRange) (probes []fetchProbe, missed int64) {
	probes = make([]fetchProbe, len(fetch))
	for i, fr := range fetch {
		if s.cfg.Fetcher == nil {
			missed += fr.to - fr.from
			continue
		}
		pr := &probes[i]
		pr.off = -1
		pr.logStart, pr.err = s.cfg.Fetcher.Fetch(s.ctx, fr.part, fr.from, fr.from+1, func(off int64, e *logpb.LogEntry) error {
			pr.off, pr.e = off, e
			return nil
		})
		switch {
		case pr.err != nil:
			s.log.Warn("resume fetch failed", zap.Int32("partition", fr.part), zap.Error(pr.err))
			missed += fr.to - fr.from
		case pr.logStart > fr.from:
			missed += min(pr.logStart, fr.to) - fr.from
		}
	}
	return probes, missed
}

// replayWriter batches replay lines into text frames, written by the
// connection's handler goroutine while the client is busy. It also meters
// the replay's filter against the client's budget.
type replayWriter struct {
	s     *Server
	c     *client
	buf   []byte // headerRoom bytes of room, then the payload
	tmp   []byte
	meter costMeter
	over  time.Time // since when the budget has held the replay back
}

// match runs fn, the evaluation of f on one entry. A costly f is metered:
// over budget, the replay waits (the client is told why, once), and after
// SlowTimeout of that it ends with errTooCostly.
func (w *replayWriter) match(f *filter, fn func() bool) (bool, error) {
	if !f.costly() {
		return fn(), nil
	}
	if w.meter.budget == 0 {
		w.meter.budget = w.s.cfg.FilterBudget
	}
	if now := time.Now(); w.meter.debt(now) > 0 {
		if w.over.IsZero() {
			w.over = now
			if err := w.add(appendError(nil, w.meter.reason())); err != nil {
				return false, err
			}
			if err := w.flush(w.s.cfg.SlowTimeout); err != nil {
				return false, err
			}
		}
		if now.Sub(w.over) >= w.s.cfg.SlowTimeout {
			return false, errTooCostly
		}
		if err := w.meter.wait(w.s.ctx); err != nil {
			return false, err
		}
	}
	t0 := time.Now()
	ok := fn()
	w.meter.charge(time.Now(), time.Since(t0))
	return ok, nil
}

// waitBegin waits, up to BeginWait, until every partition of the cursor has
// begun (after a restart the consumer may not have joined yet), so that the
// resume compares against real positions.
func (s *Server) waitBegin(v []vecEntry) {
	t := time.NewTimer(s.cfg.BeginWait)
	defer t.Stop()
	for {
		ok, ch := s.hub.begun(v)
		if ok {
			return
		}
		select {
		case <-ch:
		case <-t.C:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

func (w *replayWriter) add(line []byte) error {
	w.buf = append(w.buf, line...)
	if len(w.buf)-headerRoom >= replayFrameBytes {
		return w.flush(w.s.cfg.SlowTimeout)
	}
	return nil
}

// addEntry adds an entry of partition own with the given cursor.
func (w *replayWriter) addEntry(cursor []vecEntry, own int32, body []byte) error {
	w.buf = append(w.buf, entryPrefix...)
	w.buf, w.tmp = appendCursor(w.buf, w.tmp, cursor, own)
	w.buf = append(w.buf, '"')
	return w.add(body)
}

// flush writes the pending payload as one text frame.
func (w *replayWriter) flush(timeout time.Duration) error {
	n := len(w.buf) - headerRoom
	if n == 0 {
		return nil
	}
	var hdr [headerRoom]byte
	h := appendFrameHeader(hdr[:0], ws.OpText, n)
	start := headerRoom - len(h)
	copy(w.buf[start:], h)
	w.c.conn.SetWriteDeadline(time.Now().Add(timeout))
	_, err := w.c.conn.Write(w.buf[start:])
	w.buf = w.buf[:headerRoom]
	if err != nil {
		return errors.Join(errWrite, err)
	}
	return nil
}

// raw writes buf[headerRoom:] as is (already framed).
func (w *replayWriter) raw(timeout time.Duration) {
	w.c.conn.SetWriteDeadline(time.Now().Add(timeout))
	_, _ = w.c.conn.Write(w.buf[headerRoom:])
	w.buf = w.buf[:headerRoom]
}

var _ io.Writer = (*client)(nil)
