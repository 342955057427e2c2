package pusher

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"go.uber.org/zap"
)

// prefixConn reads what the HTTP server buffered before the connection.
type prefixConn struct {
	net.Conn
	r *bufio.Reader
}

// reader is a connection's read state between frames; it holds no
// buffer, so an idle connection costs only this struct.
type reader struct {
	rd   wsutil.Reader
	src  io.Reader
	bad  int // consecutive invalid messages
	rate messageRate
}

// Client messages (filters) allowed per connection: filterBurst at once,
// then filterRate a second. A viewer sends one per edit of its filter.
const (
	filterRate  = 10
	filterBurst = 20
)

// messageRate is a token bucket of client messages.
type messageRate struct {
	tokens float64
	last   time.Time
}

func (m *messageRate) allow(now time.Time) bool {
	if m.last.IsZero() {
		m.tokens = filterBurst
	} else {
		m.tokens = min(filterBurst, m.tokens+now.Sub(m.last).Seconds()*filterRate)
	}
	m.last = now
	if m.tokens < 1 {
		return false
	}
	m.tokens--
	return true
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
	now := time.Now()
	c.lastRead.Store(now.UnixNano())
	if !r.rate.allow(now) {
		// Not even parsed: each filter may cost a compile and a scanner.
		c.queueText(appendError(nil, fmt.Sprintf("too many messages: at most %d a second (burst %d); this one was ignored", filterRate, filterBurst)))
		return true
	}
	if fc, perr := parseClientMessage(buf); perr != nil {
		r.bad++
		if r.bad >= maxBadMessages {
			s.closeFor(c, r.src, ws.StatusPolicyViolation, "too many invalid messages", reasonPolicy)
			return false
		}
		c.queueText(appendError(nil, perr.Error()))
	} else if fc.f == nil {
		r.bad = 0
		s.subscribePatterns(c, fc.patTop)
	} else {
		r.bad = 0
		s.setFilter(c, fc)
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
		s.closeFor(c, src, statusIdle, "idle timeout: no frame within two ping intervals", reasonIdle)
	default:
		s.drop(c, reasonClient)
	}
}

// closeFor has the writer send a close frame, then discards what the peer
// still sends (bounded), so that closing does not reset the connection
// before the peer has read the close frame.
func (s *Server) closeFor(c *client, src io.Reader, code ws.StatusCode, reason, label string) {
	if q := c.hist.Load(); q != nil {
		q.stop() // a history query stops now, not after the linger below
	}
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

// statusIdle closes a connection that sent no frame (not even a pong)
// within two ping intervals. 1001 is kept for shutdown, where a client
// should reconnect elsewhere; this is the peer's silence, an application
// code in the range RFC 6455 leaves to applications.
const statusIdle ws.StatusCode = 4000

// maxLingerBytes bounds what is read and discarded from a closing peer.
const maxLingerBytes = 1 << 20

// setFilter replaces c's filter and, when asked, has the flush loop refill
// c (see refill.go). Both happen between two flush passes, under the
// registry lock.
func (s *Server) setFilter(c *client, fc filterChange) {
	if q := c.hist.Load(); q != nil && q.filterChanged(fc) {
		return // applied when the client goes live
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.idx < 0 {
		return
	}
	old := c.filt.Swap(s.intern(fc.f))
	if old != nil {
		s.unintern(old)
	}
	if fc.backfill >= 0 {
		c.refill.Store(int32(fc.backfill) + 1)
	}
	if c.patTop.Load() > 0 {
		s.wakePatterns() // its counts follow the new filter at once
	}
}
