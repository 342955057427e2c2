package pusher

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// dispatch hands fr to a writer for c. closeAfter closes the connection once
// fr is written. A plain TCP data frame goes to the batch that flush hands
// to the writer pool once it has released the lock; everything else (TLS,
// close frames) to a blocking writer.
func (s *Server) dispatch(c *client, fr *frame, closeAfter bool, label string) {
	c.busy.Store(true)
	c.busySince.Store(time.Now().UnixNano())
	c.job, c.jobOff, c.closeAfter, c.closeWhy = fr, fr.start, closeAfter, label
	if c.raw != nil && !closeAfter {
		// Straight to the pool when it has room, so that writes overlap
		// the rest of the pass: a pass over a thousand distinct filters
		// takes milliseconds, and the first client's frame would wait for
		// the last one's. Never blocking here: a writer that drops its
		// client takes the registry's lock, which the pass holds.
		select {
		case s.fast <- c:
		default:
			s.batch = append(s.batch, c)
		}
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
		// The poller discards what arrives until EOF; the flush loop
		// closes the socket at the deadline if the peer has not by then.
		c.discard.Store(true)
		s.lingerMu.Lock()
		s.lingering = append(s.lingering, lingerConn{c: c, until: time.Now().Add(closeLinger)})
		s.lingerMu.Unlock()
	} else if c.readerDone.Load() {
		c.conn.Close()
	}
	s.unregister(c, label)
}

// lingerConn is a polled connection closed on our side, read and discarded
// until its peer closes it or until is reached.
type lingerConn struct {
	c     *client
	until time.Time
}

// closeLingering closes the lingering connections whose time is up (or all
// of them when all is set). The flush loop calls it on every pass, so no
// timer outlives Close.
func (s *Server) closeLingering(now time.Time, all bool) {
	s.lingerMu.Lock()
	var due []*client
	keep := s.lingering[:0]
	for _, l := range s.lingering {
		switch {
		case l.c.pollClosed.Load():
		case all || !now.Before(l.until):
			due = append(due, l.c)
		default:
			keep = append(keep, l)
		}
	}
	clear(s.lingering[len(keep):])
	s.lingering = keep
	s.lingerMu.Unlock()
	for _, c := range due {
		s.closePolled(c)
	}
}
