package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// Filter is the server-side filter (docs/protocol.md). Empty fields mean no
// constraint.
type Filter struct {
	Service []string // exact service names, any of
	Host    []string // exact host names, any of
	Level   string   // minimum level: trace, debug, info, warn, error or fatal
	Query   string   // case-insensitive substring of the message
	Regex   string   // RE2 matched against the message
	Where   []string // field conditions such as status>=500, all of which must hold
	// Pattern keeps entries of these pattern ids (any of them), NotPattern
	// hides entries of these (docs/protocol.md, Patterns).
	Pattern    []string
	NotPattern []string
}

// Options says where to connect and what to ask for.
type Options struct {
	// URL of the server: http(s)://host:port, ws(s)://host:port/ws, a path
	// prefix (https://h/tailcast/) or a bare host:port. Required.
	URL string
	// Filter is the initial filter. Default: everything.
	Filter Filter
	// Backfill asks for the N most recent matching entries first. Default 0.
	Backfill int
	// Since is a cursor to resume strictly after; it wins over Backfill.
	// Default "": start live.
	Since string
	// History asks for a time range or the context of an entry instead of
	// (or, for a range without To, before) the live stream. Default: none.
	History History
	// Token is sent as "Authorization: Bearer <token>". Default "": none.
	Token string
	// Reconnect makes Follow reconnect after a dropped connection, resuming
	// after the last entry delivered. Default false.
	Reconnect bool
	// MaxBackoff caps the wait between reconnect attempts. Default 10s.
	MaxBackoff time.Duration
	// TLSConfig for wss/https URLs. Default nil: system roots.
	TLSConfig *tls.Config
	// DialTimeout bounds connecting plus the upgrade plus the hello.
	// Default 10s.
	DialTimeout time.Duration
	// IdleTimeout: a connection on which nothing (not even the server's
	// 30 s ping) arrives for this long is considered dead. Default 75s;
	// negative: never.
	IdleTimeout time.Duration
	// MaxMessageSize bounds one websocket message from the server.
	// Default 64 MiB.
	MaxMessageSize int64
	// OnDisconnect, when set, is told by Follow why a connection ended and
	// how long it waits before reconnecting. Default nil.
	OnDisconnect func(err error, wait time.Duration)
}

func (o *Options) fill() {
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 75 * time.Second
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = 64 << 20
	}
}

// maxErrorBody bounds how much of a refusal's body is read and shown.
const maxErrorBody = 512

// aLongTimeAgo is a deadline in the past, to interrupt a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// Conn is one websocket connection to a tailcast server.
type Conn struct {
	nc   net.Conn
	url  string // the ws(s) URL dialled, without query
	rd   *wsutil.Reader
	idle time.Duration

	// ctrl collects the replies (pong, close) the control handler writes, so
	// that they go out in one locked write.
	ctrl    bytes.Buffer
	onCtrl  wsutil.FrameHandlerFunc
	pending [][]byte // objects of the current frame not yet returned
	err     error    // terminal read error

	wmu    sync.Mutex // serialises frame writes and guards closed
	closed bool
}

// Dial connects, upgrades and reads the server's hello, which the first Next
// returns. Errors name the problem: ErrBadURL, ErrUnreachable, a
// *StatusError (401, 403, 400 with the server's reason, …) or ErrProtocol.
func Dial(ctx context.Context, opts Options) (*Conn, error) {
	opts.fill()
	u, base, err := endpoint(opts.URL)
	if err != nil {
		return nil, err
	}
	target := *u
	q := query(base, opts.Filter, opts.Backfill, opts.Since)
	if opts.Since == "" {
		opts.History.addTo(q)
	}
	target.RawQuery = q.Encode()
	where := u.String()

	var refused *StatusError
	d := ws.Dialer{
		Timeout:   opts.DialTimeout,
		TLSConfig: opts.TLSConfig,
		OnStatusError: func(status int, _ []byte, resp io.Reader) {
			refused = &StatusError{URL: where, Code: status, Text: readRefusal(resp)}
		},
	}
	if opts.Token != "" {
		d.Header = ws.HandshakeHeaderHTTP(http.Header{"Authorization": {"Bearer " + opts.Token}})
	}
	nc, br, _, err := d.Dial(ctx, target.String())
	if err != nil {
		if refused != nil {
			return nil, refused
		}
		return nil, dialError(ctx, where, err)
	}
	c := &Conn{nc: nc, url: where, idle: opts.IdleTimeout}
	var src io.Reader = nc
	if br != nil {
		src = br // the server's first frames may already be buffered
	}
	c.rd = &wsutil.Reader{
		Source:         src,
		State:          ws.StateClientSide,
		CheckUTF8:      true,
		MaxMessageSize: opts.MaxMessageSize,
	}
	c.onCtrl = wsutil.ControlFrameHandler(&c.ctrl, ws.StateClientSide)
	c.rd.OnIntermediate = func(h ws.Header, r io.Reader) error {
		err := c.onCtrl(h, r)
		if werr := c.flushCtrl(); err == nil {
			err = werr
		}
		return err
	}

	hctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	hello, err := c.peek(hctx)
	if err == nil {
		err = checkHello(hello)
	}
	if err != nil {
		c.Close()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = protocolError("no hello from %s within %v", where, opts.DialTimeout)
		}
		return nil, err
	}
	return c, nil
}

