package pusher

import (
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/sys/unix"
)

// frame is a ready-to-write byte run: control frames and/or one text frame
// of NDJSON lines. Shared frames are written to many clients; refs counts
// the writers still using it.
type frame struct {
	buf   []byte
	start int
	refs  atomic.Int32
}

var framePool = sync.Pool{New: func() any { return &frame{buf: make([]byte, 0, 4096)} }}

func getFrame() *frame {
	f := framePool.Get().(*frame)
	f.refs.Store(1)
	return f
}

func putFrame(f *frame) {
	if f.refs.Add(-1) != 0 {
		return
	}
	if cap(f.buf) > 4*maxFramePayload {
		f.buf = make([]byte, 0, 4096)
	}
	f.buf, f.start = f.buf[:0], 0
	framePool.Put(f)
}

// writeChunk is the most written under one write deadline.
const writeChunk = 64 << 10

// headerRoom is reserved in front of a payload for the largest header.
const headerRoom = ws.MaxHeaderSize

// pingFrame is an empty server ping.
var pingFrame = []byte{0x80 | byte(ws.OpPing), 0}

// flushLoop runs the coalescing passes. A pass that delivers entries is
// followed by at least FlushInterval of coalescing, so under load entries
// go out in batches at that cadence; the first entry after a quiet spell is
// flushed at once (Publish kicks the loop). Passes also run every
// FlushInterval for pings, control frames and clients that were busy.
func (s *Server) flushLoop() {
	defer s.wg.Done()
	t := time.NewTimer(s.cfg.FlushInterval)
	defer t.Stop()
	var lastData time.Time
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
			if time.Since(lastData) < s.cfg.FlushInterval {
				// Coalesce: t fires FlushInterval after that pass.
				select {
				case <-s.ctx.Done():
					return
				case <-t.C:
				}
			}
		}
		now := time.Now()
		if s.flush(now) {
			lastData = now
		}
		t.Reset(s.cfg.FlushInterval)
	}
}

// flush is one coalescing pass and reports whether it delivered entries.
// Under the lock it skips clients that fell too far behind and builds one
// frame per (filter, position) for caught-up clients and individual frames
// for the rest; then, without the lock, it hands them to the writers. It
// never touches a socket.
func (s *Server) flush(now time.Time) bool {
	delivered := s.collect(now)
	for i, c := range s.batch {
		select {
		case s.fast <- c:
		case <-s.ctx.Done(): // the pool has stopped; Close drops the clients
		}
		s.batch[i] = nil
	}
	s.batch = s.batch[:0]
	return delivered > 0
}

