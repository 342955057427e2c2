package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func (l *load) idle(ctx context.Context, res *results, rssBefore int64) (int, error) {
	o := l.o
	t := time.NewTimer(o.settle)
	select {
	case <-t.C:
	case <-ctx.Done():
		return 1, ctx.Err()
	}
	rssAfter := rssKiB(o.pid)
	res.add("disconnects", l.disc.Load())
	if o.pid > 0 {
		res.add("server_rss_before_kib", rssBefore)
		res.add("server_rss_after_kib", rssAfter)
		res.add("server_bytes_per_conn", fmt.Sprintf("%.0f", float64(rssAfter-rssBefore)*1024/float64(o.n)))
		res.add("server_fds", countFDs(o.pid))
	}
	if why := l.firstDisconnect(); why != "" {
		res.add("first_disconnect", strconv.Quote(why))
	}
	if o.readyFile != "" {
		var b strings.Builder
		res.print(&b)
		tmp := o.readyFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			return 1, fmt.Errorf("write ready file: %w", err)
		}
		if err := os.Rename(tmp, o.readyFile); err != nil {
			return 1, fmt.Errorf("write ready file: %w", err)
		}
	}
	res.print(os.Stdout)
	var hold <-chan time.Time
	if o.duration > 0 {
		hold = time.After(o.duration)
	}
	select {
	case <-hold:
	case <-ctx.Done():
	}
	if d := l.disc.Load(); d > 0 {
		fmt.Fprintf(os.Stderr, "wsload: %d idle connections were closed while held; first: %s\n", d, l.firstDisconnect())
	}
	return 0, nil
}
