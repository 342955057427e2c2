package httpserve

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// refusalBody says why a connection over the cap is refused.
const refusalBody = "server at its connection limit; retry in a moment\n"

// refusal is what a connection over the cap reads before it is closed.
var refusal = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Retry-After: 1\r\n" +
	"Connection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(refusalBody)) + "\r\n" +
	"\r\n" + refusalBody)

// limitListener accepts at most max connections at once. The one over is
// refused at once so that Accept never stalls: over plain HTTP it is
// answered 503 (by one of at most maxRefusing goroutines, which read the
// request first so the peer reads the answer instead of a reset), over TLS
// it is closed. Either way it is counted and logged.
type limitListener struct {
	net.Listener
	max       int64
	open      atomic.Int64
	refusing  chan struct{} // semaphore of refusals being written
	answer503 bool
	m         *metrics
	log       *zap.Logger
	lastLog   atomic.Int64 // unix nanos of the last refusal logged
	wg        sync.WaitGroup
}

func newLimitListener(ln net.Listener, max int, answer503 bool, m *metrics, log *zap.Logger) *limitListener {
	return &limitListener{Listener: ln, max: int64(max), refusing: make(chan struct{}, maxRefusing),
		answer503: answer503, m: m, log: log}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if n := l.open.Add(1); n <= l.max {
			l.m.conns.Set(float64(n))
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		l.refuse(c)
	}
}

func (l *limitListener) release() {
	l.m.conns.Set(float64(l.open.Add(-1)))
}

func (l *limitListener) refuse(c net.Conn) {
	l.m.refused.WithLabelValues("conn_limit").Inc()
	now := time.Now().UnixNano()
	if last := l.lastLog.Load(); now-last >= int64(time.Second) && l.lastLog.CompareAndSwap(last, now) {
		l.log.Warn("connection refused: at the connection limit",
			zap.Int64("max_conns", l.max), zap.String("remote", c.RemoteAddr().String()))
	}
	if !l.answer503 {
		_ = c.Close()
		return
	}
	select {
	case l.refusing <- struct{}{}:
	default:
		_ = c.Close() // a flood of refusals: they cost nothing more
		return
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer func() { <-l.refusing }()
		answer(c)
	}()
}

// answer reads what the peer sent (briefly), writes the 503 and closes:
// closing with unread input would reset the connection and lose the answer.
func answer(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(refuseReadDeadline))
	buf := make([]byte, 4096)
	if _, err := c.Read(buf); err != nil && !errors.Is(err, net.ErrClosed) {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			return
		}
	}
	_, _ = c.Write(refusal)
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
}

// Close stops accepting and waits for the refusals being written.
func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.wg.Wait()
	return err
}

// limitedConn gives its slot back once, however often it is closed (the
// server and a hijacking handler may both close it).
type limitedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

// Unwrap is the accepted connection: the pusher reaches the socket through
// it for netpoll and non-blocking writes, which a wrapper would otherwise
// hide (one goroutine per websocket instead of none).
func (c *limitedConn) Unwrap() net.Conn { return c.Conn }

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}