// collect is flush's pass under the read lock: it returns the entries
// delivered and leaves the pool's jobs in s.batch.
func (s *Server) collect(now time.Time) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tail := s.hub.nextSeq
	tailCum := s.hub.cumAt(tail)
	var delivered, backlog int64
	for _, c := range s.clients {
		if c.closed.Load() {
			continue
		}
		if c.polled.Load() && now.UnixNano()-c.lastRead.Load() > int64(2*s.cfg.PingInterval) {
			// Blocking readers notice this through their read deadline.
			c.requestClose(ws.StatusGoingAway, "no frame within two ping intervals", reasonIdle)
		}
		s.checkBehind(c, tail, now)
		if c.pos < tail {
			backlog += tailCum - s.hub.cumAt(max(c.pos, s.hub.headSeq))
		}
		if c.busy.Load() {
			continue
		}
		ping := !now.Before(c.nextPing)
		if c.dropped == 0 && !ping && !c.hasCtrl() {
			if c.pos == tail {
				continue
			}
			f := c.filt.Load()
			if c.floor == nil {
				key := sharedKey{f: f, pos: c.pos}
				sf, ok := s.shared[key]
				if !ok {
					sf.fr = getFrame()
					sf.end, sf.n = s.build(sf.fr, nil, f, c.pos, tail, nil)
					if sf.n == 0 {
						putFrame(sf.fr)
						sf.fr = nil
					}
					s.shared[key] = sf
				}
				c.pos = sf.end
				if sf.fr == nil {
					continue
				}
				sf.fr.refs.Add(1)
				delivered += int64(sf.n)
				s.dispatch(c, sf.fr, false, "")
				continue
			}
		}
		prefix, closeReq, label := c.takeCtrl(s.ctrlTmp[:0])
		s.ctrlTmp = prefix[:0]
		fr := getFrame()
		if closeReq {
			// Only the queued control frames, the close frame last, after
			// the count of entries skipped that the client was not told of
			// yet (a client behind is mostly busy, so that count may still
			// be pending).
			fr.buf = fr.buf[:0]
			if c.dropped > 0 {
				var tmp [64]byte
				p := appendDropped(tmp[:0], c.dropped)
				fr.buf = append(appendFrameHeader(fr.buf, ws.OpText, len(p)), p...)
				c.dropped = 0
			}
			fr.buf = append(fr.buf, prefix...)
			s.dispatch(c, fr, true, label)
			continue
		}
		if ping {
			prefix = append(prefix, pingFrame...)
			c.nextPing = now.Add(s.cfg.PingInterval)
		}
		end, n := s.build(fr, prefix, c.filt.Load(), c.pos, tail, c)
		c.pos = end
		if end == tail {
			s.clearFloor(c)
		}
		delivered += int64(n)
		if len(fr.buf) == fr.start {
			putFrame(fr)
			continue
		}
		s.dispatch(c, fr, false, "")
	}
	for _, sf := range s.shared {
		if sf.fr != nil {
			putFrame(sf.fr)
		}
	}
	clear(s.shared)
	s.m.deliveries.Add(float64(delivered))
	s.m.queueBytes.Set(float64(backlog))
	return delivered
}

// build fills fr with prefix (complete control frames) followed by one text
// frame of the lines from seq from up to tail that pass f, at most about
// maxFramePayload bytes. c, when not nil, supplies a pending dropped count
// and a floor. It returns the seq to continue from and the entries included.
// Caller holds s.mu (read).
func (s *Server) build(fr *frame, prefix []byte, f *filter, from, tail uint64, c *client) (end uint64, n int) {
	reserve := len(prefix) + headerRoom
	fr.buf = slices.Grow(fr.buf[:0], reserve+4096)[:reserve]
	if c != nil && c.dropped > 0 {
		fr.buf = appendDropped(fr.buf, c.dropped)
		c.dropped = 0
	}
	all := f.all()
	end = tail
	for seq := max(from, s.hub.headSeq); seq < tail; seq++ {
		r := s.hub.at(seq)
		if r == nil || !all && !f.matchRecord(r) {
			continue
		}
		if c != nil && c.floor != nil {
			if fo, ok := vecGet(c.floor, r.part); ok && r.off <= fo {
				continue
			}
			fr.buf = appendFloorLine(fr.buf, r, c.floor)
		} else {
			fr.buf = append(fr.buf, r.line...)
		}
		n++
		if len(fr.buf)-reserve >= maxFramePayload {
			end = seq + 1
			break
		}
	}
	payload := len(fr.buf) - reserve
	if payload == 0 {
		copy(fr.buf[headerRoom:], prefix)
		fr.start = headerRoom
		return end, n
	}
	var hdr [headerRoom]byte
	h := appendFrameHeader(hdr[:0], ws.OpText, payload)
	at := reserve - len(h)
	copy(fr.buf[at:], h)
	at -= len(prefix)
	copy(fr.buf[at:], prefix)
	fr.start = at
	return end, n
}

// appendFloorLine appends r's line with its cursor raised to at least floor,
// for a client that resumed past what this server had delivered.
func appendFloorLine(b []byte, r *record, floor []vecEntry) []byte {
	v, err := decodeCursor(r.cursor())
	if err != nil {
		return append(b, r.line...)
	}
	v, changed := vecMax(v, floor)
	if !changed {
		return append(b, r.line...)
	}
	b = append(b, entryPrefix...)
	b, _ = appendCursor(b, nil, v)
	b = append(b, '"')
	return append(b, r.body()...)
}

