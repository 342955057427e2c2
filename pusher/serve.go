package pusher

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/proto/logpb"
)

// replayFrameBytes is the payload size at which replay frames are written.
const replayFrameBytes = 256 << 10

// fetchRange is a part of a partition to read from Kafka: [from, to).
type fetchRange struct {
	part     int32
	from, to int64
}

// replayPlan is what a new client gets before going live, fixed under the
// hub lock at the moment it is registered at the log's tail.
type replayPlan struct {
	fetch []fetchRange
	ring  []*record
	cur   []vecEntry // since: the resume vector, raised as entries are sent
	since bool
}

// serve runs a connection after the upgrade: hello, registration, replay,
// then the read loop. The client is busy (no writer but this goroutine)
// until the replay is written.
func (s *Server) serve(c *client, src net.Conn, f *filter, req request) {
	c.busy.Store(true)
	c.busySince.Store(time.Now().UnixNano())
	if req.hasSince {
		s.waitBegin(req.since)
	}
	// Registered before hello: a client that has read hello gets every
	// entry published after that.
	plan, ok := s.register(c, f, req)
	w := &replayWriter{s: s, c: c, buf: make([]byte, headerRoom, 4096)}
	if !ok {
		c.requestClose(ws.StatusGoingAway, "server shutting down", reasonShutdown)
		w.buf, _, _ = c.takeCtrl(w.buf[:headerRoom])
		w.raw(time.Second)
		s.drop(c, reasonShutdown)
		return
	}
	w.buf = appendHello(w.buf, "tailcast/"+s.cfg.Version)
	if err := w.flush(s.cfg.HandshakeTimeout); err != nil {
		s.drop(c, reasonClient)
		return
	}
	if err := s.replay(w, f, plan); err != nil {
		s.log.Debug("replay failed", zap.String("remote", c.conn.RemoteAddr().String()), zap.Error(err))
		s.drop(c, reasonError)
		return
	}
	c.lastRead.Store(time.Now().UnixNano())
	s.enableRaw(c)
	if s.poll != nil {
		if fd, ok := connFD(src); ok {
			c.fd, c.rd = fd, s.newReader(c, src)
			c.polled.Store(true)
			if err := s.poll.add(c); err == nil {
				c.busy.Store(false)
				return // the handler goroutine ends; the poller reads from now on
			}
			c.polled.Store(false)
			c.rd = nil
		}
	}
	c.busy.Store(false)
	s.readLoop(c, src)
}

// enableRaw lets the writer pool write c without blocking when it is a
// plain TCP connection. The replay's write deadline is cleared, since a raw
// write checks it first.
func (s *Server) enableRaw(c *client) {
	tc, ok := c.conn.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil || tc.SetWriteDeadline(time.Time{}) != nil {
		return
	}
	c.raw, c.writeNow = raw, c.writeRaw
}

