package pusher

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/zap"
)

// maxCtrlBytes bounds control replies queued for a client (pong flood):
// past it, further pongs are not queued (RFC 6455 5.5.3 allows answering
// only the most recent ping).
const maxCtrlBytes = 16 << 10

// maxBadMessages is how many consecutive invalid client messages are
// answered with "error" before the connection is closed with 1008.
const maxBadMessages = 10

// client is one websocket connection. Fields marked "flush loop" are
// touched only by the flush loop (under s.mu read lock) or under the s.mu
// write lock; job and closeAfter are handed to the writer with the job.
type client struct {
	s    *Server
	conn net.Conn
	ip   string
	idx  int // in s.clients; -1 when not registered (s.mu)

	filt       atomic.Pointer[filter]
	hist       atomic.Pointer[histQuery] // a running history query (history.go)
	refill     atomic.Int32              // 1+N: refill with N entries asked, not started yet
	busy       atomic.Bool               // a writer owns the connection
	busySince  atomic.Int64              // UnixNano when it last became busy
	closed     atomic.Bool               // unregistered; the socket is closed or closing
	readerDone atomic.Bool
	lastRead   atomic.Int64 // UnixNano of the last frame read
	patTop     atomic.Int32 // patterns subscribed to (top N); 0: none (patterns_top.go)

	// netpoll mode (see poller.go)
	polled     atomic.Bool // set before the poller sees the connection
	fd         int
	pollID     uint32
	pollClosed atomic.Bool
	discard    atomic.Bool // closing: read and throw away until EOF
	rd         *reader
	readMu     sync.Mutex

	// flush loop
	pos         uint64
	dropped     int64
	behindSince time.Time
	lastSkip    time.Time
	overSince   time.Time  // since when over QueueBytes without getting closer
	overLag     int64      // the lag then, in bytes
	floor       []vecEntry // live entries at or below are already delivered
	scan        *scanner   // evaluates a costly filter; nil for cheap ones
	nextPing    time.Time
	lastData    time.Time // the pass that last sent it entries (coalesce.go)

	// raw is the socket of a plain TCP connection, written by the writer
	// pool without blocking; nil (TLS) means every write is a blocking one.
	// Set before the client is first released to the flush loop.
	raw      syscall.RawConn
	writeNow func(fd uintptr) bool // c.writeRaw, bound once

	// handed to the writer
	job        *frame
	jobOff     int // job.buf[jobOff:] is still to be written
	closeAfter bool
	closeWhy   string
	wp         []byte // writeRaw: what is left to write
	werr       error  // writeRaw: the write error

	ctrlMu    sync.Mutex
	ctrl      []byte // complete frames to send before data (pongs, errors, close)
	closeReq  bool
	closeLbl  string
	closeSent bool
}

func newClient(s *Server, conn net.Conn, ip string) *client {
	return &client{s: s, conn: conn, ip: ip, idx: -1}
}

// Write queues control frames produced by wsutil.ControlHandler.
func (c *client) Write(p []byte) (int, error) {
	c.ctrlMu.Lock()
	defer c.ctrlMu.Unlock()
	if c.closeSent {
		return len(p), nil
	}
	if len(c.ctrl)+len(p) > maxCtrlBytes && len(p) > 0 && ws.OpCode(p[0]&0x0f) == ws.OpPong {
		return len(p), nil
	}
	if len(p) > 0 && ws.OpCode(p[0]&0x0f) == ws.OpClose {
		c.closeSent = true
	}
	c.ctrl = append(c.ctrl, p...)
	return len(p), nil
}

// queueText queues a text frame holding line.
func (c *client) queueText(line []byte) {
	c.ctrlMu.Lock()
	defer c.ctrlMu.Unlock()
	if c.closeSent {
		return
	}
	c.ctrl = appendFrameHeader(c.ctrl, ws.OpText, len(line))
	c.ctrl = append(c.ctrl, line...)
}

// requestClose asks the flush loop to send a close frame with code (none
// when code is 0, e.g. because the control handler already echoed the
// peer's) after the queued control frames, then to close the connection.
func (c *client) requestClose(code ws.StatusCode, reason, label string) {
	c.ctrlMu.Lock()
	defer c.ctrlMu.Unlock()
	if c.closeReq {
		return
	}
	c.closeReq, c.closeLbl = true, label
	if code != 0 && !c.closeSent {
		body := ws.NewCloseFrameBody(code, reason)
		c.ctrl = appendFrameHeader(c.ctrl, ws.OpClose, len(body))
		c.ctrl = append(c.ctrl, body...)
		c.closeSent = true
	}
}

// takeCtrl moves the queued control frames into dst.
func (c *client) takeCtrl(dst []byte) (b []byte, closeReq bool, label string) {
	c.ctrlMu.Lock()
	defer c.ctrlMu.Unlock()
	dst = append(dst, c.ctrl...)
	c.ctrl = c.ctrl[:0]
	if cap(c.ctrl) > 4096 {
		c.ctrl = nil
	}
	return dst, c.closeReq, c.closeLbl
}

func (c *client) hasCtrl() bool {
	c.ctrlMu.Lock()
	defer c.ctrlMu.Unlock()
	return len(c.ctrl) > 0 || c.closeReq
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if p.r != nil {
		if p.r.Buffered() > 0 {
			return p.r.Read(b)
		}
		p.r = nil
	}
	return p.Conn.Read(b)
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
	if ok && req.patTop > 0 {
		s.wakePatterns()
	}
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
		if errors.Is(err, errTooCostly) {
			c.requestClose(ws.StatusPolicyViolation, "filter too costly", reasonCost)
			w.buf, _, _ = c.takeCtrl(w.buf[:headerRoom])
			w.raw(time.Second)
			s.drop(c, reasonCost)
			return
		}
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
	tc, ok := tcpConn(c.conn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil || tc.SetWriteDeadline(time.Time{}) != nil {
		return
	}
	c.raw, c.writeNow = raw, c.writeRaw
}