// clearFloor forgets c's floor once the log up to its tail (which s.vec
// describes) has passed it and c has been given everything up to the tail.
func (s *Server) clearFloor(c *client) {
	if c.floor == nil {
		return
	}
	for _, e := range c.floor {
		if o, ok := vecGet(s.vec, e.part); !ok || o < e.off {
			return
		}
	}
	c.floor = nil
}

// checkBehind skips c ahead when it is further behind than QueueBytes and
// either its socket has not taken its last frame for stuckAfter or it has
// stayed that far behind for queueGrace without getting closer; or when it
// is behind the log's eviction. It closes c with 1008 when it keeps being
// skipped for SlowTimeout. The grace is for bursts, not slow clients: a
// consumer catching up after a broker outage publishes megabytes at once,
// and a client that drains them as fast as they are written is not slow.
func (s *Server) checkBehind(c *client, tail uint64, now time.Time) {
	if c.pos >= tail {
		c.overSince = time.Time{}
		return
	}
	head := s.hub.headSeq
	grace := s.queueGrace()
	if c.pos >= head {
		lag := s.hub.cumAt(tail) - s.hub.cumAt(c.pos)
		if lag <= s.cfg.QueueBytes {
			c.overSince = time.Time{}
			return
		}
		stuck := c.busy.Load() && now.UnixNano()-c.busySince.Load() >= int64(stuckAfter)
		switch {
		case stuck:
		case c.overSince.IsZero() || lag < c.overLag:
			c.overSince, c.overLag = now, lag // over the bound, or closer than before
			return
		case now.Sub(c.overSince) < grace:
			return
		}
	}
	var n int64
	if c.pos < head {
		n = int64(head - c.pos) // evicted: counted before filtering
	}
	f := c.filt.Load()
	for seq := max(c.pos, head); seq < tail; seq++ {
		if r := s.hub.at(seq); r != nil && f.matchRecord(r) {
			n++
		}
	}
	c.pos = tail
	c.overSince = time.Time{}
	if n == 0 {
		return
	}
	c.dropped += n
	s.m.drops.Add(float64(n))
	if c.behindSince.IsZero() || now.Sub(c.lastSkip) > s.cfg.SlowTimeout+grace {
		c.behindSince = now
	} else if now.Sub(c.behindSince) >= s.cfg.SlowTimeout {
		c.requestClose(ws.StatusPolicyViolation, "client too slow", reasonSlow)
	}
	c.lastSkip = now
}

// stuckAfter is how long a frame may wait for a client's socket before
// the client counts as not keeping up, whatever its progress: a client
// that reads at full speed takes a frame in milliseconds.
const stuckAfter = 100 * time.Millisecond

// queueGrace is how long a client may stay over QueueBytes without
// getting closer before it is skipped: a second, or half of SlowTimeout
// when that is shorter, so that a slow client is still closed in time.
func (s *Server) queueGrace() time.Duration { return min(time.Second, s.cfg.SlowTimeout/2) }

// dispatch hands fr to a writer for c. closeAfter closes the connection once
// fr is written. A plain TCP data frame goes to the batch that flush hands
// to the writer pool once it has released the lock; everything else (TLS,
// close frames) to a blocking writer.
func (s *Server) dispatch(c *client, fr *frame, closeAfter bool, label string) {
	c.busy.Store(true)
	c.busySince.Store(time.Now().UnixNano())
	c.job, c.jobOff, c.closeAfter, c.closeWhy = fr, fr.start, closeAfter, label
	if c.raw != nil && !closeAfter {
		s.batch = append(s.batch, c)
		return
	}
	s.dispatchSlow(c)
}

// dispatchSlow hands c's job to an idle blocking writer, or starts one.
func (s *Server) dispatchSlow(c *client) {
	select {
	case s.jobs <- c:
	default:
		s.wg.Add(1)
		go s.worker(c)
	}
}

