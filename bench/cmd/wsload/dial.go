package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/sys/unix"
)

func (l *load) connectAll(ctx context.Context) ([]*conn, error) {
	o := l.o
	conns := make([]*conn, o.n)
	sem := make(chan struct{}, o.parallel)
	var mu sync.Mutex
	var firstErr error
	var failed int
	var wg sync.WaitGroup
	nSample := int(math.Round(o.sample * float64(o.n)))
	for i := range o.n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// Spread samplers evenly over the connection order.
			sampling := nSample > 0 && (i*nSample)%o.n < nSample
			c, err := l.dial(ctx, i, sampling)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				if firstErr == nil {
					firstErr = fmt.Errorf("connection %d: %w", i, err)
				}
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	var ok []*conn
	for _, c := range conns {
		if c != nil {
			ok = append(ok, c)
		}
	}
	if failed > 0 {
		return ok, fmt.Errorf("%d of %d connections failed; first: %w", failed, o.n, firstErr)
	}
	return ok, nil
}

func (l *load) dial(ctx context.Context, i int, sampling bool) (*conn, error) {
	o := l.o
	src := o.sources[i%len(o.sources)]
	u := o.url
	if o.proto == "frontail" {
		u = strings.TrimRight(u, "/") + "/socket.io/?EIO=3&transport=websocket"
	}
	d := ws.Dialer{
		Timeout: o.dialTO,
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}}
			return nd.DialContext(ctx, network, addr)
		},
	}
	if o.mix != nil {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + o.mix.Filters[i].Query()
	}
	nc, br, _, err := d.Dial(ctx, u)
	if err != nil {
		return nil, err
	}
	switch o.proto {
	case "frontail":
		// socket.io 2: join the namespace frontail emits lines on.
		if err := writeClientText(nc, []byte("40"+o.frontailNS+",")); err != nil {
			nc.Close()
			return nil, fmt.Errorf("frontail namespace: %w", err)
		}
	case "centrifugo":
		if err := centrifugoHello(nc, o.channel); err != nil {
			nc.Close()
			return nil, err
		}
	}
	c := &conn{id: i, sampling: sampling, ready: make(chan struct{}), buf: make([]byte, o.bufSize), lastPing: time.Now(), lastSeq: -1}
	if o.proto == "websocketd" {
		c.isReady = true // websocketd sends nothing until a line arrives
		close(c.ready)
	}
	if br != nil && br.Buffered() > 0 { // frames that came with the handshake
		if br.Buffered() > len(c.buf) {
			nc.Close()
			return nil, fmt.Errorf("%d bytes came with the handshake, more than -buf", br.Buffered())
		}
		c.w, _ = br.Read(c.buf) // only buffered bytes: never blocks
	}
	// The poller reads a duplicate of the socket; closing nc takes the
	// original out of Go's netpoll, which would otherwise wake for every
	// frame too.
	if c.fd, err = dupSocket(nc); err != nil {
		nc.Close()
		return nil, err
	}
	nc.Close()
	if err := l.feed(c); err != nil {
		unix.Close(c.fd)
		return nil, err
	}
	if err := l.pollers[i%len(l.pollers)].add(c); err != nil {
		unix.Close(c.fd)
		return nil, err
	}
	t := time.NewTimer(o.dialTO)
	defer t.Stop()
	select {
	case <-c.ready:
		if c.err != nil { // set by the poller before it closed ready
			return nil, c.err
		}
		return c, nil
	case <-t.C:
		l.forget(c)
		return nil, errors.New("no first message from the server in time")
	case <-ctx.Done():
		l.forget(c)
		return nil, ctx.Err()
	}
}
