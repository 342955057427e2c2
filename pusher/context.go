package pusher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Limits of a context query.
const (
	defaultContextLines = 50
	maxContextLines     = 5000
	// maxContextScan bounds the records a context query reads in each
	// direction looking for lines of the anchor's file, which may be
	// sparse in a partition shared with busy files.
	maxContextScan = 200_000
)

// contextQuery is what around= asks for: the lines before and after one
// entry, from its partition by offset, of its file only, unfiltered.
type contextQuery struct {
	cursor        []vecEntry
	part          int32 // noPart: find it (resolvePart)
	before, after int
}

// parseContext reads around=, before=, after= and part=; nil without
// around=.
func parseContext(q url.Values) (*contextQuery, error) {
	s := q.Get("around")
	if s == "" {
		for _, k := range []string{"before", "after", "part"} {
			if q.Get(k) != "" {
				return nil, fmt.Errorf("%w: %s needs around", ErrBadFilter, k)
			}
		}
		return nil, nil
	}
	v, own, err := decodeCursorOwn(s)
	if err != nil {
		return nil, fmt.Errorf("around: %w", err)
	}
	// An entry's cursor (version 2) names its own partition; part= is for
	// older cursors, or to override it.
	cq := &contextQuery{cursor: v, part: own, before: defaultContextLines, after: defaultContextLines}
	for _, k := range []struct {
		name string
		dst  *int
	}{{"before", &cq.before}, {"after", &cq.after}} {
		if s := q.Get(k.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > maxContextLines {
				return nil, fmt.Errorf("%w: %s must be an integer from 0 to %d, got %q", ErrBadFilter, k.name, maxContextLines, s)
			}
			*k.dst = n
		}
	}
	if s := q.Get("part"); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if _, ok := vecGet(v, int32(n)); err != nil || n < 0 || !ok {
			return nil, fmt.Errorf("%w: part %q is not a partition of the cursor", ErrBadFilter, s)
		}
		cq.part = int32(n)
	}
	for _, k := range []string{"from", "since", "backfill"} {
		if q.Get(k) != "" {
			return nil, fmt.Errorf("%w: around cannot be combined with %s", ErrBadFilter, k)
		}
	}
	return cq, nil
}

// resolvePart finds which partition's entry a version 1 cursor is the
// cursor of (a version 2 cursor says it). A cursor names every partition,
// so a version 1 cursor alone says it only when it names one; else the
// entry is looked up in the rings, where its cursor is exactly that of one
// record.
func (s *Server) resolvePart(cq *contextQuery, raw string) error {
	if cq.part >= 0 {
		return nil
	}
	if len(cq.cursor) == 1 {
		cq.part = cq.cursor[0].part
		return nil
	}
	sn, ok := s.hub.snapshot()
	if ok {
		for _, pv := range sn.parts {
			off, ok := vecGet(cq.cursor, pv.part)
			if !ok {
				continue
			}
			i, found := slices.BinarySearchFunc(pv.held, off, func(r *record, o int64) int { return cmp.Compare(r.off, o) })
			if found && pv.held[i].cursor() == raw {
				cq.part = pv.part
				return nil
			}
		}
	}
	return fmt.Errorf("%w: around: the entry is no longer held in memory and its cursor names %d partitions; add part=N, the entry's partition", ErrBadFilter, len(cq.cursor))
}

// ctxLine is one line of a context reply.
type ctxLine struct {
	off  int64
	body []byte
}

// serveContext answers around=: the anchor's file's lines before it, the
// anchor marked "anchor":true, the lines after it, then end, and a normal
// close. A reader goroutine stops it when the client goes away.
func (s *Server) serveContext(c *client, src net.Conn, cq *contextQuery, release func()) {
	defer release()
	// A filter message has nothing to change in a context reply: it stops it.
	w, ctx, cancel, _, readerDone, ok := s.beginQuery(c, src, release)
	if !ok {
		return
	}
	defer cancel()
	start := time.Now()
	end, err := s.writeContext(ctx, w, cq)
	// The slot is free before the client sees end: it may ask for more
	// context at once.
	release()
	s.m.hist.duration.Observe(time.Since(start).Seconds())
	if err == nil {
		if err = w.add(end); err == nil {
			err = w.flush(s.cfg.SlowTimeout)
		}
	}
	switch {
	case ctx.Err() != nil || errors.Is(err, errWrite):
		s.m.hist.queries.WithLabelValues(histStopped).Inc()
		c.hist.Store(nil)
		w.buf, _, _ = c.takeCtrl(w.buf[:headerRoom]) // a close echo, if any
		w.raw(time.Second)
		s.drop(c, reasonClient)
		<-readerDone
		return
	case err != nil:
		s.m.hist.queries.WithLabelValues(histError).Inc()
		if w.add(appendError(nil, err.Error())) == nil {
			_ = w.flush(s.cfg.SlowTimeout)
		}
	default:
		s.m.hist.queries.WithLabelValues(histDone).Inc()
	}
	s.closeRange(c, w, readerDone, ws.StatusNormalClosure, "end of context", reasonClient)
}