// writeLoop is one of the fixed pool of writers: it writes each job without
// blocking and hands what the socket did not take to a blocking writer, so
// that a stalled peer never holds the pool.
func (s *Server) writeLoop() {
	defer s.wg.Done()
	for {
		select {
		case c := <-s.fast:
			s.writeFast(c)
		case <-s.ctx.Done():
			return
		}
	}
}

// writeFast writes as much of c's job as the socket buffer takes, in one
// pass and with no deadline (nothing can block).
func (s *Server) writeFast(c *client) {
	c.wp = c.job.buf[c.jobOff:]
	c.werr = nil
	err := c.raw.Write(c.writeNow)
	c.jobOff = len(c.job.buf) - len(c.wp)
	c.wp = nil
	if err == nil {
		err = c.werr
	}
	switch {
	case err != nil:
		putFrame(c.job)
		c.job = nil
		s.drop(c, reasonError)
	case c.jobOff < len(c.job.buf):
		s.m.stalls.Inc()
		s.dispatchSlow(c) // socket buffer full: wait for it with a deadline
	default:
		putFrame(c.job)
		c.job = nil
		c.busy.Store(false)
	}
}

// writeRaw is c's syscall.RawConn write callback: it writes until the
// socket would block and never asks to wait. It is bound once per client
// (c.writeNow), so that a write does not allocate a closure.
func (c *client) writeRaw(fd uintptr) bool {
	for len(c.wp) > 0 {
		n, err := unix.Write(int(fd), c.wp)
		if n > 0 {
			c.wp = c.wp[n:]
		}
		switch {
		case err == unix.EINTR, err == nil && n > 0:
		case err == nil, err == unix.EAGAIN:
			return true
		default:
			c.werr = err
			return true
		}
	}
	return true
}

// worker writes jobs that may block; it exits after workerIdle without work.
func (s *Server) worker(c *client) {
	defer s.wg.Done()
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		s.write(c)
		t.Reset(workerIdle)
		select {
		case c = <-s.jobs:
		case <-t.C:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// write performs the rest of a job, blocking under a deadline; it is the
// only writer of c's connection.
func (s *Server) write(c *client) {
	fr, closeAfter, label := c.job, c.closeAfter, c.closeWhy
	c.job = nil
	var err error
	timeout := s.cfg.SlowTimeout
	if closeAfter {
		timeout = min(timeout, time.Second)
	}
	// The deadline is renewed per chunk: a client that reads slowly but
	// steadily is handled by skipping and the 1008 close, only one that
	// stops reading altogether times out here.
	for p := fr.buf[c.jobOff:]; len(p) > 0 && err == nil; {
		n := min(len(p), writeChunk)
		c.conn.SetWriteDeadline(time.Now().Add(timeout))
		_, err = c.conn.Write(p[:n])
		p = p[n:]
	}
	putFrame(fr)
	if err == nil && c.raw != nil {
		// The pool's writes check the deadline before writing.
		err = c.conn.SetWriteDeadline(time.Time{})
	}
	switch {
	case closeAfter:
		s.finishClose(c, label)
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.drop(c, reasonSlow)
	case err != nil:
		s.drop(c, reasonError)
	default:
		c.busy.Store(false)
	}
}

// closeLinger is how long a closed connection is still read (and
// discarded) so that the peer's unread data does not turn our close frame
// into a TCP reset.
const closeLinger = 2 * time.Second

// finishClose follows a written close frame: half-close, let the read side
// drain for closeLinger, and unregister. The read loop closes the socket
// when it ends; if it already has, do it here.
func (s *Server) finishClose(c *client, label string) {
	if !c.closed.CompareAndSwap(false, true) {
		return
	}
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	c.conn.SetReadDeadline(time.Now().Add(closeLinger))
	if c.polled.Load() {
		// The poller discards what arrives until EOF; the timer bounds it.
		c.discard.Store(true)
		time.AfterFunc(closeLinger, func() { s.closePolled(c) })
	} else if c.readerDone.Load() {
		c.conn.Close()
	}
	s.unregister(c, label)
}