func checkHello(m Message) error {
	if m.Type != TypeHello {
		return protocolError("first object is %q, want hello: %s", m.Type, excerpt(m.Raw))
	}
	if m.Version != ProtocolVersion {
		return protocolError("server speaks protocol version %d, this client speaks %d", m.Version, ProtocolVersion)
	}
	return nil
}

// readRefusal extracts the plain-text reason of a refused upgrade.
func readRefusal(resp io.Reader) string {
	r, err := http.ReadResponse(bufio.NewReader(resp), nil)
	if err != nil {
		return ""
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "text/html") {
		return "" // a proxy's error page says nothing the status does not
	}
	return s
}

func dialError(ctx context.Context, where string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("%w: %q: %v", ErrBadURL, where, uerr.Err)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &unreachableError{addr: where, err: op.Err}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &unreachableError{addr: where, err: dns}
	}
	var (
		certErr   *tls.CertificateVerificationError
		recordErr tls.RecordHeaderError
		alertErr  tls.AlertError
		hostErr   x509.HostnameError
		authErr   x509.UnknownAuthorityError
	)
	if errors.As(err, &certErr) || errors.As(err, &recordErr) || errors.As(err, &alertErr) ||
		errors.As(err, &hostErr) || errors.As(err, &authErr) {
		return &tlsError{addr: where, err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return &unreachableError{addr: where, err: err}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ws.ErrMalformedResponse) ||
		errors.Is(err, ws.ErrHandshakeBadProtocol) || errors.Is(err, ws.ErrHandshakeBadUpgrade) ||
		errors.Is(err, ws.ErrHandshakeBadConnection) || errors.Is(err, ws.ErrHandshakeBadSecAccept) {
		return fmt.Errorf("%w: %s did not accept a websocket upgrade (is it a tailcast server?): %v", ErrProtocol, where, err)
	}
	return fmt.Errorf("connect to %s: %w", where, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// URL is the ws(s) URL of the endpoint, without the query.
func (c *Conn) URL() string { return c.url }

// Next returns the next message. It blocks until one arrives, the server
// closes (a *CloseError), the connection fails, or ctx is done. After an
// error other than a bad object (ErrProtocol with the Conn still open) the
// Conn is unusable, as it is when ctx ends a blocked Next.
func (c *Conn) Next(ctx context.Context) (Message, error) {
	m, err := c.peek(ctx)
	if err == nil {
		c.pending = c.pending[1:]
	}
	return m, err
}

// peek decodes the next object without consuming it; a bad object is
// consumed and reported.
func (c *Conn) peek(ctx context.Context) (Message, error) {
	for len(c.pending) == 0 {
		if err := c.readFrame(ctx); err != nil {
			return Message{}, err
		}
	}
	m, err := decodeMessage(c.pending[0])
	if err != nil {
		c.pending = c.pending[1:]
	}
	return m, err
}

// readFrame reads one text message and splits it into its objects.
func (c *Conn) readFrame(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetReadDeadline(aLongTimeAgo) })
	defer stop()
	payload, err := c.readText(ctx)
	if err != nil {
		c.err = err
		return err
	}
	for line := range bytes.SplitSeq(payload, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) > 0 {
			c.pending = append(c.pending, line)
		}
	}
	return nil
}

