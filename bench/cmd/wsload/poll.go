package main

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// The clients are read by -readers threads, each waiting in epoll_wait for
// its share of the sockets, not by a goroutine per connection: one wake-up
// serves every socket that became readable, and no read goes through the Go
// scheduler. With a goroutine per connection wsload needed about as much CPU
// as the server it measured at 1,000 clients, and on two cores the
// benchmark then measured the two fighting for them.

// poller is one reading thread and its epoll instance.
type poller struct {
	l    *load
	ep   int
	stop atomic.Bool
	done chan struct{}
}

func (l *load) startPollers() error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	l.conns = make([]atomic.Pointer[conn], min(lim.Cur, 1<<22))
	for range l.o.readers {
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			l.stopPollers()
			return fmt.Errorf("epoll: %w", err)
		}
		p := &poller{l: l, ep: ep, done: make(chan struct{})}
		l.pollers = append(l.pollers, p)
		go p.run()
	}
	return nil
}

// stopPollers ends the reading threads; the sockets stay open.
func (l *load) stopPollers() {
	for _, p := range l.pollers {
		p.stop.Store(true)
	}
	for _, p := range l.pollers {
		<-p.done
		unix.Close(p.ep)
	}
	l.pollers = nil
}

// add registers c, whose buffer has been fed already, with p.
func (p *poller) add(c *conn) error {
	if c.fd >= len(p.l.conns) {
		return fmt.Errorf("descriptor %d beyond the open-files limit", c.fd)
	}
	p.l.conns[c.fd].Store(c)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.fd)}
	if err := unix.EpollCtl(p.ep, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		p.l.conns[c.fd].Store(nil)
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

// forget stops reading a connection given up on while dialling: it leaves
// the descriptor table, so an event already returned for it finds nothing,
// and every epoll set. The descriptor stays open (a poller may be reading
// it); wsload exits soon after a failed dial.
func (l *load) forget(c *conn) {
	if l.conns[c.fd].CompareAndSwap(c, nil) {
		for _, p := range l.pollers {
			_ = unix.EpollCtl(p.ep, unix.EPOLL_CTL_DEL, c.fd, nil)
		}
	}
}

// pollTimeoutMs bounds how long stopPollers waits for a thread.
const pollTimeoutMs = 100

func (p *poller) run() {
	defer close(p.done)
	evs := make([]unix.EpollEvent, 256)
	for !p.stop.Load() {
		n, err := unix.EpollWait(p.ep, evs, pollTimeoutMs)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			p.l.disconnected(fmt.Errorf("epoll wait: %w", err))
			return
		}
		for i := range n {
			c := p.l.conns[evs[i].Fd].Load()
			if c == nil || c.dead {
				continue
			}
			if err := p.service(c); err != nil {
				c.dead = true
				p.l.conns[c.fd].Store(nil)
				_ = unix.EpollCtl(p.ep, unix.EPOLL_CTL_DEL, c.fd, nil)
				unix.Close(c.fd)
				if !c.isReady {
					// dial is waiting for ready: hand it the reason.
					c.isReady, c.err = true, err
					close(c.ready)
					continue
				}
				p.l.disconnected(err)
			}
		}
	}
}

// service reads what the socket has (epoll is level-triggered: what does
// not fit is reported again) and parses it.
func (p *poller) service(c *conn) error {
	for range 4 {
		if c.w == len(c.buf) {
			return nil // feed leaves a full buffer only when it must wait; never here
		}
		n, err := unix.Read(c.fd, c.buf[c.w:])
		switch {
		case errors.Is(err, unix.EAGAIN):
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return fmt.Errorf("read: %w", err)
		case n == 0:
			return errors.New("read: EOF")
		}
		c.w += n
		if err := p.l.feed(c); err != nil {
			return err
		}
		if c.w < len(c.buf)/2 {
			return nil // the socket is most likely drained
		}
	}
	return nil
}

// dupSocket returns a duplicate descriptor of nc's socket, non-blocking and
// close-on-exec.
func dupSocket(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1, errors.New("connection has no descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, fmt.Errorf("dup socket: %w", derr)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("dup socket: %w", err)
	}
	return fd, nil
}

// fdWriter writes a client frame (a pong, an engine.io ping: tens of bytes)
// straight to the socket. Such a write fits any socket buffer that is not
// full, and a full one means the server stopped reading: an error.
type fdWriter int

func (w fdWriter) Write(b []byte) (int, error) {
	n, err := unix.Write(int(w), b)
	if err == nil && n < len(b) {
		err = fmt.Errorf("short write of %d of %d bytes", n, len(b))
	}
	if n < 0 {
		n = 0
	}
	return n, err
}
