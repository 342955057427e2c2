package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/tailcast/tailcast/bench/internal/benchline"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ratelines:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("o", "", "file to append to (created when missing; required)")
	rate := flag.Float64("rate", 1000, "lines per second")
	size := flag.Int("size", 130, "bytes per line, newline included (at least 50)")
	duration := flag.Duration("duration", 0, "stop after this long (0: until SIGTERM or SIGINT)")
	marker := flag.String("marker", "@@", "marker written before the timestamp")
	flag.Parse()
	switch {
	case flag.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	case *out == "":
		return errors.New("-o is required")
	case *rate <= 0 || *rate > 10_000_000:
		return fmt.Errorf("-rate %v: want (0, 1e7] lines/s", *rate)
	case *size < benchline.MinSize || *size > 64<<10:
		return fmt.Errorf("-size %d: want 50 to 65536 bytes", *size)
	case *duration < 0:
		return fmt.Errorf("-duration %v: must not be negative", *duration)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open output: %w", err)
	}
	defer f.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}

	var buf []byte
	start := time.Now()
	bucket := benchline.NewBucket(*rate, start)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			el := time.Since(start).Seconds()
			fmt.Fprintf(os.Stderr, "ratelines: %d lines in %.2f s (%.0f lines/s, %d skipped after stalls)\n",
				bucket.Sent(), el, float64(bucket.Sent())/el, bucket.Skipped())
			return nil
		case <-tick.C:
		}
		now := time.Now()
		first := bucket.Sent()
		due := bucket.Due(now)
		if due == 0 {
			continue
		}
		buf = buf[:0]
		ts := strconv.AppendInt(nil, now.UnixNano(), 10)
		for i := range due {
			buf = benchline.Append(buf, first+i, *marker, ts, *size)
		}
		if _, err := f.Write(buf); err != nil {
			return fmt.Errorf("append: %w", err)
		}
	}
}