// writeContext reads the context of cq's entry and writes it, all but
// the end line, which it returns.
//
// One read around the anchor usually holds all of it: the anchor and up
// to 4 times the lines asked for on each side (the anchor's file may
// share the partition with others). Only when that is not enough do
// further reads go back, or on, in windows of growing size.
func (s *Server) writeContext(ctx context.Context, w *replayWriter, cq *contextQuery) ([]byte, error) {
	p := cq.part
	anchorOff, _ := vecGet(cq.cursor, p)
	var scanned int64
	count := func(e *logpb.LogEntry) {
		scanned++
		s.m.hist.scanned.Inc()
		s.m.hist.scannedBytes.Add(float64(len(e.Raw)))
	}
	type rec struct {
		off int64
		e   *logpb.LogEntry
	}
	back, ahead := int64(max(4*cq.before, 256)), int64(max(4*cq.after, 256))
	lo, hi := max(0, anchorOff-back), anchorOff+1+ahead
	var win []rec
	last := lo - 1
	logStart, err := s.cfg.Fetcher.Fetch(ctx, p, lo, hi, func(off int64, e *logpb.LogEntry) error {
		last = off
		if e != nil {
			count(e)
			win = append(win, rec{off, e})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("context: read around the entry: %w", err)
	}
	i, found := slices.BinarySearchFunc(win, anchorOff, func(r rec, o int64) int { return cmp.Compare(r.off, o) })
	if !found {
		if anchorOff < logStart {
			return nil, fmt.Errorf("context: the entry (partition %d, offset %d) is gone from Kafka (retention)", p, anchorOff)
		}
		return nil, fmt.Errorf("context: no entry at partition %d, offset %d", p, anchorOff)
	}
	anchor := win[i].e
	sameFile := func(e *logpb.LogEntry) bool { return e.Host == anchor.Host && e.Source == anchor.Source }
	var before, after []ctxLine
	for j := i - 1; j >= 0 && len(before) < cq.before; j-- {
		if sameFile(win[j].e) {
			before = append(before, ctxLine{win[j].off, appendEntryBody(nil, win[j].e)})
		}
	}
	slices.Reverse(before)
	for j := i + 1; j < len(win) && len(after) < cq.after; j++ {
		if sameFile(win[j].e) {
			after = append(after, ctxLine{win[j].off, appendEntryBody(nil, win[j].e)})
		}
	}
	atEnd := last < hi-1 // the read stopped at the partition's end
	win = nil

	// Before: windows of growing size backwards, keeping only the newest
	// lines needed.
	end, step := lo, 2*back
	for len(before) < cq.before && end > max(logStart, 0) && scanned < maxContextScan {
		start := max(0, end-step)
		var got []ctxLine
		need := cq.before - len(before)
		ls, err := s.cfg.Fetcher.Fetch(ctx, p, start, end, func(off int64, e *logpb.LogEntry) error {
			if e == nil {
				return nil
			}
			count(e)
			if sameFile(e) {
				if len(got) == need {
					got = got[1:]
				}
				got = append(got, ctxLine{off, appendEntryBody(nil, e)})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("context: read before the entry: %w", err)
		}
		before = append(got, before...)
		if start <= ls {
			break
		}
		end, step = start, step*2
	}

	// After: forward windows until enough lines or the partition's end.
	errEnough := errors.New("enough")
	for from, step := hi, 2*ahead; !atEnd && len(after) < cq.after && scanned < 2*maxContextScan; from, step = from+step, step*2 {
		last := from - 1
		_, err := s.cfg.Fetcher.Fetch(ctx, p, from, from+step, func(off int64, e *logpb.LogEntry) error {
			last = off
			if e == nil {
				return nil
			}
			count(e)
			if sameFile(e) {
				after = append(after, ctxLine{off, appendEntryBody(nil, e)})
				if len(after) == cq.after {
					return errEnough
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return nil, fmt.Errorf("context: read after the entry: %w", err)
		}
		atEnd = err == nil && last < from+step-1
	}

	cur := slices.Clone(cq.cursor)
	for _, l := range before {
		if err := w.addEntry(vecSet(cur, p, l.off), p, l.body); err != nil {
			return nil, err
		}
	}
	cur = vecSet(cur, p, anchorOff)
	if err := w.addEntry(cur, p, append([]byte(`,"anchor":true`), appendEntryBody(nil, anchor)...)); err != nil {
		return nil, err
	}
	for _, l := range after {
		if err := w.addEntry(vecSet(cur, p, l.off), p, l.body); err != nil {
			return nil, err
		}
	}
	s.log.Debug("context served", zap.Int32("partition", p), zap.Int64("offset", anchorOff), zap.Int64("scanned", scanned))
	return fmt.Appendf(nil, `{"type":"end","sent":%d,"scanned":%d,"before":%d,"after":%d,"partition":%d,"offset":%d}`+"\n",
		len(before)+1+len(after), scanned, len(before), len(after), p, anchorOff), nil
}
