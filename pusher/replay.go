package pusher

import (
	"cmp"
	"context"
	"errors"
	"io"
	"slices"
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
	cur      []vecEntry  // since: the resume vector, raised as entries are sent
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

// replayBackfill writes the newest plan.backfill held entries that pass f,
// in arrival order; their own cursors resume exactly.
func (s *Server) replayBackfill(w *replayWriter, f *filter, plan replayPlan) error {
	var picked []*record
	var err error
	mergeDesc(plan.ring, func(r *record) bool {
		var ok bool
		if ok, err = w.match(f, func() bool { return f.matchRecord(r) }); err != nil {
			return false
		}
		if ok {
			picked = append(picked, r)
		}
		return len(picked) < plan.backfill
	})
	if err != nil {
		return err
	}
	for i := len(picked) - 1; i >= 0; i-- {
		if err := w.add(picked[i].line); err != nil {
			return err
		}
	}
	return nil
}

// replaySince writes a resume: a gap if part of it is gone, the Kafka
// ranges, then the held entries, each with a cursor that resumes exactly.
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
	cur, err := s.replayFetched(w, f, plan, probes)
	if err != nil {
		return err
	}
	return replayHeld(w, f, plan.ring, cur)
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

// replayFetched writes the Kafka ranges, partition by partition, and
// returns the resume vector raised past them.
func (s *Server) replayFetched(w *replayWriter, f *filter, plan replayPlan, probes []fetchProbe) ([]vecEntry, error) {
	cur := plan.cur
	var body []byte
	emit := func(fr fetchRange, off int64, e *logpb.LogEntry) error {
		if o, _ := vecGet(cur, fr.part); off <= o || off >= fr.to || e == nil {
			return nil
		}
		cur = vecSet(cur, fr.part, off)
		if ok, err := w.match(f, func() bool { return f.matchEntry(e) }); !ok || err != nil {
			return err
		}
		body = appendEntryBody(body[:0], e)
		return w.addEntry(cur, body)
	}
	for i, fr := range plan.fetch {
		if s.cfg.Fetcher != nil && probes[i].err == nil {
			pr := probes[i]
			if pr.off >= 0 {
				if err := emit(fr, pr.off, pr.e); err != nil {
					return nil, err
				}
			}
			if from := max(fr.from+1, pr.logStart); from < fr.to {
				_, err := s.cfg.Fetcher.Fetch(s.ctx, fr.part, from, fr.to, func(off int64, e *logpb.LogEntry) error {
					return emit(fr, off, e)
				})
				if err != nil {
					if errors.Is(err, errWrite) || errors.Is(err, context.Canceled) {
						return nil, err
					}
					// Partial: what was not read is missing for this client.
					s.log.Warn("resume fetch failed", zap.Int32("partition", fr.part), zap.Error(err))
				}
			}
		}
		cur = vecSet(cur, fr.part, fr.to-1)
	}
	return cur, nil
}

// replayHeld writes the held entries past the cursor that pass f, in
// arrival order, each with its cursor raised to at least cur.
func replayHeld(w *replayWriter, f *filter, held [][]*record, cur []vecEntry) error {
	var err error
	mergeAsc(held, func(r *record) bool {
		var ok bool
		if ok, err = w.match(f, func() bool { return f.matchRecord(r) }); !ok {
			return err == nil
		}
		var v []vecEntry
		if v, err = decodeCursor(r.cursor()); err != nil {
			return false
		}
		merged, _ := vecMax(slices.Clone(v), cur)
		cur, _ = vecMax(cur, v)
		if slices.Equal(merged, v) {
			err = w.add(r.line)
		} else {
			err = w.addEntry(merged, r.body())
		}
		return err == nil
	})
	return err
}

// mergeAsc calls fn with the records of lists (each in arrival order) in
// arrival order, until fn returns false.
func mergeAsc(lists [][]*record, fn func(*record) bool) {
	idx := make([]int, len(lists))
	for {
		best := -1
		for i, l := range lists {
			if idx[i] < len(l) && (best < 0 || l[idx[i]].seq < lists[best][idx[best]].seq) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		r := lists[best][idx[best]]
		idx[best]++
		if !fn(r) {
			return
		}
	}
}

// mergeDesc is mergeAsc backwards: newest first.
func mergeDesc(lists [][]*record, fn func(*record) bool) {
	idx := make([]int, len(lists))
	for i, l := range lists {
		idx[i] = len(l) - 1
	}
	for {
		best := -1
		for i, l := range lists {
			if idx[i] >= 0 && (best < 0 || l[idx[i]].seq > lists[best][idx[best]].seq) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		r := lists[best][idx[best]]
		idx[best]--
		if !fn(r) {
			return
		}
	}
}

// errWrite marks a replay write failure, to stop a Fetch.
var errWrite = errors.New("replay write failed")

// errTooCostly ends a replay whose filter stayed over its budget.
var errTooCostly = errors.New("filter too costly")

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

func (w *replayWriter) addEntry(cursor []vecEntry, body []byte) error {
	w.buf = append(w.buf, entryPrefix...)
	w.buf, w.tmp = appendCursor(w.buf, w.tmp, cursor)
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
