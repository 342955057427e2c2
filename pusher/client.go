package pusher

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
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
	busy       atomic.Bool  // a writer owns the connection
	busySince  atomic.Int64 // UnixNano when it last became busy
	closed     atomic.Bool  // unregistered; the socket is closed or closing
	readerDone atomic.Bool
	lastRead   atomic.Int64 // UnixNano of the last frame read

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
	nextPing    time.Time

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

// appendFrameHeader appends an unmasked, final frame header.
func appendFrameHeader(b []byte, op ws.OpCode, n int) []byte {
	b = append(b, 0x80|byte(op))
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		return append(b, 127, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// prefixConn reads what the HTTP server buffered before the connection.
type prefixConn struct {
	net.Conn
	r *bufio.Reader
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

// reader is a connection's read state between frames; it holds no
// buffer, so an idle connection costs only this struct.
type reader struct {
	rd  wsutil.Reader
	src io.Reader
	bad int // consecutive invalid messages
}

func (s *Server) newReader(c *client, src io.Reader) *reader {
	r := &reader{src: src}
	r.rd = wsutil.Reader{
		Source:         src,
		State:          ws.StateServerSide,
		CheckUTF8:      true,
		MaxFrameSize:   s.cfg.MaxMessageBytes,
		MaxMessageSize: s.cfg.MaxMessageBytes,
		OnIntermediate: func(h ws.Header, fr io.Reader) error {
			return wsutil.ControlHandler{Src: fr, Dst: c, State: ws.StateServerSide, DisableSrcCiphering: true}.Handle(h)
		},
	}
	return r
}

// readLoop reads client frames until the connection ends (blocking mode:
// one goroutine per connection).
func (s *Server) readLoop(c *client, src io.Reader) {
	defer func() {
		c.readerDone.Store(true)
		if c.closed.Load() {
			c.conn.Close()
		}
	}()
	r := s.newReader(c, src)
	for !c.closed.Load() && s.readOne(c, r, 2*s.cfg.PingInterval) {
	}
}

// readOne reads one frame (a whole message for data frames) and handles it:
// control frames are answered through the writer, filter messages applied.
// It returns false once the connection is closing.
func (s *Server) readOne(c *client, r *reader, timeout time.Duration) bool {
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	h, err := r.rd.NextFrame()
	if err == nil && h.OpCode.IsControl() {
		err = wsutil.ControlHandler{Src: &r.rd, Dst: c, State: ws.StateServerSide, DisableSrcCiphering: true}.Handle(h)
		if err == nil {
			c.lastRead.Store(time.Now().UnixNano())
			return true
		}
	}
	if err == nil && h.OpCode == ws.OpBinary {
		s.closeFor(c, r.src, ws.StatusUnsupportedData, "binary frames are not accepted", reasonProtocol)
		return false
	}
	var buf []byte
	if err == nil {
		buf, err = readAllLimited(&r.rd, make([]byte, 0, int(min(h.Length, 512))))
	}
	if err != nil {
		s.readFailed(c, r.src, err)
		return false
	}
	c.lastRead.Store(time.Now().UnixNano())
	if f, perr := parseClientMessage(buf); perr != nil {
		r.bad++
		if r.bad >= maxBadMessages {
			s.closeFor(c, r.src, ws.StatusPolicyViolation, "too many invalid messages", reasonPolicy)
			return false
		}
		c.queueText(appendError(nil, perr.Error()))
	} else {
		r.bad = 0
		s.setFilter(c, f)
	}
	return true
}

// readAllLimited reads the current message; the wsutil.Reader enforces the
// size limit and UTF-8.
func readAllLimited(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// readFailed maps a read error to the close the protocol asks for.
func (s *Server) readFailed(c *client, src io.Reader, err error) {
	var closed wsutil.ClosedError
	var perr ws.ProtocolError
	switch {
	case errors.As(err, &closed):
		// The control handler queued the echo; send it, then close.
		s.closeFor(c, src, 0, "", reasonClient)
	case errors.Is(err, wsutil.ErrFrameTooLarge), errors.Is(err, wsutil.ErrMessageTooLarge):
		s.closeFor(c, src, ws.StatusMessageTooBig, "message too large", reasonProtocol)
	case errors.Is(err, wsutil.ErrInvalidUTF8):
		s.closeFor(c, src, ws.StatusInvalidFramePayloadData, "invalid UTF-8", reasonProtocol)
	case errors.As(err, &perr):
		s.closeFor(c, src, ws.StatusProtocolError, perr.Error(), reasonProtocol)
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.drop(c, reasonIdle)
	default:
		s.drop(c, reasonClient)
	}
}

// closeFor has the writer send a close frame, then discards what the peer
// still sends (bounded), so that closing does not reset the connection
// before the peer has read the close frame.
func (s *Server) closeFor(c *client, src io.Reader, code ws.StatusCode, reason, label string) {
	c.requestClose(code, reason, label)
	s.log.Debug("closing websocket", zap.String("remote", c.conn.RemoteAddr().String()), zap.Uint16("code", uint16(code)), zap.String("reason", reason))
	if c.polled.Load() {
		c.discard.Store(true) // the poller reads and discards from now on
		s.poll.rearm(c)
		return
	}
	c.conn.SetReadDeadline(time.Now().Add(s.cfg.SlowTimeout + closeLinger))
	_, _ = io.CopyN(io.Discard, src, maxLingerBytes)
}

// maxLingerBytes bounds what is read and discarded from a closing peer.
const maxLingerBytes = 1 << 20

// setFilter replaces c's filter.
func (s *Server) setFilter(c *client, f *filter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.idx < 0 {
		return
	}
	old := c.filt.Swap(s.intern(f))
	if old != nil {
		s.unintern(old)
	}
}
