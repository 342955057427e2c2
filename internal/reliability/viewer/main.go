package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tailcast/tailcast/internal/client"
)

func main() {
	url := flag.String("url", "", "server URL (required)")
	flag.Parse()
	if *url == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: viewer -url URL")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// Entries are flushed every 10 ms, so the suite sees progress without
	// a write per entry; everything else at once.
	var mu sync.Mutex
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				mu.Lock()
				out.Flush()
				mu.Unlock()
			}
		}
	}()
	opts := client.Options{
		URL: *url, Reconnect: true, MaxBackoff: 500 * time.Millisecond,
		OnDisconnect: func(err error, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(out, "disconnect %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			out.Flush()
		},
	}
	err := client.Follow(ctx, opts, func(m client.Message) error {
		mu.Lock()
		defer mu.Unlock()
		switch m.Type {
		case client.TypeHello:
			out.WriteString("hello\n")
		case client.TypeGap:
			fmt.Fprintf(out, "gap %d\n", m.Missed)
		case client.TypeDropped:
			fmt.Fprintf(out, "dropped %d\n", m.Count)
		case client.TypeEntry:
			var ts int64
			if !m.TS.IsZero() {
				ts = m.TS.UnixNano()
			}
			fmt.Fprintf(out, "entry %d %d\n", seqOf(m.Msg), ts)
		}
		if m.Type != client.TypeEntry {
			return out.Flush()
		}
		return nil
	})
	mu.Lock()
	out.Flush()
	mu.Unlock()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "viewer:", err)
		os.Exit(1)
	}
}

// seqOf is the number after "seq=" (8 digits), or -1.
func seqOf(s string) int {
	i := strings.Index(s, "seq=")
	if i < 0 || len(s) < i+12 {
		return -1
	}
	n, err := strconv.Atoi(s[i+4 : i+12])
	if err != nil {
		return -1
	}
	return n
}