// waitBegin waits, up to BeginWait, until every partition of the cursor has
// begun (after a restart the consumer may not have joined yet), so that the
// resume compares against real positions.
func (s *Server) waitBegin(v []vecEntry) {
	t := time.NewTimer(s.cfg.BeginWait)
	defer t.Stop()
	for {
		s.mu.RLock()
		missing := false
		for _, e := range v {
			if s.parts[e.part] == nil {
				missing = true
				break
			}
		}
		ch := s.begunCh
		s.mu.RUnlock()
		if !missing {
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

// register fixes the replay and makes c live at the log's tail, atomically
// with respect to Publish: every entry is either in the plan or delivered
// live, never both.
func (s *Server) register(c *client, f *filter, req request) (replayPlan, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return replayPlan{}, false
	}
	var plan replayPlan
	tail := s.hub.nextSeq
	switch {
	case req.hasSince:
		plan.since = true
		plan.cur = slices.Clone(req.since)
		v := req.since
		for _, e := range v {
			p := s.parts[e.part]
			if p == nil {
				// Never begun: live entries at or below the cursor are skipped.
				c.floor = vecSet(c.floor, e.part, e.off)
				continue
			}
			hi := p.last + 1
			if held := p.held(); len(held) > 0 {
				hi = held[0].off
			}
			if e.off+1 < hi {
				plan.fetch = append(plan.fetch, fetchRange{part: e.part, from: e.off + 1, to: hi})
			}
			if e.off > p.last {
				c.floor = vecSet(c.floor, e.part, e.off)
			}
		}
		for seq := s.hub.headSeq; seq < tail; seq++ {
			r := s.hub.at(seq)
			if r == nil {
				continue
			}
			if o, ok := vecGet(v, r.part); ok && r.off <= o {
				continue
			}
			if f.matchRecord(r) {
				plan.ring = append(plan.ring, r)
			}
		}
	case req.backfill > 0:
		for seq := tail; seq > s.hub.headSeq && len(plan.ring) < req.backfill; seq-- {
			if r := s.hub.at(seq - 1); r != nil && f.matchRecord(r) {
				plan.ring = append(plan.ring, r)
			}
		}
		slices.Reverse(plan.ring)
	}
	c.pos = tail
	c.nextPing = time.Now().Add(s.cfg.PingInterval)
	c.filt.Store(s.intern(f))
	c.idx = len(s.clients)
	s.clients = append(s.clients, c)
	s.m.connections.Inc()
	return plan, true
}

// replay writes the plan: a gap if part of it is gone, the Kafka ranges,
// then the ring entries, each with a cursor that resumes exactly.
func (s *Server) replay(w *replayWriter, f *filter, plan replayPlan) error {
	if !plan.since {
		for _, r := range plan.ring {
			if err := w.add(r.line); err != nil {
				return err
			}
		}
		return w.flush(s.cfg.SlowTimeout)
	}
	cur := plan.cur
	var missed int64
	type probe struct {
		logStart int64
		off      int64
		e        *logpb.LogEntry
		err      error
	}
	probes := make([]probe, len(plan.fetch))
	for i, fr := range plan.fetch {
		if s.cfg.Fetcher == nil {
			missed += fr.to - fr.from
			continue
		}
		// Read the first offset alone to learn logStart before sending
		// anything, so that the gap comes first.
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
	var body []byte
	emit := func(fr fetchRange, off int64, e *logpb.LogEntry) error {
		if o, _ := vecGet(cur, fr.part); off <= o || off >= fr.to || e == nil {
			return nil
		}
		cur = vecSet(cur, fr.part, off)
		if !f.match(e.Service, e.Host, e.Level, e.Message, strings.ToLower(e.Message)) {
			return nil
		}
		body = appendEntryBody(body[:0], e)
		return w.addEntry(cur, body)
	}
	for i, fr := range plan.fetch {
		if s.cfg.Fetcher != nil && probes[i].err == nil {
			pr := probes[i]
			if pr.off >= 0 {
				if err := emit(fr, pr.off, pr.e); err != nil {
					return err
				}
			}
			if from := max(fr.from+1, pr.logStart); from < fr.to {
				_, err := s.cfg.Fetcher.Fetch(s.ctx, fr.part, from, fr.to, func(off int64, e *logpb.LogEntry) error {
					return emit(fr, off, e)
				})
				if err != nil {
					if errors.Is(err, errWrite) || errors.Is(err, context.Canceled) {
						return err
					}
					// Partial: what was not read is missing for this client.
					s.log.Warn("resume fetch failed", zap.Int32("partition", fr.part), zap.Error(err))
				}
			}
		}
		cur = vecSet(cur, fr.part, fr.to-1)
	}
	for _, r := range plan.ring {
		v, err := decodeCursor(r.cursor())
		if err != nil {
			return err
		}
		merged, _ := vecMax(slices.Clone(v), cur)
		cur, _ = vecMax(cur, v)
		if slices.Equal(merged, v) {
			err = w.add(r.line)
		} else {
			err = w.addEntry(merged, r.body())
		}
		if err != nil {
			return err
		}
	}
	return w.flush(s.cfg.SlowTimeout)
}

// errWrite marks a replay write failure, to stop a Fetch.
var errWrite = errors.New("replay write failed")

// replayWriter batches replay lines into text frames, written by the
// connection's handler goroutine while the client is busy.
type replayWriter struct {
	s   *Server
	c   *client
	buf []byte // headerRoom bytes of room, then the payload
	tmp []byte
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
