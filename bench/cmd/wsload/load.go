package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

type load struct {
	o         *options
	recording atomic.Bool // sampling clients record latency only in the window
	closing   atomic.Bool // disconnects after this are ours
	disc      atomic.Int64
	discMu    sync.Mutex
	discWhy   string
	pollers   []*poller
	conns     []atomic.Pointer[conn] // by file descriptor
}

func (l *load) disconnected(err error) {
	if l.closing.Load() {
		return
	}
	l.disc.Add(1)
	l.discMu.Lock()
	if l.discWhy == "" {
		l.discWhy = err.Error()
	}
	l.discMu.Unlock()
}

func loadOrIdle(ctx context.Context, o *options, cmdArgs []string) (int, error) {
	l := &load{o: o}
	res := newResults()
	res.add("status", "ok")
	res.add("proto", o.proto)
	res.add("conns", o.n)
	res.add("sources", len(o.sources))

	if err := l.startPollers(); err != nil {
		res.set("status", "failed")
		res.print(os.Stdout)
		return 1, err
	}
	rssBefore := rssKiB(o.pid)
	t0 := time.Now()
	conns, err := l.connectAll(ctx)
	res.add("connected", len(conns))
	res.add("connect_s", fmt.Sprintf("%.2f", time.Since(t0).Seconds()))
	defer func() {
		l.closing.Store(true)
		l.stopPollers()
		for _, c := range conns {
			if !c.dead {
				unix.Close(c.fd)
			}
		}
	}()
	if err != nil {
		res.set("status", "connect-failed")
		res.add("error", err.Error())
		res.print(os.Stdout)
		return 1, err
	}

	if o.idle {
		return l.idle(ctx, res, rssBefore)
	}
	return l.measure(ctx, res, conns, cmdArgs)
}

func (l *load) firstDisconnect() string {
	l.discMu.Lock()
	defer l.discMu.Unlock()
	return l.discWhy
}

func countSampling(conns []*conn) int {
	n := 0
	for _, c := range conns {
		if c.sampling {
			n++
		}
	}
	return n
}