func (c *Conn) readText(ctx context.Context) ([]byte, error) {
	for {
		var deadline time.Time
		if c.idle > 0 {
			deadline = time.Now().Add(c.idle)
		}
		c.nc.SetReadDeadline(deadline)
		// Checked after setting the deadline: a cancellation that raced
		// with it is seen here, a later one interrupts the read.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := c.rd.NextFrame()
		if err != nil {
			return nil, c.readError(ctx, err)
		}
		if hdr.OpCode.IsControl() {
			err := c.onCtrl(hdr, c.rd)
			if werr := c.flushCtrl(); err == nil {
				err = werr
			}
			if err != nil {
				return nil, c.readError(ctx, err)
			}
			continue
		}
		switch hdr.OpCode {
		case ws.OpText:
		case ws.OpBinary:
			return nil, protocolError("server sent a binary frame, want text")
		default:
			return nil, protocolError("server sent a frame with opcode %d, want text", hdr.OpCode)
		}
		// Grow as bytes arrive, not by the declared length.
		var buf bytes.Buffer
		buf.Grow(int(min(hdr.Length, 64<<10)))
		if _, err := buf.ReadFrom(c.rd); err != nil {
			return nil, c.readError(ctx, err)
		}
		return buf.Bytes(), nil
	}
}

func (c *Conn) readError(ctx context.Context, err error) error {
	var closed wsutil.ClosedError
	switch {
	case errors.As(err, &closed):
		c.nc.Close()
		return &CloseError{Code: int(closed.Code), Reason: closed.Reason}
	case ctx.Err() != nil:
		return ctx.Err()
	case c.isClosed():
		return ErrClosed
	case isTimeout(err):
		return fmt.Errorf("%w: nothing received from %s for %v", ErrIdle, c.url, c.idle)
	case errors.Is(err, wsutil.ErrInvalidUTF8):
		return protocolError("server sent invalid UTF-8")
	case errors.Is(err, wsutil.ErrMessageTooLarge), errors.Is(err, wsutil.ErrFrameTooLarge):
		return protocolError("server sent a message larger than %d bytes", c.rd.MaxMessageSize)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("connection to %s lost: closed without a close frame", c.url)
	}
	var pe ws.ProtocolError
	if errors.As(err, &pe) {
		return protocolError("%v", err)
	}
	return fmt.Errorf("read from %s: %w", c.url, err)
}

// flushCtrl sends what the control handler wrote (pong, close echo).
func (c *Conn) flushCtrl() error {
	if c.ctrl.Len() == 0 {
		return nil
	}
	defer c.ctrl.Reset()
	return c.writeRaw(c.ctrl.Bytes())
}

// writeRaw writes complete frames in one locked write.
func (c *Conn) writeRaw(frames []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(frames)
	return err
}

func (c *Conn) isClosed() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.closed
}

// filterMessage is the client's filter object.
type filterMessage struct {
	Type    string   `json:"type"`
	Service string   `json:"service"`
	Host    string   `json:"host"`
	Level   string   `json:"level"`
	Q       string   `json:"q"`
	Re      string   `json:"re"`
	Where   []string `json:"where,omitempty"`
	Pattern []string `json:"pattern,omitempty"`
	NotPat  []string `json:"not_pattern,omitempty"`
}

// SetFilter replaces the server-side filter without reconnecting. A filter
// the server refuses comes back as an "error" message from Next, and the old
// filter stays.
func (c *Conn) SetFilter(f Filter) error {
	p, err := json.Marshal(filterMessage{
		Type:    "filter",
		Service: strings.Join(f.Service, ","),
		Host:    strings.Join(f.Host, ","),
		Level:   f.Level,
		Q:       f.Query,
		Re:      f.Regex,
		Where:   f.Where,
		Pattern: f.Pattern,
		NotPat:  f.NotPattern,
	})
	if err != nil {
		return fmt.Errorf("encode filter: %w", err)
	}
	if err := c.writeRaw(clientFrame(ws.OpText, p)); err != nil {
		return fmt.Errorf("send filter: %w", err)
	}
	return nil
}

// clientFrame encodes one masked frame.
func clientFrame(op ws.OpCode, p []byte) []byte {
	var b bytes.Buffer
	f := ws.MaskFrameInPlace(ws.NewFrame(op, true, append([]byte(nil), p...)))
	_ = ws.WriteFrame(&b, f) // a bytes.Buffer does not fail
	return b.Bytes()
}

// Close sends a normal close frame and closes the connection. It is safe to
// call twice and concurrently with Next.
func (c *Conn) Close() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.nc.Write(clientFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "")))
	if err := c.nc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}
