package pusher

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// poller is the netpoll read side: idle connections sit in an epoll set
// (EPOLLONESHOT) with no goroutine and no buffer; when one becomes
// readable, a read worker reads one frame and re-arms it. The event data
// carries the fd and a per-connection id, so that an event for a closed
// connection whose fd number was reused is ignored.
type poller struct {
	epfd   int
	wakefd int
	nextID atomic.Uint32

	mu    sync.Mutex
	conns map[int32]*client
}

const pollEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll create: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, fmt.Errorf("epoll add eventfd: %w", err)
	}
	return &poller{epfd: epfd, wakefd: wakefd, conns: make(map[int32]*client)}, nil
}

// connFD returns the socket of a plain TCP connection. TLS and connections
// with bytes already buffered are read in blocking mode instead.
func connFD(c net.Conn) (int, bool) {
	tc, ok := tcpConn(c)
	if !ok {
		return 0, false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}

func (p *poller) add(c *client) error {
	c.pollID = p.nextID.Add(1)
	p.mu.Lock()
	p.conns[int32(c.fd)] = c
	p.mu.Unlock()
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(c.fd), Pad: int32(c.pollID)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.conns, int32(c.fd))
		p.mu.Unlock()
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

// rearm lets the next readiness of c be reported.
func (p *poller) rearm(c *client) {
	if c.pollClosed.Load() {
		return
	}
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(c.fd), Pad: int32(c.pollID)}
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev)
}

// remove must be called before the connection is closed, so that the fd
// number is not reused while registered.
func (p *poller) remove(c *client) {
	p.mu.Lock()
	if p.conns[int32(c.fd)] == c {
		delete(p.conns, int32(c.fd))
	}
	p.mu.Unlock()
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
}

func (p *poller) wake() {
	var one = [8]byte{1}
	_, _ = unix.Write(p.wakefd, one[:])
}

func (p *poller) close() {
	unix.Close(p.epfd)
	unix.Close(p.wakefd)
}

// pollLoop dispatches readable connections to read workers until Close.
func (s *Server) pollLoop() {
	defer s.wg.Done()
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(s.poll.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			s.log.Error("epoll wait", zap.Error(err))
			return
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == s.poll.wakefd {
				return
			}
			s.poll.mu.Lock()
			c := s.poll.conns[ev.Fd]
			s.poll.mu.Unlock()
			if c == nil || c.pollID != uint32(ev.Pad) {
				continue
			}
			select {
			case s.reads <- c:
			default:
				s.wg.Add(1)
				go s.readWorker(c)
			}
		}
	}
}

// readWorker handles readable connections; it exits after workerIdle
// without work.
func (s *Server) readWorker(c *client) {
	defer s.wg.Done()
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		s.pollRead(c)
		t.Reset(workerIdle)
		select {
		case c = <-s.reads:
		case <-t.C:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// pollTimeout bounds reading the rest of a frame once its first bytes
// have arrived (a peer trickling a frame holds a worker at most this long).
const pollTimeout = 5 * time.Second

var discardBuf = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// pollRead reads what a readiness event announced.
func (s *Server) pollRead(c *client) {
	// EPOLLONESHOT already keeps readers of one connection apart; the lock
	// makes that ordering visible to the race detector and costs nothing
	// uncontended.
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.pollClosed.Load() {
		return
	}
	if c.discard.Load() {
		bp := discardBuf.Get().(*[]byte)
		c.conn.SetReadDeadline(time.Now().Add(pollTimeout))
		_, err := c.conn.Read(*bp)
		discardBuf.Put(bp)
		if err != nil {
			if !c.closed.Load() {
				s.drop(c, reasonClient)
			}
			s.closePolled(c)
			return
		}
		s.poll.rearm(c)
		return
	}
	if s.readOne(c, c.rd, pollTimeout) {
		s.poll.rearm(c)
	}
}

// closePolled takes a netpoll connection out of the poller and closes it.
func (s *Server) closePolled(c *client) {
	if !c.pollClosed.CompareAndSwap(false, true) {
		return
	}
	s.poll.remove(c)
	c.conn.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// unwrapper is a connection that wraps another without changing its bytes
// (httpserve's connection-counting wrapper). TLS connections do not
// implement it: their socket carries ciphertext.
type unwrapper interface{ Unwrap() net.Conn }

// tcpConn finds the plain TCP socket under c, through wrappers that leave
// the bytes alone, so that netpoll and raw writes apply to it.
func tcpConn(c net.Conn) (*net.TCPConn, bool) {
	for range 8 { // a chain of wrappers, never a cycle
		if tc, ok := c.(*net.TCPConn); ok {
			return tc, true
		}
		u, ok := c.(unwrapper)
		if !ok {
			return nil, false
		}
		c = u.Unwrap()
	}
	return nil, false
}
