package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tailcast/tailcast/internal/genline"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genlines:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int64("n", 0, "lines to write to -o")
	out := flag.String("o", "", "output file (truncated)")
	grow := flag.String("grow", "", "directory of growing files (grow mode)")
	files := flag.Int("files", 1000, "grow mode: number of files")
	initial := flag.Int("initial", 10, "grow mode: lines written to each file at creation")
	rate := flag.Int("rate", 1000, "grow mode: lines appended per second over all files")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	g := genline.New(*seed)
	switch {
	case *grow != "" && *out == "":
		if *files < 1 || *initial < 0 || *rate < 1 {
			return errors.New("-files and -rate must be >= 1, -initial >= 0")
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		return growFiles(ctx, g, *grow, *files, *initial, *rate)
	case *out != "" && *grow == "":
		if *n < 1 {
			return errors.New("-n must be >= 1")
		}
		return writeFile(g, *out, *n)
	default:
		return errors.New("give either -n N -o FILE or -grow DIR")
	}
}

func writeFile(g *genline.Gen, path string, n int64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	var total int64
	for range n {
		buf = g.Line(buf[:0])
		total += int64(len(buf))
		if _, err := w.Write(buf); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	fmt.Fprintf(os.Stderr, "genlines: %d lines, %d bytes, %.1f bytes/line (newline included) to %s\n",
		n, total, float64(total)/float64(n), path)
	return nil
}

func growFiles(ctx context.Context, g *genline.Gen, dir string, nfiles, initial, rate int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	fs := make([]*os.File, nfiles)
	defer func() {
		for _, f := range fs {
			if f != nil {
				f.Close()
			}
		}
	}()
	var buf []byte
	for i := range fs {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("app-%04d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("create file %d: %w", i, err)
		}
		fs[i] = f
		buf = buf[:0]
		for range initial {
			buf = g.Line(buf)
		}
		if _, err := f.Write(buf); err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
	}
	// Ten appends a second keep the load smooth; carry fractions over so
	// the rate holds for rates below ten.
	const ticks = 10
	t := time.NewTicker(time.Second / ticks)
	defer t.Stop()
	next, owed := 0, 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		owed += rate
		for ; owed >= ticks; owed -= ticks {
			buf = g.Line(buf[:0])
			if _, err := fs[next].Write(buf); err != nil {
				return fmt.Errorf("append %s: %w", fs[next].Name(), err)
			}
			next = (next + 1) % nfiles
		}
	}
}
