package pusher

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/zap"
)

// serveRange runs a time-range query on a new connection: hello, the
// range from Kafka, end (with to=, then the connection closes normally)
// or, without to=, live from exactly where the range scan ended. A
// reader goroutine runs during the scan, so that a client going away or
// sending a filter stops it at once; the connection stays on that
// blocking reader afterwards instead of moving to the poller, which costs
// it a goroutine.
func (s *Server) serveRange(c *client, src net.Conn, f *filter, req request, release func()) {
	defer release()
	w, ctx, cancel, q, readerDone, ok := s.beginQuery(c, src, release)
	if !ok {
		return
	}
	defer cancel()
	s.waitAnyBegun()
	sn, ok := s.hub.snapshot()
	if !ok {
		cancel()
	}
	start := time.Now()
	res, err := s.scanRange(ctx, w, f, req.rng, &sn)
	release()
	s.m.hist.duration.Observe(time.Since(start).Seconds())
	gone := false
	select {
	case <-readerDone:
		gone = true
	default:
	}
	switch {
	case gone || s.ctx.Err() != nil || errors.Is(err, errWrite) || ctx.Err() != nil && res.stopped == "":
		// The client went away or is closing: answer its close, if any.
		s.m.hist.queries.WithLabelValues(histStopped).Inc()
		c.hist.Store(nil)
		w.buf, _, _ = c.takeCtrl(w.buf[:headerRoom]) // a close echo, if any
		w.raw(time.Second)
		s.drop(c, reasonClient)
		<-readerDone
		return
	case errors.Is(err, errTooCostly):
		s.m.hist.queries.WithLabelValues(histError).Inc()
		s.closeRange(c, w, readerDone, ws.StatusPolicyViolation, "filter too costly", reasonCost)
		return
	case err != nil && ctx.Err() == nil:
		s.m.hist.queries.WithLabelValues(histError).Inc()
		s.log.Warn("range query failed", zap.Error(err))
		if w.add(appendError(nil, "range query failed: "+err.Error())) == nil {
			_ = w.flush(s.cfg.SlowTimeout)
		}
		s.closeRange(c, w, readerDone, ws.StatusInternalServerError, "range query failed", reasonError)
		return
	case res.stopped != "":
		s.m.hist.queries.WithLabelValues(histStopped).Inc()
	case res.limited:
		s.m.hist.queries.WithLabelValues(histLimited).Inc()
	default:
		s.m.hist.queries.WithLabelValues(histDone).Inc()
	}
	if err := w.add(appendEnd(nil, req.rng, res, s.cfg.HistoryMargin)); err != nil || w.flush(s.cfg.SlowTimeout) != nil {
		s.closeRange(c, w, readerDone, 0, "", reasonClient)
		return
	}
	if req.rng.hasTo {
		s.closeRange(c, w, readerDone, ws.StatusNormalClosure, "end of range", reasonClient)
		return
	}
	s.goLive(c, w, f, req, res, q, readerDone)
}

// goLive makes a range client live after its scan: from where the scan
// ended when it ran through (a since= replay of what came after, then
// live: nothing twice, nothing missed), else from now.
func (s *Server) goLive(c *client, w *replayWriter, f *filter, req request, res rangeResult, q *histQuery, readerDone chan struct{}) {
	live := request{}
	switch {
	case res.ranThrough:
		live = request{since: res.cur, hasSince: true}
	case res.stopped == "":
		// Stopped at its limit: the rest of the range is skipped, said
		// with a gap, and live goes on from where the range ended.
		var skipped int64
		for _, e := range res.ends {
			if o, _ := vecGet(res.cur, e.part); o < e.off {
				skipped += e.off - o
			}
		}
		if skipped > 0 {
			if err := w.add(appendGap(nil, skipped)); err != nil {
				s.drop(c, reasonClient)
				<-readerDone
				return
			}
		}
		live = request{since: res.ends, hasSince: true}
	}
	plan, ok := s.register(c, f, live)
	if !ok {
		s.closeRange(c, w, readerDone, ws.StatusGoingAway, "server shutting down", reasonShutdown)
		return
	}
	if err := s.replay(w, f, plan); err != nil {
		s.drop(c, reasonError)
		<-readerDone
		return
	}
	c.lastRead.Store(time.Now().UnixNano())
	s.enableRaw(c)
	c.busy.Store(false)
	c.hist.Store(nil)
	if fc := q.finish(); fc != nil {
		s.setFilter(c, *fc)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	<-readerDone // the connection's life
}

// waitAnyBegun waits, up to BeginWait, until the consumer has begun a
// partition: just after a restart the hub knows none, and a range would
// find nothing to scan.
func (s *Server) waitAnyBegun() {
	t := time.NewTimer(s.cfg.BeginWait)
	defer t.Stop()
	for {
		_, ch := s.hub.begun([]vecEntry{{part: -1}}) // never begun: the next Begin's channel
		if s.hub.partitions() > 0 {
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

// closeRange sends a close frame (none when code is 0) to an unregistered
// range client, waits (up to SlowTimeout) for its reader to see the
// peer's echo, then drops it.
func (s *Server) closeRange(c *client, w *replayWriter, readerDone chan struct{}, code ws.StatusCode, reason, label string) {
	c.hist.Store(nil)
	c.requestClose(code, reason, label)
	w.buf, _, _ = c.takeCtrl(w.buf[:headerRoom])
	w.raw(s.cfg.SlowTimeout)
	t := time.NewTimer(s.cfg.SlowTimeout)
	select {
	case <-readerDone:
	case <-t.C:
	}
	t.Stop()
	s.drop(c, label)
	<-readerDone
}

// ping writes a ping frame (the pending payload first).
func (w *replayWriter) ping(timeout time.Duration) error {
	if err := w.flush(timeout); err != nil {
		return err
	}
	w.c.conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := w.c.conn.Write(pingFrame); err != nil {
		return errors.Join(errWrite, err)
	}
	return nil
}

// beginQuery starts a history reply (range or context) on c: it marks the
// client busy, sends hello, registers the query so that a filter message
// stops it, and starts the reader whose end (the client gone or closing)
// cancels ctx and frees the query's slot (release): a client that closed
// may start its next query at once, while this one winds down.
// readerDone is closed when that reader returns. ok is false when the
// client is already gone (it has been dropped).
func (s *Server) beginQuery(c *client, src net.Conn, release func()) (w *replayWriter, ctx context.Context, cancel context.CancelFunc, q *histQuery, readerDone chan struct{}, ok bool) {
	c.busy.Store(true)
	c.busySince.Store(time.Now().UnixNano())
	w = &replayWriter{s: s, c: c, buf: make([]byte, headerRoom, 4096)}
	w.buf = appendHello(w.buf, "tailcast/"+s.cfg.Version)
	if err := w.flush(s.cfg.HandshakeTimeout); err != nil {
		s.drop(c, reasonClient)
		return nil, nil, nil, nil, nil, false
	}
	ctx, cancel = context.WithCancel(s.ctx)
	q = &histQuery{stop: cancel}
	c.hist.Store(q)
	readerDone = make(chan struct{})
	go func() {
		defer close(readerDone)
		s.readLoop(c, src)
		cancel()
		release()
	}()
	return w, ctx, cancel, q, readerDone, true
}
